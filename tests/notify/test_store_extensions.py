"""The incident store's additions for the notifier: escalation bookkeeping, firing episodes, and the
migration of a store written before these columns existed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from runbook_wan.ops.incidents import IncidentStatus, IncidentStore

#: The first released schema (ops/incidents.py at bef185c), without the notifier's columns.
FIRST_SCHEMA = """
CREATE TABLE incidents (id TEXT PRIMARY KEY, key TEXT NOT NULL, alertname TEXT NOT NULL,
    severity TEXT NOT NULL DEFAULT '', site TEXT NOT NULL DEFAULT '', region TEXT NOT NULL DEFAULT '',
    circuit TEXT NOT NULL DEFAULT '', provider TEXT NOT NULL DEFAULT '', summary TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL, started_at TEXT NOT NULL, updated_at TEXT NOT NULL, resolved_at TEXT,
    acknowledged_by TEXT, acknowledged_at TEXT, labels_json TEXT NOT NULL DEFAULT '{}');
CREATE TABLE deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL REFERENCES incidents(id),
    at TEXT NOT NULL, kind TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL, message_id TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '');
INSERT INTO incidents (id, key, alertname, status, started_at, updated_at)
    VALUES ('inc-old001', 'g1', 'SiteDown', 'firing', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z');
INSERT INTO deliveries (incident_id, at, kind, channel, status) VALUES ('inc-old001', '2026-11-01T00:00:01Z',
    'firing', 'sms', 'sent');
"""


def test_a_store_from_before_the_notifier_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(FIRST_SCHEMA)
    store = IncidentStore(path)
    old = store.get("inc-old001")
    assert old is not None and old.escalate_at is None and old.resolved_by is None
    assert [d.route for d in store.deliveries("inc-old001")] == [""]
    store.schedule_escalation("inc-old001", "2026-11-01T00:05:00Z", "site-down")
    assert [i.id for i in store.due_escalations("2026-11-01T00:05:00Z")] == ["inc-old001"]
    IncidentStore(path)  # opening again changes nothing
    assert store.get("inc-old001") == store.get("inc-old001")


def test_an_escalation_is_claimed_once_and_never_after_an_acknowledgement(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "incidents.sqlite")
    first, _ = store.open_incident("fp-a", "SiteDown", {"site": "a"}, "a down", started_at="2026-11-30T18:00:00Z")
    second, _ = store.open_incident("fp-b", "SiteDown", {"site": "b"}, "b down", started_at="2026-11-30T18:00:00Z")
    for incident in (first, second):
        store.schedule_escalation(incident.id, "2026-11-30T18:05:00Z", "site-down")
    store.acknowledge(second.id, "bob")

    assert store.due_escalations("2026-11-30T18:04:59Z") == []
    assert [i.id for i in store.due_escalations("2026-11-30T18:05:00Z")] == [first.id]
    claimed = store.claim_escalation(first.id)
    assert claimed is not None and claimed.escalated_at is not None
    assert store.claim_escalation(first.id) is None and store.claim_escalation(second.id) is None
    assert store.due_escalations("2026-11-30T19:00:00Z") == []


def test_a_firing_episode_is_found_open_or_by_its_start(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "incidents.sqlite")
    incident, _ = store.open_incident("fp", "CircuitDown", {}, "down", started_at="2026-11-30T18:00:00Z")
    assert store.find_episode("fp", "2026-11-30T18:30:00Z") == incident  # open: whatever the start
    store.resolve(incident.id, by="alice")
    found = store.find_episode("fp", "2026-11-30T18:00:00Z")
    assert found is not None and found.status is IncidentStatus.RESOLVED and found.resolved_by == "alice"
    assert store.find_episode("fp", "2026-11-30T19:00:00Z") is None  # a new episode
