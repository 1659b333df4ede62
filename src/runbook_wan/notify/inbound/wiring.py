"""Put the inbound side together from the notifier, its senders and the public URL."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from runbook_wan.notify.engine import Notifier
from runbook_wan.notify.inbound.app import Handlers, build_inbound_app
from runbook_wan.notify.inbound.desk import Desk
from runbook_wan.notify.inbound.reach import Inbound
from runbook_wan.notify.inbound.verify import (
    EmailLinkVerifier,
    MattermostVerifier,
    SlackVerifier,
    TwilioVerifier,
    Verifier,
    VonageJwtVerifier,
    VonageSmsVerifier,
    VonageStatusVerifier,
)
from runbook_wan.ops.email_links import LinkSigner
from runbook_wan.ops.inbound import InboundStore


def make_inbound(
    public_url: str,
    link_key: str,
    store_path: Path,
    expiry_minutes: float,
    *,
    state_dir: Path | None = None,
    pane_url: str | None = None,
    single_sign_on: bool = False,
) -> Inbound:
    return Inbound(
        public_url=public_url.rstrip("/"),
        link_key=link_key,
        store=InboundStore(store_path),
        links=LinkSigner(link_key, expiry_minutes * 60.0),
        state_dir=state_dir,
        pane_url=pane_url.rstrip("/") if pane_url else None,
        single_sign_on=single_sign_on,
    )


def verifiers(notifier: Notifier, inbound: Inbound) -> dict[str, Verifier]:
    """One verifier per route, each holding the secrets of the channels that can be answered there."""
    senders = list(notifier.senders.values())
    twilio_tokens = tuple(dict.fromkeys(t for s in senders for t in getattr(s, "auth_tokens", ())))
    sms_auths = tuple(a for s in senders if (a := getattr(s, "webhook_auth", None)) is not None)
    voice_secrets = tuple(
        dict.fromkeys(x for s in senders if s.PROVIDER == "vonage" and (x := getattr(s, "signature_secret", None)))
    )
    slack_secrets = tuple(dict.fromkeys(x for s in senders if (x := getattr(s, "signing_secret", None))))
    twilio = TwilioVerifier("twilio", twilio_tokens)
    vonage_sms = VonageSmsVerifier("vonage", sms_auths)
    vonage_voice = VonageJwtVerifier("vonage", voice_secrets)
    email = EmailLinkVerifier("email", inbound.links.read)
    return {
        "twilio_sms": twilio,
        "twilio_voice": twilio,
        "twilio_status": twilio,
        "vonage_sms": vonage_sms,
        "vonage_voice": vonage_voice,
        "vonage_status": VonageStatusVerifier("vonage", vonage_sms, vonage_voice),
        "slack_actions": SlackVerifier("slack", slack_secrets),
        "mattermost_actions": MattermostVerifier("mattermost", inbound.link_key.encode()),
        "email": email,
        "email_get": email,
    }


def inbound_app(notifier: Notifier, inbound: Inbound) -> Starlette:
    desk = Desk(notifier, inbound)
    vonage_sms = {
        getattr(s, "number", ""): s for s in notifier.senders.values() if s.PROVIDER == "vonage" and hasattr(s, "reply")
    }
    handlers = Handlers(desk, vonage_sms)
    return build_inbound_app(inbound.origin, inbound.prefix, handlers, verifiers(notifier, inbound))
