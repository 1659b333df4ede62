"""Who is told about what, on which channel: ``intents/notifications.yaml`` (optional file).

The file names people (``contacts``), on-call ``groups``, delivery ``channels`` (Twilio and
Vonage SMS/voice, chat webhooks, e-mail, ServiceNow; every credential by secret name only),
``business_hours`` per region, and ``routes``: which alerts reach which channels and people.

Route semantics are Alertmanager's, so the generated Alertmanager config and the notifier agree:

* routes are tried in order; the **first match wins** unless the route says ``continue: true``;
* ``during: business_hours`` (or ``outside_business_hours``) sends only inside (outside) the
  business hours of the alert's region (``business_hours.<region>``, else ``.default``); the
  route still *matches* at other times, so it stops the search unless it says ``continue``;
* ``escalate`` repeats the page on another channel when nobody acknowledged within N minutes;
* after the routes in the file come built-in defaults (SiteDown: SMS at once, a voice call if
  nobody acknowledges within ``defaults.escalate_after_minutes``; circuit and SLA alerts: chat
  and e-mail; ProviderOutage: one carrier ticket; anything else: chat and e-mail), sent to
  ``defaults.to`` over the first channel of each kind. Only kinds with a channel are used.

:func:`effective_routes` lists the routes in force; :func:`matching_routes` says which of them an
alert reaches (what the notifier does with a webhook); :func:`receiver_name` names the
Alertmanager receiver of each route (the webhook payload's ``receiver`` says which route
Alertmanager chose). Cross-file checks (regions, sites, providers that exist) are in
:mod:`runbook_wan.model.notification_checks`.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from runbook_wan.credentials.redact import mask_userinfo
from runbook_wan.model.base import IntentModel
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.model.secret_ref import SecretField, SecretValue
from runbook_wan.model.types import ShortText, Text, refuse_control, shorten
from runbook_wan.ops.metrics import Alert, Severity

#: ``notify.link_expiry_minutes`` when nothing says otherwise.
DEFAULT_LINK_EXPIRY_MINUTES = 720.0

# --- value types ------------------------------------------------------------------------------

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_EMAIL = re.compile(r"[^@\s<>,;\x00-\x1f\x7f-\x9f]+@[^@\s<>,;\x00-\x1f\x7f-\x9f]+\.[A-Za-z]{2,}")
_KEY = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
KEY_MAX_LENGTH = 63
_HOSTPORT = re.compile(r"(?P<host>[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SENDER_ID = re.compile(r"[A-Za-z0-9 ]{1,11}")


def _e164(value: Any) -> Any:
    refuse_control(value)
    if isinstance(value, int) and not isinstance(value, bool):
        raise PydanticCustomError(
            "phone_e164",
            "{value} is not an E.164 phone number",
            {"value": repr(value), "hint": f"quote it and start with + and the country code, e.g. '+{value}'"},
        )
    if isinstance(value, str) and not _E164.fullmatch(value):
        digits = re.sub(r"[^0-9]", "", value)
        example = f"'+{digits}'" if value.startswith("+") and 7 <= len(digits) <= 15 else "'+14155550123'"
        raise PydanticCustomError(
            "phone_e164",
            "{value} is not an E.164 phone number",
            {"value": repr(value), "hint": f"write + then country code and number, digits only, e.g. {example}"},
        )
    return value


def _email(value: Any) -> Any:
    refuse_control(value)
    if isinstance(value, str) and not _EMAIL.fullmatch(value):
        raise PydanticCustomError(
            "email_address",
            "{value} is not an e-mail address",
            {"value": repr(value), "hint": "write one address like noc@example.com (no display name)"},
        )
    return value


def _key(kind: str) -> Any:
    def check(value: Any) -> Any:
        refuse_control(value)
        if isinstance(value, str) and (len(value) > KEY_MAX_LENGTH or not _KEY.fullmatch(value)):
            raise PydanticCustomError(
                "name_format",
                "{value} is not a valid {kind} name",
                {
                    "value": repr(value),
                    "kind": kind,
                    "hint": "use lowercase letters, digits, and single hyphens or underscores, starting with a letter "
                    f"(at most {KEY_MAX_LENGTH} characters)",
                },
            )
        return value

    return check


def _timezone(value: Any) -> Any:
    refuse_control(value)
    if isinstance(value, str):
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError(
                "timezone",
                "{value} is not a time zone of the IANA database",
                {"value": repr(value), "hint": "use a name like America/Chicago, Europe/Berlin or UTC"},
            ) from None
    return value


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Phone = Annotated[str, BeforeValidator(_e164)]
Email = Annotated[str, AfterValidator(_email)]
ContactName = Annotated[str, AfterValidator(_key("contact"))]
GroupName = Annotated[str, AfterValidator(_key("group"))]
ChannelName = Annotated[str, AfterValidator(_key("channel"))]
TimeZone = Annotated[str, AfterValidator(_timezone)]
#: A label value a route matches on (alert, severity, region, site, provider, circuit names).
LabelValue = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$")]
#: One label value or a list of them (``alertname: SiteDown`` or ``alertname: [A, B]``).
OneOrMany = Annotated[list[LabelValue], BeforeValidator(_one_or_many)]
#: A contact or group name, as a route's recipient.
RecipientName = Annotated[str, AfterValidator(_key("contact or group"))]
#: ``default`` or a region name.
HoursName = Annotated[str, AfterValidator(_key("business hours"))]


# --- people -----------------------------------------------------------------------------------


class Contact(IntentModel):
    """A person who can be told about alerts."""

    name: ShortText = Field(description="Display name.")
    phone: Phone | None = Field(default=None, description="E.164 number for SMS and voice, e.g. '+14155550123'.")
    email: Email | None = Field(default=None, description="E-mail address.")
    chat: ShortText | None = Field(default=None, description="Chat handle to mention, e.g. '@alice'.")


class Group(IntentModel):
    """An on-call group: a list of contacts."""

    description: Text = ""
    members: list[ContactName] = Field(min_length=1, description="Contact names, in escalation order.")


# --- channels ---------------------------------------------------------------------------------


class ChannelKind(StrEnum):
    """What a channel delivers; routes and failover are checked by kind."""

    SMS = "sms"
    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    TICKET = "ticket"

    @property
    def noun(self) -> str:
        """What the kind sends, in words: 'SMS', 'voice calls', ..."""
        return {"sms": "SMS", "voice": "voice calls", "chat": "chat messages", "email": "e-mail", "ticket": "tickets"}[
            self.value
        ]


class _Channel(IntentModel):
    description: Text = ""
    failover: ChannelName | None = Field(
        default=None, description="Channel of the same kind to use when this one fails (e.g. Vonage for Twilio)."
    )

    @property
    def kind(self) -> ChannelKind:
        return CHANNEL_KINDS[getattr(self, "type")]  # noqa: B009 - every concrete channel has ``type``


_SECONDARY_TOKEN = (
    "A second auth token, by secret name, also accepted on Twilio's webhooks while the token is rotated "
    "(Twilio signs with the account's current token)."
)


class TwilioSms(_Channel):
    """SMS through Twilio's Messages API (official ``twilio`` client)."""

    type: Literal["twilio_sms"]
    account_sid: SecretValue = Field(description="Twilio account SID, by secret name.")
    auth_token: SecretValue = Field(description="Twilio auth token, by secret name.")
    secondary_auth_token: SecretField = Field(default=None, description=_SECONDARY_TOKEN)
    sender: Phone = Field(alias="from", description="Twilio number to send from (E.164).")


