"""The world of the two-way paging tests: Alertmanager -> the notifier process, whose public listener takes
the answers (signed as each provider signs them) on 127.0.0.1.

The notifier runs as ``runbook.py notify --public-url http://127.0.0.1:P --public-listen 127.0.0.1:P``
(plain http is allowed for loopback only). Twilio, Vonage and Slack are the contract proxy; e-mail
is a real SMTP server. Requests to the public listener are signed with the hand-written signers of
``tests/contracts/provider_signing.py`` (from the providers' documents, not from the code under test).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "contracts"))
from contract_proxy import ContractProxy, Recorded
from notifykit import SECRETS, Alertmanager, Notifier, SmtpServer, run_cli
from provider_signing import slack_headers, twilio_request, vonage_signed

ALICE, BOB = "+14155550123", "+14155550124"
TWILIO_NUMBER = "+15005550006"
#: Answer secrets (test values): Vonage's signature secret, the Slack app's signing secret, the link key.
ANSWER_SECRETS = {
    "vonage/signature-secret": "VonageSignatureSecret0123456789x",
    "slack/signing-secret": "8f742231b10e8888abcd99yyyzzz85a5",
    "slack/webhook": "https://hooks.slack.com/services/T0RUNBOOK/B0NOTIFY1/abcdefABCDEF0123456789xy",
    "notify-link-key": "link-key-for-e2e-tests-0123456789abcdef",
}
#: Escalation delays (minutes): region west waits long enough to answer first; east escalates fast.
SLOW_ESCALATION, FAST_ESCALATION = 0.25, 0.05


def answers_intent(smtp_port: int, public_url: str) -> dict[str, object]:
    secret = {name: {"secret": name} for name in (*SECRETS, *ANSWER_SECRETS, "vonage/private-key")}
    twilio = {"account_sid": secret["twilio/sid"], "auth_token": secret["twilio/token"], "from": TWILIO_NUMBER}
    sms = [{"channel": "sms", "to": "noc"}]
    return {
        "notify": {"public_url": public_url, "rate_limits": {"sms": {"1m": 1000}, "voice": {"1m": 1000}}},
        "defaults": {"to": "noc", "escalate_after_minutes": 5},
        "contacts": {
            "alice": {"name": "Alice Ops", "phone": ALICE, "email": "alice@example.com", "chat": "@alice"},
            "bob": {"name": "Bob Ops", "phone": BOB, "email": "bob@example.com", "chat": "@bob"},
        },
        "groups": {"noc": {"members": ["alice", "bob"]}},
        "channels": {
            "sms": {"type": "twilio_sms", **twilio, "failover": "sms-backup"},
            "voice": {"type": "twilio_voice", **twilio, "failover": "voice-backup"},
            "sms-backup": {
                "type": "vonage_sms",
                "api_key": secret["vonage/key"],
                "api_secret": secret["vonage/secret"],
                "from": "+15005550007",
                "signature_secret": secret["vonage/signature-secret"],
            },
            "voice-backup": {
                "type": "vonage_voice",
                "application_id": secret["vonage/app"],
                "private_key": secret["vonage/private-key"],
                "from": "+15005550008",
                "signature_secret": secret["vonage/signature-secret"],
            },
            "slack": {
                "type": "slack",
                "webhook_url": secret["slack/webhook"],
                "signing_secret": secret["slack/signing-secret"],
            },
            "email": {
                "type": "email",
                "smarthost": f"127.0.0.1:{smtp_port}",
                "from": "runbook@example.com",
                "starttls": False,
            },
        },
        "routes": [
            {
                "name": "site-down-west",
                "match": {"alertname": "SiteDown", "region": "west"},
                "notify": sms,
                "escalate": {"after_minutes": SLOW_ESCALATION, "channel": "voice", "to": "noc"},
            },
            {
                "name": "site-down",
                "match": {"alertname": "SiteDown"},
                "notify": sms,
                "escalate": {"after_minutes": FAST_ESCALATION, "channel": "voice", "to": "noc"},
            },
            {
                "name": "circuits",
                "match": {"alertname": "CircuitDown"},
                "notify": [{"channel": "slack", "to": "noc"}, {"channel": "email", "to": "noc"}],
            },
        ],
    }


def pager_config(notifier_url: str) -> dict[str, Any]:
    """One receiver the notifier does not know by name: it routes by the intent (region, alertname)."""
    hook = {"url": notifier_url, "send_resolved": True, "max_alerts": 0}
    return {
        "route": {
            "receiver": "team-pager",
            "group_by": ["alertname", "site"],
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": "2s",
        },
        "receivers": [{"name": "team-pager", "webhook_configs": [hook]}],
    }


@dataclass
class Answers:
    workdir: Path
    proxy: ContractProxy
    smtp: SmtpServer
    alertmanager: Alertmanager
    notifier: Notifier
    env: dict[str, str]
    secrets: dict[str, str]
    public_url: str

    # --- what the notifier did ---------------------------------------------------------------------
    def incidents(self) -> list[dict[str, Any]]:
        done = run_cli(
            ["--state", str(self.notifier.state), "incidents", "list", "--all", "--format", "json"], self.env
        )
        assert done.returncode == 0, done.stderr
        result: list[dict[str, Any]] = json.loads(done.stdout)
        return result

    def incident(self, site: str, alertname: str = "SiteDown") -> dict[str, Any]:
        [found] = [i for i in self.incidents() if i["site"] == site and i["alertname"] == alertname]
        return found

    def sms(self, site: str, host: str = "api.twilio.com") -> list[Recorded]:
        def text(r: Recorded) -> str:
            form = r.form()
            return (form.get("Body") or form.get("text") or [""])[0]

        return [
            r for r in self.proxy.to(host) if r.path.endswith(("/Messages.json", "/sms/json")) and f" {site}" in text(r)
        ]

    def calls(self, site: str) -> list[Recorded]:
        return [
            r for r in self.proxy.to("api.twilio.com") if r.path.endswith("/Calls.json") and site in r.body.decode()
        ]

    def slack_posts(self, incident_id: str) -> list[Recorded]:
        return [r for r in self.proxy.to("hooks.slack.com") if incident_id in r.body.decode()]

    # --- answering, signed as the providers sign -----------------------------------------------------
    def url(self, path: str) -> str:
        return self.public_url + path

    def post(self, path: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(self.url(path), content=content, headers=headers, timeout=30)

    def twilio(self, path: str, fields: dict[str, str], *, signed: bool = True) -> httpx.Response:
        """A Twilio webhook to ``path`` (with its query), signed with the account's auth token."""
        headers, body = twilio_request(self.secrets["twilio/token"], self.url(path), fields)
        if not signed:
            del headers["X-Twilio-Signature"]
        return self.post(path, body, headers)

    def twilio_sms(self, sender: str, body: str, sid: str, *, signed: bool = True) -> httpx.Response:
        fields = {
            "MessageSid": sid,
            "AccountSid": self.secrets["twilio/sid"],
            "From": sender,
            "To": TWILIO_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }
        return self.twilio("/inbound/twilio/sms", fields, signed=signed)

    def vonage_sms(self, sender: str, text: str, message_id: str) -> httpx.Response:
        fields = {
            "msisdn": sender.lstrip("+"),
            "to": "15005550007",
            "messageId": message_id,
            "text": text,
            "type": "text",
            "message-timestamp": "2026-11-30 18:03:00",
        }
        signed = vonage_signed(fields, self.secrets["vonage/signature-secret"])
        return httpx.post(self.url("/inbound/vonage/sms"), data=signed, timeout=30)

    def slack_click(self, payload: dict[str, Any], *, tamper: bool = False) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = slack_headers(self.secrets["slack/signing-secret"], body)
        if tamper:
            body = body.replace(b"alice", b"bobby")
        return self.post("/inbound/slack/actions", body, headers)


def keypress_path(twiml: str) -> str:
    """The path and query of the ``<Gather action=...>`` in a call's TwiML (where the keypress goes)."""
    found = re.search(r'<Gather action="([^"]+)"', twiml)
    assert found is not None, twiml
    action = found.group(1).replace("&amp;", "&")
    parts = urlsplit(action)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links_in(mail_text: str) -> dict[str, str]:
    """The e-mail's signed links by what they do (``Acknowledge: URL`` / ``Resolve: URL``)."""
    found = (re.match(r"^(Acknowledge|Resolve): (https?://\S+)$", line) for line in mail_text.splitlines())
    return {m.group(1): m.group(2) for m in found if m}


def refuses(url: str) -> bool:
    """The public listener answers an unsigned request with 403 (it runs, with the signature check on)."""
    try:
        return httpx.post(url, timeout=2).status_code == 403
    except httpx.HTTPError:
        return False
