"""The incident store: one open incident per alert group, resolved once, deliveries recorded."""

from __future__ import annotations

from pathlib import Path

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
