"""Build one sender per channel of the notifications intent, with its secrets resolved by name.

Every secret is looked up first and all missing ones are reported together (file:line of the
reference, the environment variable or secrets-file entry to set), before anything starts.
Each resolved value is registered with the run's redactor, and so are the forms in which a
value can show up on the wire or in a library's log line: the Basic-auth header of a key pair,
SMTP AUTH strings, the token parts of a webhook URL, the lines of a private key.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from runbook_wan.credentials.redact import MIN_SECRET_LENGTH, Redactor
from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.model.notifications import (
    ChatWebhook,
    EmailChannel,
    Notifications,
    ServiceNow,
    TwilioSms,
    TwilioVoice,
    VonageSms,
    VonageVoice,
)
from runbook_wan.model.secret_ref import SecretRef
from runbook_wan.model.yaml_source import PathKey
from runbook_wan.notify.channels.base import DEFAULT_TIMEOUT, Sender, SenderConfigError
from runbook_wan.results import Diagnostic, DiagnosticError, SourceLocation

Locate = Callable[[PathKey], SourceLocation]


def secret_refs(notifications: Notifications) -> list[tuple[str, str, SecretRef]]:
    """``(channel, field, ref)`` for every secret a channel names, in file order."""
    found = []
    for name, channel in notifications.channels.items():
        for field_name, value in channel:
            if isinstance(value, SecretRef):
                found.append((name, field_name, value))
    return found


def resolve_secrets(
    notifications: Notifications, resolver: SecretResolver, locate: Locate | None = None
) -> dict[str, str]:
    """Secret name -> value for every channel; raises one DiagnosticError listing every missing name."""
    refs = secret_refs(notifications)
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    for channel, field_name, ref in refs:
        if ref.secret in seen or resolver.is_set(ref.secret):
            continue
        seen.add(ref.secret)
        missing = resolver.missing(ref.secret)
        where = locate(("channels", channel, field_name)) if locate else None
        problems.append(
            Diagnostic(
                missing.code,
                f"channel {channel!r}: {missing.message}",
                location=where,
                hint=missing.hint,
            )
        )
    if problems:
        raise DiagnosticError(problems)
    values: dict[str, str] = {}
    for channel, field_name, ref in refs:
        if ref.secret in values or ref.secret in seen:
            continue
        seen.add(ref.secret)
        try:  # never placed in a config, so a PEM key keeps its line breaks
            values[ref.secret] = resolver.resolve(ref.secret, single_line=False)
        except DiagnosticError as exc:  # too short: reported at the reference, every one in this pass
            where = locate(("channels", channel, field_name)) if locate else None
            problems += [
                Diagnostic(d.code, f"channel {channel!r}: {d.message}", location=where, hint=d.hint)
                for d in exc.diagnostics
            ]
    if problems:
        raise DiagnosticError(problems)
    return values


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


#: Channels that authenticate with HTTP Basic: (user field, password field).
_BASIC_AUTH: dict[type, tuple[str, str]] = {
    TwilioSms: ("account_sid", "auth_token"),
    TwilioVoice: ("account_sid", "auth_token"),
    VonageSms: ("api_key", "api_secret"),
    ServiceNow: ("username", "password"),
}
#: Path parts of webhook URLs that are not secret.
_URL_WORDS = frozenset({"services", "workflows", "triggers", "invoke", "hooks", "manual", "paths"})


def _ref(channel: object, field_name: str) -> SecretRef | None:
    value = getattr(channel, field_name, None)
    return value if isinstance(value, SecretRef) else None


def derived_forms(channel: object, values: dict[str, str]) -> list[tuple[str, str]]:
    """``(secret name, text)``: how this channel's secrets can appear besides their plain value."""
    forms: list[tuple[str, str]] = []
    if type(channel) in _BASIC_AUTH:
        user_ref, password_ref = (_ref(channel, f) for f in _BASIC_AUTH[type(channel)])
        if user_ref and password_ref:
            pair = f"{values[user_ref.secret]}:{values[password_ref.secret]}"
            forms.append((password_ref.secret, _b64(pair)))
    elif isinstance(channel, EmailChannel) and channel.username and channel.password:
        user, password = values[channel.username.secret], values[channel.password.secret]
        forms += [
            (channel.password.secret, _b64(f"\0{user}\0{password}")),  # AUTH PLAIN
            (channel.password.secret, _b64(password)),  # AUTH LOGIN
            (channel.username.secret, _b64(user)),
        ]
    elif isinstance(channel, ChatWebhook):
        url = urlsplit(values[channel.webhook_url.secret])
        parts = [p for p in url.path.split("/") if p] + [v for _k, v in parse_qsl(url.query)]
        forms += [(channel.webhook_url.secret, p) for p in parts if len(p) >= 8 and p not in _URL_WORDS]
    elif isinstance(channel, VonageVoice):
        lines = [line.strip() for line in values[channel.private_key.secret].splitlines()]
        forms += [(channel.private_key.secret, line) for line in lines if len(line) >= 16 and "-----" not in line]
    return forms


