"""An in-process notifier with its public inbound app (Starlette's TestClient), for the inbound contract tests.

The senders are the real ones (providers reached through the contract proxy when a test sends);
the store is a real SQLite file; the clock is real (signatures carry real timestamps).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from notices import TWILIO_SID, TWILIO_TOKEN, VONAGE_KEY, VONAGE_SECRET
from starlette.testclient import TestClient

from runbook_wan.credentials.redact import Redactor
from runbook_wan.model.notifications import Notifications
from runbook_wan.notify.channels.chat import ChatWebhook
from runbook_wan.notify.channels.twilio_senders import TwilioSms, TwilioVoice
from runbook_wan.notify.channels.vonage_senders import VonageSms, VonageVoice
from runbook_wan.notify.engine import Notifier
from runbook_wan.notify.inbound.reach import Inbound
from runbook_wan.notify.inbound.wiring import inbound_app, make_inbound
from runbook_wan.ops.incidents import Incident, IncidentStore

PUBLIC = "https://runbook.example.com/ops"
TWILIO_OLD_TOKEN = "0ld70ken0ld70ken0ld70ken0ld70ken"
VONAGE_SIGNATURE_SECRET = "VonageSignatureSecret0123456789x"
SLACK_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_URL = "https://hooks.slack.com/services/T0RUNBOOK/B0NOTIFY1/abcdefABCDEF0123456789xy"
MATTERMOST_URL = "https://chat.acme-test.example/hooks/yobjmukpaw3r3urc5h6i369yima"
LINK_KEY = "link-key-for-tests-0123456789abcdef"
ALICE_PHONE, BOB_PHONE = "+14155550123", "+14155550124"

INTENT: dict[str, Any] = {
    "notify": {"public_url": PUBLIC},
    "contacts": {
        "alice": {"name": "Alice Ops", "phone": ALICE_PHONE, "email": "alice@example.com", "chat": "@alice"},
        "bob": {"name": "Bob Ops", "phone": BOB_PHONE, "email": "bob@example.com", "chat": "@bob"},
    },
}


@dataclass
class Rig:
    notifier: Notifier
    inbound: Inbound
    store: IncidentStore
    client: TestClient

    def incident(self, site: str = "chi-021") -> Incident:
        incident, _ = self.store.open_incident(
            f"fp-{site}", "SiteDown", {"alertname": "SiteDown", "site": site, "severity": "critical"}, f"{site} down"
        )
        return incident

    def url(self, path: str) -> str:
        return PUBLIC + path


def make_rig(tmp: Path, intent: dict[str, Any] | None = None, pane_url: str | None = None) -> Rig:
    """The notifier with its state in ``tmp`` (its audit log: ``tmp/audit.log``; the pane's accounts too)."""
    notifications = Notifications.model_validate(intent or INTENT)
    senders = {
        "sms": TwilioSms("sms", account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, sender="+15005550006",
                         secondary_auth_token=TWILIO_OLD_TOKEN, failover="sms-backup"),
        "voice": TwilioVoice("voice", account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN, sender="+15005550006"),
        "sms-backup": VonageSms("sms-backup", api_key=VONAGE_KEY, api_secret=VONAGE_SECRET, sender="+15005550007",
                                signature_secret=VONAGE_SIGNATURE_SECRET, signature_method="sha256"),
        "voice-backup": vonage_voice_sender(_private_key()),
        "slack": ChatWebhook("slack", kind="slack", webhook_url=SLACK_URL, interactive=True,
                             signing_secret=SLACK_SIGNING_SECRET),
        "mattermost": ChatWebhook("mattermost", kind="mattermost", webhook_url=MATTERMOST_URL),
    }  # fmt: skip
    store = IncidentStore(tmp / "incidents.sqlite")
    inbound = make_inbound(PUBLIC, LINK_KEY, store.path, 60, state_dir=tmp, pane_url=pane_url)
    notifier = Notifier(notifications, dict(senders), store, Redactor(), inbound=inbound)
    client = TestClient(inbound_app(notifier, inbound), base_url="https://runbook.example.com")
    return Rig(notifier, inbound, store, client)


@functools.cache
def _private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def vonage_voice_sender(private_key: str) -> VonageVoice:
    return VonageVoice(
        "voice-backup",
        application_id="bbbbbbbb-cccc-4ddd-8eee-0123456789ab",
        private_key=private_key,
        sender="+15005550008",
        signature_secret=VONAGE_SIGNATURE_SECRET,
    )
