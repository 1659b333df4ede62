"""Hand-built notices and credentials for the contract tests (no Alertmanager behind them)."""

from __future__ import annotations

from runbook_wan.notify.notice import Notice, Recipient
from runbook_wan.ops.incidents import DeliveryKind

#: Test credentials. Realistic shapes, never real accounts.
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed"
VONAGE_KEY = "a1b2c3d4"
VONAGE_SECRET = "Sup3rS3cretValue"
SERVICENOW_USER = "runbook.integration"
SERVICENOW_PASSWORD = "sn-Pa55word-test"

ALICE = Recipient.phone("alice", "+14155550123")


def site_down(
    kind: DeliveryKind = DeliveryKind.FIRING, summary: str = "chi-021 is down: no circuit passes traffic"
) -> Notice:
    return Notice(
        kind=kind,
        incident_id="inc-0a1b2c",
        alertname="SiteDown",
        severity="critical",
        summary=summary,
        labels={"alertname": "SiteDown", "site": "chi-021", "region": "central", "severity": "critical"},
        started_at="2026-11-30T18:00:00Z",
    )
