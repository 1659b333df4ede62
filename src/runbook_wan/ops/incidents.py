"""The incident store: what was announced to whom, and what state each incident is in (SQLite).

The notifier writes it (one incident per alert group it announced as firing, one delivery row
per message sent or failed); ``runbook.py incidents``, the status page and the availability
report read it. Only what was announced as firing can be announced as resolved.

Schema (``<state>/monitor/incidents.sqlite``, WAL mode, safe for one writer and many readers)::

    incidents(id TEXT PK, key TEXT, alertname, severity, site, region, circuit, provider, summary,
              status ['firing'|'acknowledged'|'resolved'], started_at, updated_at, resolved_at,
              acknowledged_by, acknowledged_at, labels_json,
              resolved_by, escalate_at, escalation_route, escalated_at, acknowledged_via, resolved_via)
    deliveries(id INTEGER PK, incident_id FK, at, kind ['firing'|'resolved'|'escalation'],
               channel, recipient, status ['sent'|'failed'|'limited'], message_id, error, route)

Times are ISO 8601 UTC strings. ``key`` identifies the alert: the notifier uses Alertmanager's
alert fingerprint (a hash of the labels), which survives Alertmanager restarts and regrouping;
``started_at`` is the alert's ``startsAt``, so one firing episode is one incident even after a
manual resolve. At most one incident per key is open at a time. ``acknowledged_via`` and
``resolved_via`` name the channel a person answered on (``sms``, ``voice``, ``slack``, ``mattermost``,
``email``, ``cli``); an automatic resolve has neither ``resolved_by`` nor ``resolved_via``. ``escalate_at`` is when an
unacknowledged incident escalates (per ``escalation_route``); ``escalated_at`` says it did.
No credential is ever stored; ``recipient`` is a contact name and a masked address, ``route``
the notification route that sent the delivery.

Incident ids are ``inc-`` and six hex digits (short enough to read out on a call and type), drawn
at random and checked against the store inside the writing transaction: a drawn id that exists is
drawn again, and after a few clashes in a row ids grow by two digits, so two incidents never share
an id however many the store holds. :meth:`IncidentStore.batch` makes several changes (all the
alerts of one webhook) one transaction: all are written or none. Every failure (corrupt, full,
read-only, locked) is a :class:`~runbook_wan.ops.sqlite_open.StoreError` naming the file and the fix.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from runbook_wan.ops.sqlite_open import StoreError, connect, describe, prepare_writer, transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    alertname TEXT NOT NULL,
    severity TEXT NOT NULL DEFAULT '',
    site TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    circuit TEXT NOT NULL DEFAULT '',
    provider TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    resolved_at TEXT,
    acknowledged_by TEXT,
    acknowledged_at TEXT,
    labels_json TEXT NOT NULL DEFAULT '{}',
    resolved_by TEXT,
    escalate_at TEXT,
    escalation_route TEXT,
    escalated_at TEXT
);
CREATE INDEX IF NOT EXISTS incidents_key ON incidents(key, status);
CREATE INDEX IF NOT EXISTS incidents_site ON incidents(site, status);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    route TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS deliveries_incident ON deliveries(incident_id);
"""

#: Columns added after the first release of the schema: (table, column, declaration).
_ADDED_COLUMNS = (
    ("incidents", "resolved_by", "TEXT"),
    ("incidents", "escalate_at", "TEXT"),
    ("incidents", "escalation_route", "TEXT"),
    ("incidents", "escalated_at", "TEXT"),
    ("deliveries", "route", "TEXT NOT NULL DEFAULT ''"),
    ("incidents", "acknowledged_via", "TEXT"),
    ("incidents", "resolved_via", "TEXT"),
)