class TwilioVoice(_Channel):
    """Voice calls through Twilio's Calls API; the alert is read out (TwiML <Say>, with a keypress <Gather>)."""

    type: Literal["twilio_voice"]
    account_sid: SecretValue = Field(description="Twilio account SID, by secret name.")
    auth_token: SecretValue = Field(description="Twilio auth token, by secret name.")
    secondary_auth_token: SecretField = Field(default=None, description=_SECONDARY_TOKEN)
    sender: Phone = Field(alias="from", description="Twilio number to call from (E.164).")


def _sender_id(value: Any) -> Any:
    refuse_control(value)
    if isinstance(value, str) and not (_E164.fullmatch(value) or _SENDER_ID.fullmatch(value)):
        raise PydanticCustomError(
            "sender_id",
            "{value} is neither an E.164 number nor an alphanumeric sender id",
            {"value": repr(value), "hint": "use '+<country code><number>' or up to 11 letters, digits and spaces"},
        )
    return value


class VonageSms(_Channel):
    """SMS through Vonage's SMS API (official ``vonage`` client)."""

    type: Literal["vonage_sms"]
    api_key: SecretValue = Field(description="Vonage API key, by secret name.")
    api_secret: SecretValue = Field(description="Vonage API secret, by secret name.")
    sender: Annotated[str, AfterValidator(_sender_id)] = Field(
        alias="from", description="E.164 number or alphanumeric sender id (up to 11 characters)."
    )
    signature_secret: SecretField = Field(
        default=None,
        description="The account's signature secret, by secret name: checks Vonage's signed webhooks "
        "(inbound SMS, delivery receipts). Required when notify.public_url is set.",
    )
    signature_method: Literal["md5", "sha1", "sha256", "sha512"] = Field(
        default="sha256",
        description="The HMAC the account signs webhooks with (dashboard: API settings). Plain 'MD5 hash' "
        "signatures are not accepted.",
    )


