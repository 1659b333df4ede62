"""The notifier's world for one test module: Alertmanager -> notifier process -> SMTP, chat, providers.

Everything listens on 127.0.0.1 on free ports; everything is stopped (by PID) when the module ends,
also when a test fails. Twilio, Vonage and ServiceNow are the contract proxy (``tests/contracts``).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "contracts"))

from contract_proxy import ContractProxy, ProviderResponder
from notifykit import (
    REPO,
    SECRETS,
    Alertmanager,
    ChatReceiver,
    Notifier,
    SmtpServer,
    alertmanager_config,
    free_port,
)

ROUTES = ["site-down", "circuits", "provider-outage"]
#: The SiteDown route escalates to a voice call after this many minutes without acknowledgement.
ESCALATE_MINUTES = 0.1


def notifications_intent(smtp_port: int) -> dict[str, object]:
    secret = {name: {"secret": name} for name in (*SECRETS, "chat/webhook", "vonage/private-key")}
    return {
        "defaults": {"to": "noc", "escalate_after_minutes": 5},
        "contacts": {
            "alice": {"name": "Alice Ops", "phone": "+14155550123", "email": "alice@example.com", "chat": "@alice"},
            "bob": {"name": "Bob Ops", "phone": "+14155550124", "email": "bob@example.com", "chat": "@bob"},
        },
        "groups": {"noc": {"members": ["alice", "bob"]}},
        "channels": {
            "sms": {
                "type": "twilio_sms",
                "account_sid": secret["twilio/sid"],
                "auth_token": secret["twilio/token"],
                "from": "+15005550006",
                "failover": "sms-backup",
            },
            "voice": {
                "type": "twilio_voice",
                "account_sid": secret["twilio/sid"],
                "auth_token": secret["twilio/token"],
                "from": "+15005550006",
                "failover": "voice-backup",
            },
            "sms-backup": {
                "type": "vonage_sms",
                "api_key": secret["vonage/key"],
                "api_secret": secret["vonage/secret"],
                "from": "Runbook",
            },
            "voice-backup": {
                "type": "vonage_voice",
                "application_id": secret["vonage/app"],
                "private_key": secret["vonage/private-key"],
                "from": "+15005550007",
            },
            "chat": {"type": "mattermost", "webhook_url": secret["chat/webhook"]},
            "email": {
                "type": "email",
                "smarthost": f"127.0.0.1:{smtp_port}",
                "from": "runbook@example.com",
                "starttls": False,
            },
            "tickets": {
                "type": "servicenow",
                "instance": "acme-test",
                "mode": "incident",
                "username": secret["servicenow/user"],
                "password": secret["servicenow/password"],
            },
        },
        "routes": [
            {
                "name": "site-down",
                "match": {"alertname": "SiteDown"},
                "notify": [{"channel": "sms", "to": "noc"}],
                "escalate": {"after_minutes": ESCALATE_MINUTES, "channel": "voice", "to": "noc"},
            },
            {
                "name": "circuits",
                "match": {"alertname": ["CircuitDown", "CircuitSLABreach"]},
                "notify": [{"channel": "chat", "to": "noc"}, {"channel": "email", "to": "noc"}],
            },
            {"name": "provider-outage", "match": {"alertname": "ProviderOutage"}, "notify": [{"channel": "tickets"}]},
        ],
    }


@dataclass
class World:
    workdir: Path
    proxy: ContractProxy
    chat: ChatReceiver
    smtp: SmtpServer
    alertmanager: Alertmanager
    notifier: Notifier
    env: dict[str, str]
    secrets: dict[str, str]

    @property
    def responder(self) -> ProviderResponder:
        assert isinstance(self.proxy.responder, ProviderResponder)
        return self.proxy.responder

    @property
    def cli_base(self) -> list[str]:
        return ["--state", str(self.notifier.state)]


def _private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp("notify-world")
    with ExitStack() as stack:
        proxy = ContractProxy(trustme.CA(), workdir)
        stack.enter_context(proxy)
        chat = ChatReceiver().start()
        stack.callback(chat.stop)
        smtp = SmtpServer().start()
        stack.callback(smtp.stop)

        intents = workdir / "intents"
        shutil.copytree(REPO / "intents", intents)
        (intents / "notifications.yaml").write_text(yaml.safe_dump(notifications_intent(smtp.port), sort_keys=False))

        secrets = dict(SECRETS) | {"chat/webhook": chat.url, "vonage/private-key": _private_key()}
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("RUNBOOK_")}
        env |= proxy.env
        env |= {"RUNBOOK_SECRET_" + n.upper().replace("/", "_").replace("-", "_"): v for n, v in secrets.items()}
        env["RUNBOOK_SECRETS_FILE"] = str(workdir / "no-secrets-file.yaml")
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO / "napalm_frr" / "src")])

        notifier_port = free_port()
        alertmanager = Alertmanager(
            workdir, alertmanager_config(f"http://127.0.0.1:{notifier_port}/alerts", ROUTES, repeat="2s")
        )
        stack.callback(alertmanager.stop)
        alertmanager.start()
        notifier = Notifier(workdir, intents, alertmanager.url, env, notifier_port)
        stack.callback(notifier.stop)
        notifier.start()
        yield World(workdir, proxy, chat, smtp, alertmanager, notifier, env, secrets)