class IncidentStatus(StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        return self is not IncidentStatus.RESOLVED


class DeliveryKind(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"
    ESCALATION = "escalation"


class DeliveryStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    #: Held back: the contact's rate limit, or the contact replied STOP (the error says which).
    LIMITED = "limited"


#: How the store writes times: UTC, to the second (text that sorts as time does).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso(at: datetime) -> str:
    """A time as the store writes it."""
    return at.astimezone(UTC).strftime(TIME_FORMAT)


def parse_iso(text: str) -> datetime:
    """A time the store wrote, back to a datetime (UTC)."""
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def now_iso() -> str:
    return iso(datetime.now(UTC))


@dataclass(frozen=True)
class Delivery:
    incident_id: str
    at: str
    kind: DeliveryKind
    channel: str
    recipient: str
    status: DeliveryStatus
    message_id: str = ""
    error: str = ""
    route: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "kind": self.kind.value,
            "channel": self.channel,
            "recipient": self.recipient,
            "status": self.status.value,
            "message_id": self.message_id,
            "error": self.error,
            "route": self.route,
        }


@dataclass(frozen=True)
class Incident:
    id: str
    key: str
    alertname: str
    severity: str
    site: str
    region: str
    circuit: str
    provider: str
    summary: str
    status: IncidentStatus
    started_at: str
    updated_at: str
    resolved_at: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    resolved_by: str | None = None
    escalate_at: str | None = None
    escalation_route: str | None = None
    escalated_at: str | None = None
    acknowledged_via: str | None = None
    resolved_via: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "alertname": self.alertname,
            "severity": self.severity,
            "site": self.site,
            "region": self.region,
            "circuit": self.circuit,
            "provider": self.provider,
            "summary": self.summary,
            "status": self.status.value,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "resolved_at": self.resolved_at,
            "acknowledged_by": self.acknowledged_by,
            "acknowledged_at": self.acknowledged_at,
            "labels": dict(self.labels),
            "resolved_by": self.resolved_by,
            "escalate_at": self.escalate_at,
            "escalated_at": self.escalated_at,
            "acknowledged_via": self.acknowledged_via,
            "resolved_via": self.resolved_via,
        }


