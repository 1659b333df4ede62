"""What comes back from the people paged: reply codes, receipts, opt-outs, used links (SQLite).

Kept in the incident store's file (``<state>/monitor/incidents.sqlite``), in tables of their own,
so the incident tables stay as they are::

    reply_codes(phone, code, incident_id, contact, at)      -- 'Reply 3a': per phone number
    inbound_seen(provider, message_id, at, answer)          -- each provider message handled once
    receipts(id, message_id, provider, status, raw_status, error, at)
    opt_outs(phone, at)                                     -- the number replied STOP
    reply_strikes(phone, count, at)                         -- unrecognised replies in a row
    used_links(nonce, at, by)                               -- e-mail links work once

Phone numbers are stored as E.164 (they are the contacts' own numbers from the intents); nothing
here holds a credential.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from runbook_wan.ops.incidents import now_iso
from runbook_wan.ops.sqlite_open import session

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reply_codes (
    phone TEXT NOT NULL,
    code INTEGER NOT NULL,
    incident_id TEXT NOT NULL,
    contact TEXT NOT NULL,
    at TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (phone, code)
);
CREATE INDEX IF NOT EXISTS reply_codes_incident ON reply_codes(phone, incident_id);
CREATE TABLE IF NOT EXISTS inbound_seen (
    provider TEXT NOT NULL,
    message_id TEXT NOT NULL,
    at TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (provider, message_id)
);
CREATE TABLE IF NOT EXISTS receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    status TEXT NOT NULL,
    raw_status TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_message ON receipts(message_id);
CREATE TABLE IF NOT EXISTS opt_outs (phone TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reply_strikes (phone TEXT PRIMARY KEY, count INTEGER NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS used_links (nonce TEXT PRIMARY KEY, at TEXT NOT NULL, by TEXT NOT NULL);
"""

#: Reply codes run 1..MAX_CODE per phone number, then start again (the oldest code is reused).
MAX_CODE = 99


