"""Incident ids never clash (issue 21, class 3): before, 24 random bits and no retry made a clash
near-certain around 10,000 alerts, and the whole webhook failed with 500.

Ids are drawn at random and checked inside the writing transaction; a clash draws again, and
repeated clashes grow the id. The properties: 100,000 incidents through the webhook path all get
distinct ids and all are recorded; and in a space forced down to 16 ids, thousands of incidents
still get distinct ids (the growth works), with ids as short as the space allows.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from runbook_wan.credentials.redact import Redactor
from runbook_wan.model.notifications import Notifications
from runbook_wan.notify.alerts import WebhookPayload
from runbook_wan.notify.engine import Notifier
from runbook_wan.ops.incidents import ID_DIGITS, ID_PREFIX, IncidentStore


def _payload(start: int, count: int) -> WebhookPayload:
    alerts = [
        {"status": "firing", "fingerprint": f"{n:016x}", "labels": {"alertname": "CircuitDown", "site": f"s-{n}"}}
        for n in range(start, start + count)
    ]
    return WebhookPayload.model_validate(
        {"version": "4", "status": "firing", "receiver": "runbook-unrouted", "alerts": alerts}
    )


def test_a_hundred_thousand_incidents_get_a_hundred_thousand_ids(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "incidents.sqlite")
    notifier = Notifier(Notifications.model_validate({}), {}, store, Redactor())
    opened: list[str] = []
    for start in range(0, 100_000, 10_000):  # ten Alertmanager groups of 10,000 alerts
        opened += notifier.handle(_payload(start, 10_000)).opened
    with contextlib.closing(sqlite3.connect(store.path)) as db:
        stored = {row[0] for row in db.execute("SELECT id FROM incidents")}
    assert len(opened) == len(set(opened)) == len(stored) == 100_000 and stored == set(opened)
    assert all(i.startswith(ID_PREFIX) and len(i) >= len(ID_PREFIX) + ID_DIGITS for i in stored)


def test_in_a_space_of_sixteen_ids_every_incident_still_gets_its_own(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "incidents.sqlite", id_digits=1)
    with store.batch() as tx:
        ids = [tx.open_incident(f"fp-{n}", "SiteDown", {}, "down")[0].id for n in range(3_000)]
    assert len(set(ids)) == 3_000
    lengths = sorted({len(i) - len(ID_PREFIX) for i in ids})
    assert lengths[0] == 1 and lengths[-1] <= 5, lengths  # short first; grown two digits at a time as needed
    assert {i for i in ids if len(i) == len(ID_PREFIX) + 1} == {ID_PREFIX + d for d in "0123456789abcdef"}