_COLUMNS = (
    "id, key, alertname, severity, site, region, circuit, provider, summary, status, started_at, updated_at, "
    "resolved_at, acknowledged_by, acknowledged_at, labels_json, resolved_by, escalate_at, escalation_route, "
    "escalated_at, acknowledged_via, resolved_via"
)


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a store written by an older Runbook up to this schema (columns are only ever added)."""
    for table, column, declaration in _ADDED_COLUMNS:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _incident(row: sqlite3.Row) -> Incident:
    return Incident(
        id=row["id"],
        key=row["key"],
        alertname=row["alertname"],
        severity=row["severity"],
        site=row["site"],
        region=row["region"],
        circuit=row["circuit"],
        provider=row["provider"],
        summary=row["summary"],
        status=IncidentStatus(row["status"]),
        started_at=row["started_at"],
        updated_at=row["updated_at"],
        resolved_at=row["resolved_at"],
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=row["acknowledged_at"],
        labels=json.loads(row["labels_json"] or "{}"),
        resolved_by=row["resolved_by"],
        escalate_at=row["escalate_at"],
        escalation_route=row["escalation_route"],
        escalated_at=row["escalated_at"],
        acknowledged_via=row["acknowledged_via"],
        resolved_via=row["resolved_via"],
    )


def _delivery(r: sqlite3.Row) -> Delivery:
    return Delivery(
        incident_id=r["incident_id"],
        at=r["at"],
        kind=DeliveryKind(r["kind"]),
        channel=r["channel"],
        recipient=r["recipient"],
        status=DeliveryStatus(r["status"]),
        message_id=r["message_id"],
        error=r["error"],
        route=r["route"],
    )


#: Incident ids: this prefix, then hex digits.
ID_PREFIX = "inc-"
#: Hex digits of a new id (16.7 million ids); they grow by two after ``_CLASHES_BEFORE_GROWING`` clashes in a row.
ID_DIGITS = 6
_CLASHES_BEFORE_GROWING = 8


def _random_hex(digits: int) -> str:
    return secrets.token_hex((digits + 1) // 2)[:digits]


class IncidentBatch:
    """Reads and writes on one open transaction (see :meth:`IncidentStore.batch`)."""

    def __init__(self, db: sqlite3.Connection, id_digits: int, draw: Callable[[int], str]) -> None:
        self.db = db
        self.id_digits = id_digits
        self.draw = draw

    # --- reading -------------------------------------------------------------------------------
    def get(self, incident_id: str) -> Incident | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        return _incident(row) if row else None

    def find_open(self, key: str) -> Incident | None:
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM incidents WHERE key = ? AND status != 'resolved' ORDER BY started_at DESC LIMIT 1",
            (key,),
        ).fetchone()
        return _incident(row) if row else None

    def find_episode(self, key: str, started_at: str) -> Incident | None:
        """The incident of this firing episode: the open one for ``key``, else one that started at ``started_at``.

        A webhook that repeats an alert someone resolved by hand (same ``startsAt``) finds that
        incident and opens no new one; a new episode (new ``startsAt``) does.
        """
        found = self.find_open(key)
        if found is not None:
            return found
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM incidents WHERE key = ? AND started_at = ? ORDER BY updated_at DESC LIMIT 1",
            (key, started_at),
        ).fetchone()
        return _incident(row) if row else None

    def latest(self, key: str) -> Incident | None:
        """The most recent incident for ``key`` (open or resolved), or None."""
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM incidents WHERE key = ? ORDER BY started_at DESC, updated_at DESC LIMIT 1",
            (key,),
        ).fetchone()
        return _incident(row) if row else None

    def due_escalations(self, now: str) -> list[Incident]:
        """Firing (not acknowledged, not resolved) incidents whose escalation is due and not yet made."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM incidents WHERE status = 'firing' AND escalate_at IS NOT NULL "
            "AND escalated_at IS NULL AND escalate_at <= ? ORDER BY escalate_at, id",
            (now,),
        ).fetchall()
        return [_incident(r) for r in rows]

    def claimed_escalations(self) -> list[Incident]:
        """Firing incidents whose escalation was claimed (it was due and made, or being made)."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM incidents WHERE status = 'firing' AND escalated_at IS NOT NULL ORDER BY id"
        ).fetchall()
        return [_incident(r) for r in rows]

    def incidents(self, *, open_only: bool = False, site: str | None = None, limit: int = 500) -> list[Incident]:
        """Newest first."""
        where, args = [], []
        if open_only:
            where.append("status != 'resolved'")
        if site is not None:
            where.append("site = ?")
            args.append(site)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM incidents {clause} ORDER BY started_at DESC, id LIMIT ?",
            (*args, limit),
        ).fetchall()
        return [_incident(r) for r in rows]

    def deliveries(self, incident_id: str) -> list[Delivery]:
        rows = self.db.execute(
            "SELECT incident_id, at, kind, channel, recipient, status, message_id, error, route FROM deliveries "
            "WHERE incident_id = ? ORDER BY id",
            (incident_id,),
        ).fetchall()
        return [_delivery(r) for r in rows]

    # --- writing -------------------------------------------------------------------------------
    def new_id(self) -> str:
        """An id no incident in the store has (drawn again on a clash, longer after repeated clashes)."""
        digits, clashes = self.id_digits, 0
        while True:
            candidate = ID_PREFIX + self.draw(digits)
            if self.db.execute("SELECT 1 FROM incidents WHERE id = ?", (candidate,)).fetchone() is None:
                return candidate
            clashes += 1
            if clashes % _CLASHES_BEFORE_GROWING == 0:
                digits += 2

    def open_incident(
        self, key: str, alertname: str, labels: dict[str, str], summary: str, started_at: str | None = None
    ) -> tuple[Incident, bool]:
        """The open incident for ``key``, creating it if there is none. Returns ``(incident, created)``."""
        existing = self.find_open(key)
        if existing is not None:
            return existing, False
        return self.create(key, alertname, labels, summary, started_at), True

    def create(
        self, key: str, alertname: str, labels: dict[str, str], summary: str, started_at: str | None = None
    ) -> Incident:
        """A new firing incident for ``key`` (the caller has checked that none is open)."""
        now = now_iso()
        incident = Incident(
            id=self.new_id(),
            key=key,
            alertname=alertname,
            severity=labels.get("severity", ""),
            site=labels.get("site", ""),
            region=labels.get("region", ""),
            circuit=labels.get("circuit", ""),
            provider=labels.get("provider", ""),
            summary=summary,
            status=IncidentStatus.FIRING,
            started_at=started_at or now,
            updated_at=now,
            labels=dict(labels),
        )
        self.db.execute(
            "INSERT INTO incidents (id, key, alertname, severity, site, region, circuit, provider, summary, "
            "status, started_at, updated_at, labels_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                incident.id,
                key,
                alertname,
                incident.severity,
                incident.site,
                incident.region,
                incident.circuit,
                incident.provider,
                summary,
                incident.status.value,
                incident.started_at,
                now,
                json.dumps(labels, sort_keys=True),
            ),
        )
        return incident

    def schedule_escalation(self, incident_id: str, at: str, route: str) -> None:
        """Escalate the incident at ``at`` (ISO UTC) along ``route`` unless it is acknowledged first."""
        self.db.execute(
            "UPDATE incidents SET escalate_at = ?, escalation_route = ?, updated_at = ? "
            "WHERE id = ? AND escalated_at IS NULL",
            (at, route, now_iso(), incident_id),
        )

    def claim_escalation(self, incident_id: str) -> Incident | None:
        """Mark the escalation as made, once: the caller that gets the incident back sends it.

        None if it was acknowledged, resolved or escalated meanwhile (an acknowledgement written
        by ``runbook.py incidents ack`` in another process wins the race).
        """
        changed = self.db.execute(
            "UPDATE incidents SET escalated_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'firing' AND escalated_at IS NULL",
            (now_iso(), now_iso(), incident_id),
        ).rowcount
        return self.get(incident_id) if changed else None

    def acknowledge(self, incident_id: str, by: str, via: str | None = None, at: str | None = None) -> Incident | None:
        """Acknowledge a firing incident (stops its escalation). None if unknown, acknowledged or resolved.

        ``via`` is the channel the person answered on (``sms``, ``voice``, ``slack``, ``cli``, ...);
        ``at`` when they did (default: now).
        """
        changed = self.db.execute(
            "UPDATE incidents SET status = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?, "
            "acknowledged_via = ?, updated_at = ? WHERE id = ? AND status = 'firing'",
            (by, at or now_iso(), via, now_iso(), incident_id),
        ).rowcount
        return self.get(incident_id) if changed else None

    def resolve(
        self, incident_id: str, at: str | None = None, by: str | None = None, via: str | None = None
    ) -> Incident | None:
        """Mark resolved. Returns the incident if this call resolved it, None if it was already resolved.

        ``by`` names the person who resolved it by hand and ``via`` the channel (None: Alertmanager
        said it resolved).
        """
        changed = self.db.execute(
            "UPDATE incidents SET status = 'resolved', resolved_at = ?, resolved_by = ?, resolved_via = ?, "
            "updated_at = ? WHERE id = ? AND status != 'resolved'",
            (at or now_iso(), by, via, now_iso(), incident_id),
        ).rowcount
        return self.get(incident_id) if changed else None

    def expedite_escalation(self, incident_id: str, at: str) -> bool:
        """Bring a pending escalation forward to ``at`` (an overdue acknowledgement). True if it did."""
        changed = self.db.execute(
            "UPDATE incidents SET escalate_at = ?, updated_at = ? WHERE id = ? AND status = 'firing' "
            "AND escalate_at IS NOT NULL AND escalated_at IS NULL AND escalate_at > ?",
            (at, now_iso(), incident_id, at),
        ).rowcount
        return bool(changed)

    def sent_since(self, recipient: str, channels: list[str], since: str) -> list[str]:
        """When messages went to ``recipient`` (a masked label) on ``channels`` since ``since``, oldest first."""
        if not channels:
            return []
        marks = ", ".join("?" for _ in channels)
        rows = self.db.execute(
            f"SELECT at FROM deliveries WHERE recipient = ? AND status = 'sent' AND at >= ? "
            f"AND channel IN ({marks}) ORDER BY at",
            (recipient, since, *channels),
        ).fetchall()
        return [r["at"] for r in rows]

    def delivery_by_message(self, message_id: str) -> Delivery | None:
        """The delivery a provider's message id (SM..., CA..., a Vonage id) belongs to."""
        if not message_id:
            return None
        r = self.db.execute(
            "SELECT incident_id, at, kind, channel, recipient, status, message_id, error, route FROM deliveries "
            "WHERE message_id = ? ORDER BY id LIMIT 1",
            (message_id,),
        ).fetchone()
        return _delivery(r) if r is not None else None

    def first_pages(self) -> dict[str, str]:
        """Incident id -> when its first page went out (the first sent firing or escalation message)."""
        rows = self.db.execute(
            "SELECT incident_id, MIN(at) AS first FROM deliveries WHERE status = 'sent' AND kind != 'resolved' "
            "GROUP BY incident_id"
        ).fetchall()
        return {r["incident_id"]: r["first"] for r in rows}

    def record_delivery(self, delivery: Delivery) -> None:
        self.db.execute(
            "INSERT INTO deliveries (incident_id, at, kind, channel, recipient, status, message_id, error, route) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                delivery.incident_id,
                delivery.at,
                delivery.kind.value,
                delivery.channel,
                delivery.recipient,
                delivery.status.value,
                delivery.message_id,
                delivery.error,
                delivery.route,
            ),
        )