class ReceiptStatus(StrEnum):
    """A provider's delivery report, in our words (each provider's own status is kept beside it)."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    ANSWERED = "answered"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def failed(self) -> bool:
        return self is ReceiptStatus.FAILED


@dataclass(frozen=True)
class Receipt:
    message_id: str
    provider: str
    status: ReceiptStatus
    raw_status: str
    error: str
    at: str

    def to_dict(self) -> dict[str, str]:
        return {
            "message_id": self.message_id,
            "provider": self.provider,
            "status": self.status.value,
            "raw_status": self.raw_status,
            "error": self.error,
            "at": self.at,
        }


@dataclass(frozen=True)
class ReplyCode:
    phone: str
    code: int
    incident_id: str
    contact: str


class InboundStore:
    """The inbound tables beside the incident tables; every method is one short transaction."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        if not readonly:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.executescript(_SCHEMA)
        #: A store read only before any notifier with a public URL wrote it has none of these tables.
        self.present = not readonly or self._has_tables()

    def _has_tables(self) -> bool:
        if not self.path.is_file():
            return False
        with self._connect() as db:
            found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'receipts'").fetchone()
        return found is not None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # Opened like every store (read-only folders, clear errors, WAL with synchronous=NORMAL: ops.sqlite_open).
        with session(self.path, readonly=self.readonly, wal=True) as db:
            yield db

    # --- reply codes ---------------------------------------------------------------------------
    def code_for(self, phone: str, incident_id: str, contact: str) -> int:
        """This phone's code for the incident: the one it already has, else the next one (1..99)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute(
                "SELECT code FROM reply_codes WHERE phone = ? AND incident_id = ?", (phone, incident_id)
            ).fetchone()
            if row is not None:
                return int(row["code"])
            last = db.execute(
                "SELECT code, seq FROM reply_codes WHERE phone = ? ORDER BY seq DESC LIMIT 1", (phone,)
            ).fetchone()
            code = 1 if last is None else int(last["code"]) % MAX_CODE + 1
            seq = 1 if last is None else int(last["seq"]) + 1
            db.execute(
                "INSERT OR REPLACE INTO reply_codes (phone, code, incident_id, contact, at, seq) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (phone, code, incident_id, contact, now_iso(), seq),
            )
            return code

    def lookup_code(self, phone: str, code: int) -> ReplyCode | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT phone, code, incident_id, contact FROM reply_codes WHERE phone = ? AND code = ?", (phone, code)
            ).fetchone()
        return ReplyCode(row["phone"], int(row["code"]), row["incident_id"], row["contact"]) if row else None

    def newest_code(self, phone: str) -> ReplyCode | None:
        """The page sent last to this phone (what a bare ``4`` or ``ack`` answers)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT phone, code, incident_id, contact FROM reply_codes WHERE phone = ? ORDER BY seq DESC LIMIT 1",
                (phone,),
            ).fetchone()
        return ReplyCode(row["phone"], int(row["code"]), row["incident_id"], row["contact"]) if row else None

    # --- idempotency ---------------------------------------------------------------------------
    def seen(self, provider: str, message_id: str) -> str | None:
        """The answer given when this provider message was handled, None if it is new."""
        with self._connect() as db:
            row = db.execute(
                "SELECT answer FROM inbound_seen WHERE provider = ? AND message_id = ?", (provider, message_id)
            ).fetchone()
        return str(row["answer"]) if row is not None else None

    def mark_seen(self, provider: str, message_id: str, answer: str) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO inbound_seen (provider, message_id, at, answer) VALUES (?, ?, ?, ?)",
                (provider, message_id, now_iso(), answer),
            )

    # --- receipts ------------------------------------------------------------------------------
    def record_receipt(self, receipt: Receipt) -> bool:
        """Record a delivery report; False when the same (message, provider status) was recorded before."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            dup = db.execute(
                "SELECT 1 FROM receipts WHERE message_id = ? AND raw_status = ? AND provider = ?",
                (receipt.message_id, receipt.raw_status, receipt.provider),
            ).fetchone()
            if dup is not None:
                return False
            db.execute(
                "INSERT INTO receipts (message_id, provider, status, raw_status, error, at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    receipt.message_id,
                    receipt.provider,
                    receipt.status.value,
                    receipt.raw_status,
                    receipt.error,
                    receipt.at,
                ),
            )
            return True

    def receipts(self, message_ids: list[str]) -> list[Receipt]:
        ids = [m for m in message_ids if m]
        if not ids or not self.present:
            return []
        marks = ", ".join("?" for _ in ids)
        with self._connect() as db:
            rows = db.execute(
                f"SELECT message_id, provider, status, raw_status, error, at FROM receipts "
                f"WHERE message_id IN ({marks}) ORDER BY id",
                ids,
            ).fetchall()
        return [
            Receipt(r["message_id"], r["provider"], ReceiptStatus(r["status"]), r["raw_status"], r["error"], r["at"])
            for r in rows
        ]

    def failed_messages(self, message_ids: list[str]) -> set[str]:
        """Of these message ids, the ones a provider reported failed or undelivered."""
        return {r.message_id for r in self.receipts(message_ids) if r.status.failed}

    # --- STOP / START and unrecognised replies -----------------------------------------------------
    def opt_out(self, phone: str) -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO opt_outs (phone, at) VALUES (?, ?)", (phone, now_iso()))

    def opt_in(self, phone: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM opt_outs WHERE phone = ?", (phone,))

    def opted_out(self, phone: str) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM opt_outs WHERE phone = ?", (phone,)).fetchone() is not None

    def strike(self, phone: str) -> int:
        """Count one more unrecognised reply from ``phone``; returns the count in a row."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO reply_strikes (phone, count, at) VALUES (?, 1, ?) "
                "ON CONFLICT(phone) DO UPDATE SET count = count + 1, at = excluded.at",
                (phone, now_iso()),
            )
            row = db.execute("SELECT count FROM reply_strikes WHERE phone = ?", (phone,)).fetchone()
        return int(row["count"])

    def clear_strikes(self, phone: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM reply_strikes WHERE phone = ?", (phone,))

    # --- e-mail links ----------------------------------------------------------------------------
    def use_link(self, nonce: str, by: str) -> bool:
        """Spend a single-use link; False if it was used before."""
        with self._connect() as db:
            changed = db.execute(
                "INSERT OR IGNORE INTO used_links (nonce, at, by) VALUES (?, ?, ?)", (nonce, now_iso(), by)
            ).rowcount
        return bool(changed)