class VonageVoice(_Channel):
    """Voice calls through Vonage's Voice API (JWT from an application id and private key)."""

    type: Literal["vonage_voice"]
    application_id: SecretValue = Field(description="Vonage application id, by secret name.")
    private_key: SecretValue = Field(description="The application's private key (PEM), by secret name.")
    sender: Phone = Field(alias="from", description="Vonage number to call from (E.164).")
    signature_secret: SecretField = Field(
        default=None,
        description="The account's signature secret, by secret name: checks the signed JWT of Vonage's voice "
        "webhooks (keypresses, call events). Required when notify.public_url is set.",
    )


class ChatWebhook(_Channel):
    """A chat incoming webhook: Slack, Mattermost or a Microsoft Teams Workflows webhook."""

    type: Literal["slack", "mattermost", "teams_workflows"]
    webhook_url: SecretValue = Field(description="The webhook URL (it carries a token), by secret name.")
    signing_secret: SecretField = Field(
        default=None,
        description="Slack only: the Slack app's signing secret, by secret name. With it (and notify.public_url) "
        "messages carry Acknowledge and Resolve buttons; clicks are verified with it.",
    )


def _smarthost(value: Any) -> Any:
    refuse_control(value)
    if isinstance(value, str):
        found = _HOSTPORT.fullmatch(value)
        if found is None or not 0 < int(found.group("port")) < 65536:
            hint = "write the SMTP relay as host:port, e.g. smtp.example.com:587"
            if "@" in value:
                hint += "; put the login in `username:` and `password:` by secret name, never in the host"
            raise PydanticCustomError(
                "smarthost", "{value} is not host:port", {"value": shorten(mask_userinfo(value)), "hint": hint}
            )
    return value


class EmailChannel(_Channel):
    """E-mail through an SMTP smarthost."""

    type: Literal["email"]
    smarthost: Annotated[str, AfterValidator(_smarthost)] = Field(description="SMTP relay as host:port.")
    sender: Email = Field(alias="from", description="Envelope and header sender.")
    starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS (required when true).")
    username: SecretField = Field(default=None, description="SMTP user, by secret name (omit for no AUTH).")
    password: SecretField = Field(default=None, description="SMTP password, by secret name.")


class ServiceNow(_Channel):
    """ServiceNow through its own client (``pysnc``): an incident, or an event for Event Management."""

    type: Literal["servicenow"]
    instance: Annotated[str, AfterValidator(_key("ServiceNow instance"))] = Field(
        description="Instance name: 'acme' for https://acme.service-now.com."
    )
    mode: Literal["incident", "event"] = Field(
        default="incident", description="Open an incident (table API) or send an event (Event Management)."
    )
    username: SecretValue = Field(description="Integration user, by secret name.")
    password: SecretValue = Field(description="Its password, by secret name.")
    assignment_group: ShortText | None = Field(default=None, description="Assignment group of opened incidents.")


