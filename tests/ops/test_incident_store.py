"""The incident store: one open incident per alert group, resolved once, deliveries recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook_wan.ops.incidents import Delivery, DeliveryKind, DeliveryStatus, IncidentStatus, IncidentStore, now_iso


def test_one_open_incident_per_key_and_it_resolves_once(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "incidents.sqlite")
    labels = {"alertname": "SiteDown", "site": "chi-021", "region": "central", "severity": "critical"}
    first, created = store.open_incident("group-1", "SiteDown", labels, "chi-021 is down")
    again, created_again = store.open_incident("group-1", "SiteDown", labels, "chi-021 is down")
    assert created and not created_again and again.id == first.id
    assert first.site == "chi-021" and first.severity == "critical" and first.status is IncidentStatus.FIRING
    assert store.resolve(first.id) is not None
    assert store.resolve(first.id) is None  # a second resolve announces nothing
    reopened, created_third = store.open_incident("group-1", "SiteDown", labels, "down again")
    assert created_third and reopened.id != first.id


def test_acknowledge_only_a_firing_incident_and_deliveries_are_kept_in_order(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "incidents.sqlite")
    incident, _ = store.open_incident("g", "CircuitDown", {"site": "sea-001", "circuit": "primary_dia"}, "down")
    for channel, status in (("twilio-sms", DeliveryStatus.FAILED), ("vonage-sms", DeliveryStatus.SENT)):
        store.record_delivery(
            Delivery(incident.id, now_iso(), DeliveryKind.FIRING, channel, "oncall (+1 415 ***0123)", status)
        )
    acked = store.acknowledge(incident.id, "alice")
    assert acked is not None and acked.acknowledged_by == "alice" and acked.status is IncidentStatus.ACKNOWLEDGED
    assert store.acknowledge(incident.id, "bob") is None
    assert [d.channel for d in store.deliveries(incident.id)] == ["twilio-sms", "vonage-sms"]
    reader = IncidentStore(tmp_path / "incidents.sqlite", readonly=True)
    assert [i.id for i in reader.incidents(open_only=True, site="sea-001")] == [incident.id]


def test_incidents_list_counts_what_was_sent_per_route(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The page count the demo shows: firing and escalation messages sent, per route and channel
    (hand-built deliveries; resolved notices and failed attempts are not pages)."""
    from runbook_wan import cli as runbook
    from runbook_wan.ops.stack import incidents_path

    state = tmp_path / "state"
    store = IncidentStore(incidents_path(state))
    down, _ = store.open_incident("fp-1", "CircuitDown", {"site": "sea-001"}, "sea-001 primary_dia is down")
    standby, _ = store.open_incident("fp-2", "CircuitSLABreach", {"provider": "aircarrier"}, "2 circuits")
    sent = [
        (down.id, DeliveryKind.FIRING, "circuits", "chat", DeliveryStatus.SENT),
        (down.id, DeliveryKind.FIRING, "circuits", "email", DeliveryStatus.SENT),
        (down.id, DeliveryKind.FIRING, "circuits", "email", DeliveryStatus.SENT),
        (down.id, DeliveryKind.RESOLVED, "circuits", "chat", DeliveryStatus.SENT),
        (standby.id, DeliveryKind.FIRING, "standby-sla", "tickets", DeliveryStatus.SENT),
        (standby.id, DeliveryKind.FIRING, "standby-sla", "email", DeliveryStatus.FAILED),
    ]
    for incident, kind, route, channel, status in sent:
        store.record_delivery(Delivery(incident, now_iso(), kind, channel, "someone", status, route=route))
    assert runbook.main(["--no-color", "--state", str(state), "incidents", "list", "--all"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == (
        "2 incident(s); sent (firing and escalations): route circuits: chat x1, email x2; route standby-sla: tickets x1"
    )
