"""The notifications intent: the example loads, routes match as Alertmanager would, hours are local."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from runbook_wan.model.loader import load_estate
from runbook_wan.model.notifications import (
    ChannelKind,
    Notifications,
    Route,
    effective_routes,
    matching_routes,
    receiver_name,
    route_by_receiver,
)
from runbook_wan.ops.metrics import Alert

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def example() -> Notifications:
    estate, _ = load_estate(REPO / "intents")
    assert estate.notifications is not None
    return estate.notifications


def _ids(routes: list) -> list[str]:  # type: ignore[type-arg]
    return [r.id for r in routes]


def test_example_names_every_channel_kind_and_keeps_credentials_as_secret_names(example: Notifications) -> None:
    assert {ch.kind for ch in example.channels.values()} == set(ChannelKind)
    assert example.channels["sms"].failover == "sms-backup"
    text = (REPO / "intents" / "notifications.yaml").read_text()
    for line in text.splitlines():
        if any(k in line for k in ("auth_token", "api_secret", "password", "private_key", "webhook_url")):
            assert "{secret:" in line, line


def test_first_match_wins_and_continue_keeps_looking(example: Notifications) -> None:
    # West circuit alert during west business hours (Tuesday 10:00 in Los Angeles = 17:00 UTC).
    tuesday_morning = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
    labels = {"alertname": "CircuitDown", "region": "west", "site": "sea-001"}
    assert _ids(matching_routes(example, labels, tuesday_morning)) == ["west-field", "circuits"]
    # At night the field route is muted but the NOC route still gets it.
    night = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # 01:00 in Los Angeles
    assert _ids(matching_routes(example, labels, night)) == ["circuits"]
    # Central region: no field route.
    assert _ids(matching_routes(example, {"alertname": "CircuitDown", "region": "central"}, night)) == ["circuits"]
    assert _ids(matching_routes(example, {"alertname": "SiteDown", "region": "west"}, night)) == ["site-down"]


def test_alerts_no_route_names_fall_to_the_builtin_default(example: Notifications) -> None:
    labels = {"alertname": "SomethingNew"}
    (route,) = matching_routes(example, labels)
    assert route.builtin and route.id == "default-other"
    assert [d.channel for d in route.route.notify] == ["chat", "email"]
    assert route.route.notify[0].to == ["noc"]


def test_builtin_defaults_follow_the_issue_when_a_file_has_no_routes() -> None:
    n = Notifications.model_validate(
        {
            "defaults": {"to": "noc", "escalate_after_minutes": 7},
            "contacts": {"a": {"name": "A", "phone": "+14155550100", "email": "a@example.com"}},
            "groups": {"noc": {"members": ["a"]}},
            "channels": {
                "s": {
                    "type": "twilio_sms",
                    "account_sid": {"secret": "x"},
                    "auth_token": {"secret": "y"},
                    "from": "+15005550006",
                },
                "v": {
                    "type": "vonage_voice",
                    "application_id": {"secret": "x"},
                    "private_key": {"secret": "y"},
                    "from": "+15005550007",
                },
                "c": {"type": "slack", "webhook_url": {"secret": "w"}},
                "e": {"type": "email", "smarthost": "smtp.example.com:25", "from": "n@example.com"},
                "t": {
                    "type": "servicenow",
                    "instance": "acme",
                    "username": {"secret": "u"},
                    "password": {"secret": "p"},
                },
            },
        }
    )
    site = matching_routes(n, {"alertname": Alert.SITE_DOWN.value})[0].route
    assert [d.channel for d in site.notify] == ["s"]
    assert site.escalate is not None and site.escalate.channel == "v" and site.escalate.after_minutes is None
    circuit = matching_routes(n, {"alertname": Alert.CIRCUIT_SLA_BREACH.value})[0].route
    assert [d.channel for d in circuit.notify] == ["c", "e"]
    outage = matching_routes(n, {"alertname": Alert.PROVIDER_OUTAGE.value})[0].route
    assert [(d.channel, d.to) for d in outage.notify] == [("t", [])]
    # A breach on circuits no class is on now (severity info) is a ticket, never a page, even before a
    # file route that would page for every CircuitSLABreach.
    standby = {"alertname": Alert.CIRCUIT_SLA_BREACH.value, "severity": "info", "provider": "lte-co", "region": "r"}
    (first,) = matching_routes(n, standby)
    assert first.id == "default-standby-sla" and [(d.channel, d.to) for d in first.route.notify] == [("t", [])]
    paging = n.model_copy(
        update={
            "routes": [
                Route.model_validate(
                    {"name": "all-circuits", "match": {"alertname": "CircuitSLABreach"}, "notify": [{"channel": "c"}]}
                )
            ]
        }
    )
    assert _ids(matching_routes(paging, standby)) == ["default-standby-sla"]
    assert _ids(matching_routes(paging, {**standby, "severity": "warning"})) == ["all-circuits"]
    # A file that routes standby breaches itself decides where they go.
    own = n.model_copy(
        update={
            "routes": [
                Route.model_validate(
                    {"match": {"alertname": "CircuitSLABreach", "severity": "info"}, "notify": [{"channel": "e"}]}
                )
            ]
        }
    )
    assert _ids(matching_routes(own, standby)) == ["route-1"]
    assert "default-standby-sla" not in _ids(effective_routes(own))


def test_every_route_has_its_own_receiver(example: Notifications) -> None:
    routes = effective_routes(example)
    receivers = [r.receiver for r in routes]
    assert len(set(receivers)) == len(receivers)
    found = route_by_receiver(example, receiver_name("site-down"))
    assert found is not None and found.id == "site-down"
    assert routes[0].id == "standby-sla"  # the example routes standby SLA breaches first, to a ticket
    assert route_by_receiver(example, "runbook-unrouted") is None


def test_business_hours_are_local_and_end_exclusive(example: Notifications) -> None:
    central = example.hours_for("central")
    assert central is not None and central.timezone == "America/Chicago"
    # 18:00 Chicago (CDT, UTC-5) on a Monday is the first minute outside.
    assert central.contains(datetime(2026, 6, 1, 22, 59, tzinfo=UTC))
    assert not central.contains(datetime(2026, 6, 1, 23, 0, tzinfo=UTC))
    assert not central.contains(datetime(2026, 6, 6, 15, 0, tzinfo=UTC))  # Saturday
    west = example.hours_for("west")
    assert west is not None and west.contains(datetime(2026, 6, 6, 15, 0, tzinfo=UTC))  # Saturday 08:00 PDT