class IncidentStore:
    """One SQLite file; every method is one short transaction, so processes can share it.

    Raises :class:`~runbook_wan.ops.sqlite_open.StoreError` (a diagnostic) for a store that cannot
    be used; opening checks that the file is an incident store at all. A writer sets up a new or
    empty file unless ``create`` is false (``incidents ack`` changes a store, it never starts one).
    """

    def __init__(
        self,
        path: Path,
        *,
        readonly: bool = False,
        create: bool = True,
        id_digits: int = ID_DIGITS,
        draw: Callable[[int], str] = _random_hex,
    ) -> None:
        self.path = path
        self.readonly = readonly
        self.id_digits = id_digits
        self.draw = draw
        if readonly:
            with transaction(path, readonly=True, doing="reading") as db:
                _check_schema(db, path)
            return
        db = connect(path, readonly=False)
        try:
            tables = _tables(db)
            if "incidents" not in tables and (tables - _NEIGHBOURS or not create):
                raise _not_a_store(path, tables)
            prepare_writer(db)
            db.executescript(_SCHEMA)
            _add_missing_columns(db)
            db.commit()
        except sqlite3.Error as exc:
            raise describe(exc, path, "opening") from None
        finally:
            db.close()

    def check(self) -> None:
        """Read every page (``PRAGMA quick_check``): a store that is damaged anywhere is refused now, with the
        fix, instead of failing the first webhook that touches the damage (the notifier calls this at start)."""
        with self.batch("checking") as tx:
            problems = [row[0] for row in tx.db.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise describe(sqlite3.DatabaseError("database disk image is malformed"), self.path, "checking")

    @contextmanager
    def kept_open(self) -> Iterator[None]:
        """Hold one idle connection while a long-running writer (the notifier) works.

        Every method opens and closes its own connection; when the last one closes, SQLite
        checkpoints the write-ahead log and removes it, with an fsync, after every transaction.
        An idle connection held open keeps the log between transactions (checkpoints then happen
        as the log grows).
        """
        db = connect(self.path, readonly=self.readonly)
        try:
            yield
        finally:
            db.close()

    @contextmanager
    def batch(self, doing: str = "writing") -> Iterator[IncidentBatch]:
        """One transaction for several changes: all are written when the block ends, or none (on any error).

        ``doing`` names it in errors; ``"reading"`` (or ``"checking"``) takes no write lock.
        """
        write = doing not in ("reading", "checking")
        with transaction(self.path, readonly=self.readonly, doing=doing, write=write, wal=True) as db:
            yield IncidentBatch(db, self.id_digits, self.draw)

    # --- reading -------------------------------------------------------------------------------
    def get(self, incident_id: str) -> Incident | None:
        with self.batch("reading") as tx:
            return tx.get(incident_id)

    def find_open(self, key: str) -> Incident | None:
        with self.batch("reading") as tx:
            return tx.find_open(key)

    def find_episode(self, key: str, started_at: str) -> Incident | None:
        with self.batch("reading") as tx:
            return tx.find_episode(key, started_at)

    def due_escalations(self, now: str) -> list[Incident]:
        with self.batch("reading") as tx:
            return tx.due_escalations(now)

    def incidents(self, *, open_only: bool = False, site: str | None = None, limit: int = 500) -> list[Incident]:
        with self.batch("reading") as tx:
            return tx.incidents(open_only=open_only, site=site, limit=limit)

    def deliveries(self, incident_id: str) -> list[Delivery]:
        with self.batch("reading") as tx:
            return tx.deliveries(incident_id)

    def sent_since(self, recipient: str, channels: list[str], since: str) -> list[str]:
        with self.batch("reading") as tx:
            return tx.sent_since(recipient, channels, since)

    def delivery_by_message(self, message_id: str) -> Delivery | None:
        with self.batch("reading") as tx:
            return tx.delivery_by_message(message_id)

    def first_pages(self) -> dict[str, str]:
        with self.batch("reading") as tx:
            return tx.first_pages()

    # --- writing -------------------------------------------------------------------------------
    def open_incident(
        self, key: str, alertname: str, labels: dict[str, str], summary: str, started_at: str | None = None
    ) -> tuple[Incident, bool]:
        with self.batch() as tx:
            return tx.open_incident(key, alertname, labels, summary, started_at)

    def schedule_escalation(self, incident_id: str, at: str, route: str) -> None:
        with self.batch() as tx:
            tx.schedule_escalation(incident_id, at, route)

    def claim_escalation(self, incident_id: str) -> Incident | None:
        with self.batch() as tx:
            return tx.claim_escalation(incident_id)

    def acknowledge(self, incident_id: str, by: str, via: str | None = None, at: str | None = None) -> Incident | None:
        with self.batch() as tx:
            return tx.acknowledge(incident_id, by, via, at)

    def resolve(
        self, incident_id: str, at: str | None = None, by: str | None = None, via: str | None = None
    ) -> Incident | None:
        with self.batch() as tx:
            return tx.resolve(incident_id, at, by, via)

    def expedite_escalation(self, incident_id: str, at: str) -> bool:
        with self.batch() as tx:
            return tx.expedite_escalation(incident_id, at)

    def record_delivery(self, delivery: Delivery) -> None:
        with self.batch() as tx:
            tx.record_delivery(delivery)


#: Tables Runbook keeps in the same file beside the incidents (ops/inbound.py: answers, receipts);
#: a file holding only these is a store the notifier sets up, anything else is another program's.
_NEIGHBOURS = frozenset(
    {"reply_codes", "inbound_seen", "receipts", "opt_outs", "reply_strikes", "used_links", "sqlite_sequence"}
)


def _tables(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _not_a_store(path: Path, tables: set[str]) -> StoreError:
    return StoreError(
        "store-schema",
        f"reading {path}: the file holds no incident store"
        + (" (it is empty)" if not tables else f" (tables: {', '.join(sorted(tables))})"),
        "start the notifier with this --state once (it creates the store), or move the file aside",
    )


def _check_schema(db: sqlite3.Connection, path: Path) -> None:
    """Refuse a file that opens but is no incident store (empty, or another program's)."""
    tables = _tables(db)
    if not {"incidents", "deliveries"} <= tables:
        raise _not_a_store(path, tables)