Channel = Annotated[
    TwilioSms | TwilioVoice | VonageSms | VonageVoice | ChatWebhook | EmailChannel | ServiceNow,
    Field(discriminator="type"),
]

#: Channel ``type`` -> the kind of delivery it makes.
CHANNEL_KINDS: dict[str, ChannelKind] = {
    "twilio_sms": ChannelKind.SMS,
    "vonage_sms": ChannelKind.SMS,
    "twilio_voice": ChannelKind.VOICE,
    "vonage_voice": ChannelKind.VOICE,
    "slack": ChannelKind.CHAT,
    "mattermost": ChannelKind.CHAT,
    "teams_workflows": ChannelKind.CHAT,
    "email": ChannelKind.EMAIL,
    "servicenow": ChannelKind.TICKET,
}


# --- business hours ---------------------------------------------------------------------------


def _weekday_range(value: Any) -> Any:
    refuse_control(value)
    if isinstance(value, str):
        ends = value.lower().split(":")
        if len(ends) > 2 or any(end not in _WEEKDAYS for end in ends):
            raise PydanticCustomError(
                "weekday",
                "{value} is not a weekday or a range of weekdays",
                {"value": repr(value), "hint": "write a day (monday) or a range (monday:friday)"},
            )
        if len(ends) == 2 and _WEEKDAYS.index(ends[0]) > _WEEKDAYS.index(ends[1]):
            raise PydanticCustomError(
                "weekday",
                "{value} runs backwards",
                {
                    "value": repr(value),
                    "hint": "write the earlier day first, or two ranges (friday:sunday = friday, saturday:sunday)",
                },
            )
        return value.lower()
    return value


def _time_range(value: Any) -> Any:
    refuse_control(value)
    if isinstance(value, str):
        found = re.fullmatch(r"([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})", value)
        ok = found is not None
        if found is not None:
            h1, m1, h2, m2 = (int(g) for g in found.groups())
            ok = h1 < 24 and m1 < 60 and (h2 < 24 or (h2 == 24 and m2 == 0)) and m2 < 60 and (h1, m1) < (h2, m2)
        if not ok:
            raise PydanticCustomError(
                "time_range",
                "{value} is not a time range HH:MM-HH:MM",
                {"value": repr(value), "hint": "write start-end in 24-hour time, start before end, e.g. '08:00-18:00'"},
            )
    return value


WeekdayRange = Annotated[str, BeforeValidator(_weekday_range)]
TimeRange = Annotated[str, AfterValidator(_time_range)]


class BusinessHours(IntentModel):
    """When people are at work, in a time zone (Alertmanager ``time_intervals``)."""

    timezone: TimeZone = Field(description="IANA time zone, e.g. America/Chicago.")
    weekdays: list[WeekdayRange] = Field(
        default_factory=lambda: ["monday:friday"], min_length=1, description="Days or ranges, e.g. monday:friday."
    )
    times: list[TimeRange] = Field(
        default_factory=lambda: ["08:00-18:00"], min_length=1, description="Time ranges, e.g. '08:00-18:00'."
    )

    def contains(self, at: datetime) -> bool:
        """True when ``at`` (timezone-aware) falls in these hours."""
        local = at.astimezone(zoneinfo.ZoneInfo(self.timezone))
        day = local.weekday()
        in_day = False
        for item in self.weekdays:
            ends = [_WEEKDAYS.index(e) for e in item.split(":")]
            in_day = in_day or ends[0] <= day <= ends[-1]
        if not in_day:
            return False
        now = local.time()
        for span in self.times:
            start, end = span.split("-")
            if _clock(start) <= now < _clock(end):
                return True
        return False


def _clock(text: str) -> time:
    hour, minute = (int(p) for p in text.split(":"))
    return time.max if hour == 24 else time(hour, minute)


# --- routes -----------------------------------------------------------------------------------

#: Labels a route may match on.
MATCH_LABELS = ("alertname", "severity", "region", "site", "provider", "circuit")


