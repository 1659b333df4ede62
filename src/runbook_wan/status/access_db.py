"""The pane's access database: ``<state>/access/accounts.sqlite`` (folder 700, file 600, WAL).

One SQLite file for who may log in and who is logged in, shared by the server and the
``runbook.py users`` commands (each opens a short transaction)::

    users(name PK, role, regions ['*' or JSON list], password_hash [argon2id], totp_secret,
          created_at, updated_at)
    tokens(digest PK [SHA-256 of the token], user FK, created_at, last_used_at)
    sessions(digest PK [SHA-256 of the id], user, role, regions, source ['local'|'oidc'|''],
             client, created_at, last_seen, csrf, data [JSON], authenticated)
    failures(key, at)    -- failed logins per name and per client address, for the rate limit
    lockouts(key PK, until)

No password, token or session id is stored in the clear: passwords as argon2 hashes, tokens and
session ids as SHA-256 digests (they are 256-bit random values, so a fast hash is enough). The
TOTP secret must be readable to check a code: the file is the user's own (mode 600).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runbook_wan.ops.sqlite_open import connect, describe

ACCESS_SUBDIR = "access"
ACCOUNTS_FILE = "accounts.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    regions TEXT NOT NULL DEFAULT '*',
    password_hash TEXT,
    totp_secret TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    user TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT '',
    regions TEXT NOT NULL DEFAULT '*',
    source TEXT NOT NULL DEFAULT '',
    client TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL,
    csrf TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    authenticated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);
CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_key ON failures(key, at);
CREATE TABLE IF NOT EXISTS lockouts (key TEXT PRIMARY KEY, until REAL NOT NULL);
"""


def access_dir(state_dir: Path) -> Path:
    return state_dir / ACCESS_SUBDIR


def accounts_path(state_dir: Path) -> Path:
    return access_dir(state_dir) / ACCOUNTS_FILE


def digest(secret: str) -> str:
    """How a token or session id is stored and looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()


class AccessDB:
    """Short transactions on the access database; creates it (private) on first use when writable."""

    def __init__(self, state_dir: Path) -> None:
        self.path = accounts_path(state_dir)
        self._ready = False

    def exists(self) -> bool:
        return self.path.is_file()

    def _create(self) -> None:
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        self.path.chmod(0o600)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self._create()
        db = connect(self.path, readonly=False)  # opened like every store: clear errors (ops.sqlite_open)
        try:
            db.execute("PRAGMA foreign_keys=ON")
            if not self._ready:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                self._ready = True
            with db:
                yield db
        except sqlite3.Error as exc:
            raise describe(exc, self.path, "using") from None
        finally:
            db.close()