def register_derived(redactor: Redactor, notifications: Notifications, values: dict[str, str]) -> None:
    """Register the encodings in which a secret can appear (Basic auth, SMTP AUTH, URL parts, PEM lines)."""
    for channel in notifications.channels.values():
        for name, text in derived_forms(channel, values):
            if len(text) >= MIN_SECRET_LENGTH:
                redactor.add(name, text)


def build_senders(
    notifications: Notifications,
    resolver: SecretResolver,
    *,
    locate: Locate | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Sender]:
    """Channel name -> sender. Raises DiagnosticError (all problems at once) before any sender exists."""
    values = resolve_secrets(notifications, resolver, locate)
    register_derived(resolver.redactor, notifications, values)
    senders: dict[str, Sender] = {}
    problems: list[Diagnostic] = []
    for name, channel in notifications.channels.items():
        try:
            senders[name] = _sender(name, channel, values, timeout)
        except SenderConfigError as exc:
            where = locate(("channels", name, exc.field)) if locate else None
            code = "notify-chat-url" if exc.field == "webhook_url" else f"notify-{exc.field.replace('_', '-')}"
            problems.append(Diagnostic(code, str(exc), location=where, hint=exc.hint))
    if problems:
        raise DiagnosticError(problems)
    return senders


SenderFactory = Callable[[str, Any, Callable[[SecretRef], str], float], Sender]


def _twilio(name: str, ch: TwilioSms | TwilioVoice, v: Callable[[SecretRef], str], timeout: float) -> Sender:
    from runbook_wan.notify.channels import twilio_senders  # noqa: PLC0415 - load only the SDKs in use

    cls = twilio_senders.TwilioSms if isinstance(ch, TwilioSms) else twilio_senders.TwilioVoice
    return cls(
        name,
        account_sid=v(ch.account_sid),
        auth_token=v(ch.auth_token),
        secondary_auth_token=v(ch.secondary_auth_token) if ch.secondary_auth_token else None,
        sender=ch.sender,
        failover=ch.failover,
        timeout=timeout,
    )


def _vonage_sms(name: str, ch: VonageSms, v: Callable[[SecretRef], str], timeout: float) -> Sender:
    from runbook_wan.notify.channels import vonage_senders  # noqa: PLC0415 - load only the SDKs in use

    return vonage_senders.VonageSms(
        name,
        api_key=v(ch.api_key),
        api_secret=v(ch.api_secret),
        sender=ch.sender,
        failover=ch.failover,
        timeout=timeout,
        signature_secret=v(ch.signature_secret) if ch.signature_secret else None,
        signature_method=ch.signature_method,
    )


def _vonage_voice(name: str, ch: VonageVoice, v: Callable[[SecretRef], str], timeout: float) -> Sender:
    from runbook_wan.notify.channels import vonage_senders  # noqa: PLC0415 - load only the SDKs in use

    return vonage_senders.VonageVoice(
        name,
        application_id=v(ch.application_id),
        private_key=v(ch.private_key),
        sender=ch.sender,
        failover=ch.failover,
        timeout=timeout,
        signature_secret=v(ch.signature_secret) if ch.signature_secret else None,
    )


def _chat(name: str, ch: ChatWebhook, v: Callable[[SecretRef], str], timeout: float) -> Sender:
    from runbook_wan.notify.channels import chat  # noqa: PLC0415 - load only the SDKs in use

    return chat.ChatWebhook(
        name,
        kind=ch.type,
        webhook_url=v(ch.webhook_url),
        failover=ch.failover,
        timeout=timeout,
        interactive=ch.signing_secret is not None,
        signing_secret=v(ch.signing_secret) if ch.signing_secret else None,
    )


def _email(name: str, ch: EmailChannel, v: Callable[[SecretRef], str], timeout: float) -> Sender:
    from runbook_wan.notify.channels import mail  # noqa: PLC0415 - load only the SDKs in use

    return mail.EmailSender(
        name,
        smarthost=ch.smarthost,
        sender=ch.sender,
        starttls=ch.starttls,
        username=v(ch.username) if ch.username else None,
        password=v(ch.password) if ch.password else None,
        failover=ch.failover,
        timeout=timeout,
    )


def _servicenow(name: str, ch: ServiceNow, v: Callable[[SecretRef], str], timeout: float) -> Sender:
    from runbook_wan.notify.channels import servicenow  # noqa: PLC0415 - load only the SDKs in use

    return servicenow.ServiceNowSender(
        name,
        instance=ch.instance,
        mode=ch.mode,
        username=v(ch.username),
        password=v(ch.password),
        assignment_group=ch.assignment_group,
        failover=ch.failover,
        timeout=timeout,
    )


#: Channel model -> the sender that serves it. Each imports its SDK when first used: a notifier
#: without Vonage channels does not load the Vonage SDK (each SDK costs 25-50 MB of memory).
FACTORIES: dict[type, SenderFactory] = {
    TwilioSms: _twilio,
    TwilioVoice: _twilio,
    VonageSms: _vonage_sms,
    VonageVoice: _vonage_voice,
    ChatWebhook: _chat,
    EmailChannel: _email,
    ServiceNow: _servicenow,
}


def _sender(name: str, channel: object, values: dict[str, str], timeout: float) -> Sender:
    def v(ref: SecretRef) -> str:
        return values[ref.secret]

    return FACTORIES[type(channel)](name, channel, v, timeout)