class RouteMatch(IntentModel):
    """Label conditions, all of which must hold; each takes one value or a list (any of them)."""

    alertname: OneOrMany = Field(default_factory=list, description="Alert names (see ops.metrics.Alert).")
    severity: OneOrMany = Field(default_factory=list, description="critical, warning or info.")
    region: OneOrMany = Field(default_factory=list, description="Region names.")
    site: OneOrMany = Field(default_factory=list, description="Site ids.")
    provider: OneOrMany = Field(default_factory=list, description="Provider ids.")
    circuit: OneOrMany = Field(default_factory=list, description="Circuit roles.")

    @field_validator("alertname")
    @classmethod
    def _known_alerts(cls, value: list[str]) -> list[str]:
        return _known(value, [a.value for a in Alert], "alert name")

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: list[str]) -> list[str]:
        return _known(value, [s.value for s in Severity], "severity")

    @field_validator("circuit")
    @classmethod
    def _known_circuit(cls, value: list[str]) -> list[str]:
        return _known(value, list(CIRCUIT_ROLES), "circuit")

    def conditions(self) -> dict[str, list[str]]:
        """Label -> allowed values, for the labels this match constrains."""
        return {label: list(getattr(self, label)) for label in MATCH_LABELS if getattr(self, label)}

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(label) in values for label, values in self.conditions().items())


def _known(values: list[str], allowed: list[str], noun: str) -> list[str]:
    for value in values:
        if value not in allowed:
            close = difflib.get_close_matches(value, allowed, n=1)
            raise PydanticCustomError(
                "unknown_value",
                "unknown {noun} {value}",
                {
                    "noun": noun,
                    "value": repr(value),
                    "hint": f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(allowed)}",
                },
            )
    return values


class Delivery(IntentModel):
    """Send on ``channel`` to ``to`` (contacts or groups; a ticket or chat channel may omit it)."""

    channel: ChannelName = Field(description="A channel name from `channels`.")
    to: Annotated[list[RecipientName], BeforeValidator(_one_or_many)] = Field(
        default_factory=list, description="Contact or group names (one or a list)."
    )


class Escalation(Delivery):
    """Page again on another channel when nobody acknowledged in time."""

    after_minutes: float | None = Field(
        default=None,
        ge=0.05,
        le=1440,
        description="Minutes without acknowledgement (default: defaults.escalate_after_minutes).",
    )


class Route(IntentModel):
    """Which alerts go where. First match wins unless ``continue: true``."""

    name: Annotated[str, AfterValidator(_key("route"))] | None = Field(
        default=None, description="Short id (names the Alertmanager receiver); default route-<n>."
    )
    match: RouteMatch = Field(default_factory=RouteMatch, description="Label conditions; empty matches every alert.")
    during: Literal["business_hours", "outside_business_hours"] | None = Field(
        default=None, description="Send only inside (or outside) the business hours of the alert's region."
    )
    notify: list[Delivery] = Field(min_length=1, description="Where to send, all at once.")
    escalate: Escalation | None = Field(default=None, description="Page again if nobody acknowledges.")
    continue_: bool = Field(default=False, alias="continue", description="Keep looking for more matching routes.")


class NotifyDefaults(IntentModel):
    """Who the built-in routes reach, and when an unacknowledged page escalates."""

    to: Annotated[list[RecipientName], BeforeValidator(_one_or_many)] = Field(
        min_length=1, description="Contacts or groups that get the built-in routes (e.g. the NOC group)."
    )
    escalate_after_minutes: float = Field(
        default=5, ge=0.05, le=1440, description="Minutes before a page escalates (fractions allowed: 0.5 = 30 s)."
    )


_WINDOW = re.compile(r"(?P<count>[1-9][0-9]{0,3})(?P<unit>[mh])")


def _window(value: Any) -> Any:
    refuse_control(value)
    if isinstance(value, str) and _WINDOW.fullmatch(value) is None:
        raise PydanticCustomError(
            "rate_window",
            "{value} is not a time window",
            {"value": repr(value), "hint": "write minutes or hours, e.g. 15m, 1h, 3h"},
        )
    return value


