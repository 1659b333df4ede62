"""The notifier in-process on an injected clock (the engine tests' rig): the real SDKs through the
contract proxy, a real SMTP server, a chat receiver, a real SQLite store; hand-built webhook payloads
in Alertmanager's version-4 shape.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trustme
from contract_proxy import ContractProxy
from notifykit import SECRETS, ChatReceiver, SmtpServer, notifications_intent

from runbook_wan.credentials.redact import Redactor
from runbook_wan.credentials.resolver import SecretResolver, env_name
from runbook_wan.model.notifications import Notifications
from runbook_wan.notify.alerts import WebhookPayload
from runbook_wan.notify.channels.build import build_senders
from runbook_wan.notify.engine import Notifier
from runbook_wan.ops.incidents import IncidentStore

T0 = datetime(2026, 11, 30, 18, 0, 0, tzinfo=UTC)


class FakeNow:
    """The notifier's clock, moved by hand (escalation delays without waiting)."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Rig:
    notifier: Notifier
    store: IncidentStore
    proxy: ContractProxy
    chat: ChatReceiver
    smtp: SmtpServer
    clock: FakeNow
    redactor: Redactor

    def sms(self, site: str) -> list[str]:
        return [r.form()["To"][0] for r in self.proxy.to("api.twilio.com") if r.path.endswith("/Messages.json")
                and site in r.form()["Body"][0]]  # fmt: skip

    def calls(self, site: str) -> list[str]:
        return [r.form()["To"][0] for r in self.proxy.to("api.twilio.com") if r.path.endswith("/Calls.json")
                and site in r.form()["Twiml"][0]]  # fmt: skip


@contextmanager
def engine_rig(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    private_key: str,
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> Iterator[Rig]:
    """The rig on the notifier tests' intent (``edit`` changes it first, e.g. the rate limits)."""
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    with ContractProxy(trustme.CA(), tmp_path) as proxy:
        for name, value in proxy.env.items():
            monkeypatch.setenv(name, value)
        chat, smtp = ChatReceiver().start(), SmtpServer().start()
        try:
            intent = notifications_intent(smtp.port)
            if edit is not None:
                edit(intent)
            notifications = Notifications.model_validate(intent)
            secrets = SECRETS | {"chat/webhook": chat.url, "vonage/private-key": private_key}
            environ = {env_name(n): v for n, v in secrets.items()} | {"RUNBOOK_SECRETS_FILE": str(tmp_path / "none")}
            redactor = Redactor()
            senders = build_senders(notifications, SecretResolver(redactor, environ=environ), timeout=5)
            store = IncidentStore(tmp_path / "incidents.sqlite")
            clock = FakeNow()
            notifier = Notifier(notifications, senders, store, redactor, clock=clock)
            yield Rig(notifier, store, proxy, chat, smtp, clock, redactor)
        finally:
            chat.stop()
            smtp.stop()


def am_alert(
    name: str, *, status: str = "firing", starts: str = "2026-11-30T17:59:00.123456789Z", **labels: str
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": name, **labels},
        "annotations": {"summary": f"{name} {' '.join(labels.values())}"},
        "startsAt": starts,
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-30T18:05:00Z",
        "generatorURL": "http://prometheus.invalid/graph",
        "fingerprint": f"fp-{name}-{'-'.join(labels.values())}",
    }


def raw_payload(receiver: str, *alerts: dict[str, Any]) -> dict[str, Any]:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {
        "version": "4",
        "groupKey": '{}:{alertname="X"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.invalid",
        "alerts": list(alerts),
    }


def payload(receiver: str, *alerts: dict[str, Any]) -> WebhookPayload:
    return WebhookPayload.model_validate(raw_payload(receiver, *alerts))
