"""What each message says, and who it is for (with the address masked for records and logs).

Every text here is plain: label and annotation values are stripped of control characters and
cut to length. Channels that carry markup escape it: TwiML is built as XML by the Twilio library,
e-mail is text/plain, and chat passes ``escape=markup.chat.text`` so that the alert's own words
(never the handles Runbook adds) cannot mention a room or carry a link.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from runbook_wan.notify.inbound.replies import page_hint
from runbook_wan.ops.incidents import DeliveryKind

#: What a call asks for (Twilio ``<Gather>``, Vonage NCCO ``input``).
KEYPRESS_PROMPT = "Press 4 to acknowledge, 6 to resolve."

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_E164_IN_TEXT = re.compile(r"\+[1-9][0-9]{6,14}")


def clean(text: str, limit: int = 400, *, one_line: bool = True) -> str:
    """Printable text: no control characters (and no line breaks when ``one_line``), at most ``limit``."""
    text = _CONTROL.sub(" ", text)
    if one_line:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mask_phone(number: str) -> str:
    """``+14155550123`` -> ``+1415***0123``: enough to tell numbers apart, not enough to dial."""
    return f"{number[:5]}***{number[-4:]}" if len(number) > 9 else "***"


def mask_email(address: str) -> str:
    """``alice@example.com`` -> ``a***@example.com``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_numbers(text: str) -> str:
    """Mask every E.164 number in free text (provider error messages quote the number)."""
    return _E164_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


@dataclass(frozen=True)
class Recipient:
    """One addressee: a contact's phone or e-mail, or a whole channel (a chat room, a ticket queue)."""

    contact: str
    address: str = field(repr=False)
    label: str

    @classmethod
    def phone(cls, contact: str, number: str) -> Recipient:
        return cls(contact, number, f"{contact} ({mask_phone(number)})")

    @classmethod
    def email(cls, contact: str, address: str) -> Recipient:
        return cls(contact, address, f"{contact} ({mask_email(address)})")

    @classmethod
    def room(cls, label: str, mentions: tuple[str, ...] = ()) -> Recipient:
        """A chat webhook or a ticket queue; ``mentions`` are the contacts' chat handles."""
        return cls("", " ".join(mentions), label + (f" ({', '.join(mentions)})" if mentions else ""))


#: How an alert's own words are written into a message (identity: plain text).
Escape = Callable[[str], str]


def _plain(text: str) -> str:
    return text


@dataclass(frozen=True)
class Reach:
    """How one message can be answered: set per recipient and channel when the notifier has a public URL.

    Empty fields mean "not on this channel" (a page without a public URL is one-way, as before).
    """

    #: This phone's number for the page ("Reply 3a"), SMS only.
    reply_code: int | None = None
    #: Where the provider reports delivery (Twilio ``status_callback``, Vonage ``callback``/``event_url``).
    status_url: str = ""
    #: Where a keypress during the call goes (Twilio ``<Gather action>``, Vonage NCCO ``input`` eventUrl).
    keypress_url: str = ""
    #: E-mail: signed single-use links to acknowledge and resolve.
    ack_link: str = ""
    resolve_link: str = ""
    #: Chat buttons: where clicks go (Mattermost) and the incident's secret they carry.
    actions_url: str = ""
    action_token: str = ""
    #: Chat buttons on Slack (the Slack app's request URL is set at Slack; clicks are signed).
    buttons: bool = False


_STATE = {DeliveryKind.FIRING: "FIRING", DeliveryKind.RESOLVED: "RESOLVED", DeliveryKind.ESCALATION: "UNACKNOWLEDGED"}


@dataclass(frozen=True)
class Notice:
    """One thing to tell people about one incident."""

    kind: DeliveryKind
    incident_id: str
    alertname: str
    severity: str
    summary: str
    labels: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    started_at: str = ""
    resolved_at: str = ""
    escalated_after_minutes: float | None = None
    reach: Reach = field(default_factory=Reach)

    @property
    def state(self) -> str:
        return _STATE[self.kind]

    @property
    def where(self) -> str:
        return self.where_of(self.labels)

    @staticmethod
    def where_of(labels: Mapping[str, str], escape: Escape = _plain) -> str:
        """``chi-021 primary_dia (fibrelink)``, ``provider fibrelink``, or the alert's region."""
        site, circuit, provider = (escape(clean(labels.get(k, ""), 60)) for k in ("site", "circuit", "provider"))
        if site:
            parts = [site, circuit, f"({provider})" if provider and circuit else ""]
            return " ".join(p for p in parts if p)
        if provider:
            return f"provider {provider}"
        return escape(clean(labels.get("region", ""), 60))

    @property
    def ack_hint(self) -> str:
        return f"Acknowledge: runbook.py incidents ack {self.incident_id}"

    def subject(self, escape: Escape = _plain) -> str:
        severity = f" ({escape(clean(self.severity, 20))})" if self.severity else ""
        where = self.where_of(self.labels, escape)
        return clean(f"[{self.state}] {escape(clean(self.alertname, 60))} {where}{severity}", 200)

    def sms(self) -> str:
        """One SMS (the providers split longer ones; keep it near 160 GSM characters)."""
        text = f"{self.subject()}: {clean(self.summary, 120)}. Incident {self.incident_id}."
        if self.kind is not DeliveryKind.RESOLVED and self.reach.reply_code is not None:
            text += f" {page_hint(self.reach.reply_code)}"
        elif self.kind is not DeliveryKind.RESOLVED:
            text += f" Ack: runbook.py incidents ack {self.incident_id}"
        return clean(text, 320)

    def speech(self) -> str:
        """What a voice call reads out: no markup, no symbols the voices stumble over."""
        where = self.where.replace("_", " ").replace("(", "").replace(")", "")
        intro = {
            DeliveryKind.FIRING: "Runbook alert.",
            DeliveryKind.ESCALATION: "Runbook alert, not yet acknowledged.",
            DeliveryKind.RESOLVED: "Runbook, all clear.",
        }[self.kind]
        text = f"{intro} {clean(self.alertname, 60)} at {where}. {clean(self.summary, 200)}."
        text += f" Incident {' '.join(self.incident_id.removeprefix('inc-'))}."
        if self.reach.keypress_url and self.kind is not DeliveryKind.RESOLVED:
            text += f" {KEYPRESS_PROMPT}"
        return re.sub(r"[<>&{}\[\]\\|`*#]", " ", text)

    def text(self, escape: Escape = _plain) -> str:
        """The long form, for e-mail, chat and tickets; ``escape`` writes the alert's own words."""
        lines = [escape(clean(self.summary, 400))]
        if self.description and self.description != self.summary:
            lines.append(escape(clean(self.description, 2000, one_line=False)))
        lines.append("")
        for key in sorted(self.labels):
            lines.append(f"{escape(clean(key, 60))}: {escape(clean(self.labels[key], 200))}")
        lines.append("")
        lines.append(f"incident: {self.incident_id}")
        if self.started_at:
            lines.append(f"started: {self.started_at}")
        if self.resolved_at:
            lines.append(f"resolved: {self.resolved_at}")
        if self.escalated_after_minutes is not None:
            lines.append(f"not acknowledged within {self.escalated_after_minutes:g} minute(s)")
        if self.kind is not DeliveryKind.RESOLVED:
            if self.reach.ack_link:
                lines.append(f"Acknowledge: {self.reach.ack_link}")
                lines.append(f"Resolve: {self.reach.resolve_link}")
                lines.append("(each link works once)")
            lines.append(self.ack_hint)
        return "\n".join(lines)