def window_seconds(window: str) -> float:
    """``15m`` -> 900.0, ``3h`` -> 10800.0."""
    found = _WINDOW.fullmatch(window)
    assert found is not None
    return float(found.group("count")) * (60.0 if found.group("unit") == "m" else 3600.0)


#: A rate-limit window (``15m``, ``1h``) -> the most messages allowed in it.
Windows = dict[Annotated[str, AfterValidator(_window)], Annotated[int, Field(ge=1, le=10_000)]]

#: GoAlert's per-contact limits (notification/sendmessage limits): alert SMS and voice calls.
DEFAULT_SMS_LIMITS = {"15m": 5, "1h": 11, "3h": 21}
DEFAULT_VOICE_LIMITS = {"15m": 3, "1h": 7, "3h": 15}


class RateLimits(IntentModel):
    """Per contact: at most N messages of a kind in each window. A page over the limit waits (it is
    recorded as ``limited``) and goes out as soon as the window allows, unless acknowledged first."""

    sms: Windows = Field(
        default_factory=lambda: dict(DEFAULT_SMS_LIMITS),
        description="SMS per contact, window -> count (default GoAlert's: 15m: 5, 1h: 11, 3h: 21).",
    )
    voice: Windows = Field(
        default_factory=lambda: dict(DEFAULT_VOICE_LIMITS),
        description="Voice calls per contact, window -> count (default GoAlert's: 15m: 3, 1h: 7, 3h: 15).",
    )

    def of(self, kind: ChannelKind) -> dict[str, int]:
        """The windows that limit ``kind`` (none for chat, e-mail and tickets)."""
        if kind is ChannelKind.SMS:
            return dict(self.sms)
        if kind is ChannelKind.VOICE:
            return dict(self.voice)
        return {}


_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def _public_url(value: Any) -> Any:
    refuse_control(value)
    if not isinstance(value, str):
        return value
    found = re.fullmatch(
        r"(?P<scheme>https?)://(?P<host>[A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(?P<port>[0-9]{1,5}))?"
        r"(?P<path>(?:/[A-Za-z0-9._~-]+)*)/?",
        value,
    )
    if found is None:
        raise PydanticCustomError(
            "public_url",
            "{value} is not a public base URL",
            {
                "value": repr(value),
                "hint": "write the https address the providers reach, without query or credentials, "
                "e.g. https://runbook.example.com or https://ops.example.com/runbook",
            },
        )
    if found.group("scheme") == "http" and found.group("host") not in _LOOPBACK_HOSTS:
        raise PydanticCustomError(
            "public_url_https",
            "{value} is plain http",
            {
                "value": repr(value),
                "hint": "providers must reach the notifier over https (TLS on the notifier or a reverse proxy); "
                "plain http only for 127.0.0.1 in tests",
            },
        )
    return value.rstrip("/")


PublicUrl = Annotated[str, AfterValidator(_public_url)]


class NotifySettings(IntentModel):
    """The notifier itself: where the providers reach its inbound webhooks, and per-contact limits."""

    public_url: PublicUrl | None = Field(
        default=None,
        description="Base URL the providers (Twilio, Vonage, Slack, Mattermost) and e-mail links reach the "
        "notifier's inbound webhooks at, e.g. https://runbook.example.com. Webhook signatures are checked "
        "against it. Without it pages are one-way (`runbook.py notify --public-url` overrides it).",
    )
    pane_url: PublicUrl | None = Field(
        default=None,
        description="The status pane (`runbook.py status serve`) as people reach it, e.g. "
        "https://runbook.example.com/pane. Once the pane has logins (an account or single sign-on), an e-mail's "
        "acknowledge/resolve link sends the person there to log in first and acts as that login; without "
        "pane_url such a link only says to log in to the pane.",
    )
    rate_limits: RateLimits = Field(default_factory=RateLimits, description="Per-contact limits of SMS and calls.")
    link_expiry_minutes: float = Field(
        default=DEFAULT_LINK_EXPIRY_MINUTES,
        ge=5,
        le=10080,
        description="Minutes an e-mail's acknowledge/resolve link stays valid (each link works once).",
    )


class Notifications(IntentModel):
    """``intents/notifications.yaml``."""

    notify: NotifySettings = Field(
        default_factory=NotifySettings, description="The notifier: public inbound address, rate limits, links."
    )

    defaults: NotifyDefaults | None = Field(default=None, description="Recipients of the built-in routes.")
    contacts: dict[ContactName, Contact] = Field(default_factory=dict)
    groups: dict[GroupName, Group] = Field(default_factory=dict)
    channels: dict[ChannelName, Channel] = Field(default_factory=dict)
    business_hours: dict[HoursName, BusinessHours] = Field(
        default_factory=dict, description="Keys: 'default' and region names (a region falls back to default)."
    )
    routes: list[Route] = Field(default_factory=list, description="Tried in order, before the built-in defaults.")

    def hours_for(self, region: str | None) -> BusinessHours | None:
        if region and region in self.business_hours:
            return self.business_hours[region]
        return self.business_hours.get("default")

    def channels_of(self, kind: ChannelKind) -> list[str]:
        return [name for name, ch in self.channels.items() if ch.kind is kind]

    def recipients(self, names: list[str]) -> list[str]:
        """Contact names behind contact or group names, in order, each once."""
        out: list[str] = []
        for name in names:
            members = self.groups[name].members if name in self.groups else [name]
            out += [m for m in members if m not in out]
        return out


# --- routing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveRoute:
    """A route in force: one from the file (``index`` into ``routes``) or a built-in default."""

    id: str
    route: Route
    builtin: bool = False
    index: int | None = None

    @property
    def receiver(self) -> str:
        return receiver_name(self.id)


RECEIVER_PREFIX = "runbook-"
#: Alertmanager's root receiver: alerts no route matched (recorded, sent nowhere).
UNROUTED_RECEIVER = "runbook-unrouted"
#: Alertmanager's receiver of events (``severity: info`` steering moves): recorded, sent to nobody,
#: whatever the routes say.
EVENTS_RECEIVER = "runbook-events"


def receiver_name(route_id: str) -> str:
    """Alertmanager receiver of a route (the webhook payload's ``receiver``)."""
    return RECEIVER_PREFIX + route_id


def _first(notifications: Notifications, kind: ChannelKind) -> str | None:
    found = notifications.channels_of(kind)
    return found[0] if found else None


def default_routes(notifications: Notifications) -> list[EffectiveRoute]:
    """The built-in routes, built from ``defaults`` and the first channel of each kind."""
    defaults = notifications.defaults
    if defaults is None:
        return []
    to = list(defaults.to)

    def deliveries(*kinds: ChannelKind) -> list[Delivery]:
        names = [_first(notifications, kind) for kind in kinds]
        return [
            Delivery(channel=n, to=[] if k is ChannelKind.TICKET else to)
            for n, k in zip(names, kinds, strict=True)
            if n
        ]

    plans: list[tuple[str, list[str], list[Delivery], Escalation | None]] = []
    voice = _first(notifications, ChannelKind.VOICE)
    page = deliveries(ChannelKind.SMS) or deliveries(ChannelKind.VOICE)
    escalation = Escalation(channel=voice, to=to) if voice and page and page[0].channel != voice else None
    plans.append(("default-site-down", [Alert.SITE_DOWN.value], page, escalation))
    plans.append(
        (
            "default-circuit",
            [Alert.CIRCUIT_DOWN.value, Alert.CIRCUIT_SLA_BREACH.value],
            deliveries(ChannelKind.CHAT, ChannelKind.EMAIL),
            None,
        )
    )
    plans.append(("default-provider-outage", [Alert.PROVIDER_OUTAGE.value], deliveries(ChannelKind.TICKET), None))
    plans.append(("default-other", [], deliveries(ChannelKind.CHAT, ChannelKind.EMAIL), None))
    out = []
    for route_id, names, notify, escalate in plans:
        if not notify:
            continue
        route = Route.model_validate(
            {
                "name": route_id,
                "match": {"alertname": names},
                "notify": [d.model_dump() for d in notify],
                "escalate": escalate.model_dump() if escalate else None,
            }
        )
        out.append(EffectiveRoute(id=route_id, route=route, builtin=True))
    return out


#: Built-in route tried before the file's own: an SLA breach on circuits standing by (no class on them
#: now, ``severity: info``) is a ticket, never a page (monitoring.impact). A file route that matches
#: ``severity: info`` for CircuitSLABreach decides instead.
STANDBY_SLA_ROUTE = "default-standby-sla"


def standby_route(notifications: Notifications) -> EffectiveRoute | None:
    """The built-in standby-breach route: a ticket, else e-mail to ``defaults.to``; None when the file
    routes standby breaches itself or there is nowhere to send them."""
    own = [r for r in notifications.routes if _routes_standby(r)]
    if own or notifications.defaults is None:
        return None
    ticket = _first(notifications, ChannelKind.TICKET)
    email = _first(notifications, ChannelKind.EMAIL)
    if ticket:
        notify = [Delivery(channel=ticket)]
    elif email:
        notify = [Delivery(channel=email, to=list(notifications.defaults.to))]
    else:
        return None
    route = Route.model_validate(
        {
            "name": STANDBY_SLA_ROUTE,
            "match": {"alertname": [Alert.CIRCUIT_SLA_BREACH.value], "severity": [Severity.INFO.value]},
            "notify": [d.model_dump() for d in notify],
        }
    )
    return EffectiveRoute(id=STANDBY_SLA_ROUTE, route=route, builtin=True)


def _routes_standby(route: Route) -> bool:
    names, severities = route.match.alertname, route.match.severity
    return Severity.INFO.value in severities and (not names or Alert.CIRCUIT_SLA_BREACH.value in names)


def _shadowed(default: Route, earlier: list[EffectiveRoute]) -> bool:
    """True when earlier routes end the search for every alert ``default`` could match."""
    stops = [r.route for r in earlier if not r.route.continue_]
    if any(not r.match.conditions() for r in stops):
        return True
    names = default.match.alertname
    if not names:
        return False
    covered = {n for r in stops if set(r.match.conditions()) == {"alertname"} for n in r.match.alertname}
    return set(names) <= covered


def effective_routes(notifications: Notifications) -> list[EffectiveRoute]:
    """The routes in force, in order: the built-in standby-breach route (unless the file routes those
    breaches itself), the file's, then the built-in defaults no earlier route shadows."""
    own = [
        EffectiveRoute(id=route.name or f"route-{index + 1}", route=route, index=index)
        for index, route in enumerate(notifications.routes)
    ]
    first = standby_route(notifications)
    return ([first] if first else []) + own + [d for d in default_routes(notifications) if not _shadowed(d.route, own)]


def route_by_receiver(notifications: Notifications, receiver: str) -> EffectiveRoute | None:
    """The route whose Alertmanager receiver is ``receiver`` (None for unrouted or unknown)."""
    for item in effective_routes(notifications):
        if item.receiver == receiver:
            return item
    return None


def in_window(notifications: Notifications, route: Route, labels: Mapping[str, str], at: datetime) -> bool:
    """Whether ``route`` may send now (its ``during`` against the region's business hours)."""
    if route.during is None:
        return True
    hours = notifications.hours_for(labels.get("region"))
    inside = hours.contains(at) if hours is not None else True
    return inside if route.during == "business_hours" else not inside


def matching_routes(
    notifications: Notifications, labels: Mapping[str, str], at: datetime | None = None
) -> list[EffectiveRoute]:
    """Routes an alert with ``labels`` reaches, as Alertmanager decides it.

    First match wins unless a route says ``continue``. With ``at`` (timezone-aware), a matched
    route whose ``during`` excludes that time is left out of the result but still ends the search
    (Alertmanager mutes it; it does not fall through).
    """
    out: list[EffectiveRoute] = []
    for item in effective_routes(notifications):
        if not item.route.match.matches(labels):
            continue
        if at is None or in_window(notifications, item.route, labels, at):
            out.append(item)
        if not item.route.continue_:
            break
    return out
