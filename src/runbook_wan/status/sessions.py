"""Server-side sessions and the login rate limit (both in :mod:`.access_db`).

* A session is a random 256-bit id in a cookie; the server keeps its digest, who it is (name,
  role, scope, where it logged in from and how), its CSRF token and a little data (the OpenID
  state during a login). Nothing else is in the cookie: Starlette's own session cookie is signed,
  not encrypted, and is not used.
* A session ends after ``idle`` seconds without a request, ``absolute`` seconds after login, at
  logout, or when its user is removed, changes role or password; the server then forgets it, so
  the old cookie no longer works anywhere.
* A *pending* session (nobody logged in yet) carries the login form's CSRF token and the OpenID
  state; logging in always starts a new session with a new id.
* Rate limit: more than ``max_failures`` failed logins within ``window`` seconds for one name (or
  ``per_client`` from one address) locks the name (or the address) for ``lockout`` seconds.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runbook_wan.status.access_db import AccessDB, digest
from runbook_wan.status.accounts import decode_regions, encode_regions
from runbook_wan.status.authz import Actor, Role

#: last_seen is written at most this often per session (every request would be a write).
TOUCH_EVERY = 15.0


@dataclass(frozen=True)
class SessionPolicy:
    idle: float = 30 * 60.0
    absolute: float = 12 * 3600.0
    #: A login form or an OpenID round trip left open longer than this starts over.
    pending: float = 15 * 60.0


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window: float = 60.0
    lockout: float = 15 * 60.0
    per_client: int = 20


@dataclass
class Session:
    digest: str
    csrf: str
    created_at: float
    last_seen: float
    user: str = ""
    role: str = ""
    regions: str = "*"
    source: str = ""
    client: str = ""
    authenticated: bool = False
    data: dict[str, Any] = field(default_factory=dict)

    def actor(self) -> Actor | None:
        if not self.authenticated:
            return None
        return Actor(self.user, Role(self.role), decode_regions(self.regions), "pane")

    def to_dict(self) -> dict[str, Any]:
        """For the admin page: never the id, only a short fingerprint of its digest."""
        return {
            "session": self.digest[:12],
            "user": self.user,
            "role": self.role,
            "source": self.source,
            "client": self.client,
            "created_at": _iso(self.created_at),
            "last_seen": _iso(self.last_seen),
        }


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class SessionStore:
    def __init__(self, state_dir: Path, policy: SessionPolicy | None = None) -> None:
        self.db = AccessDB(state_dir)
        self.policy = policy or SessionPolicy()

    def _insert(self, session: Session) -> None:
        with self.db.connect() as db:
            db.execute(
                "INSERT INTO sessions (digest, user, role, regions, source, client, created_at, last_seen, csrf, "
                "data, authenticated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session.digest,
                    session.user,
                    session.role,
                    session.regions,
                    session.source,
                    session.client,
                    session.created_at,
                    session.last_seen,
                    session.csrf,
                    json.dumps(session.data),
                    int(session.authenticated),
                ),
            )

    def start_pending(self, client: str, now: float | None = None) -> tuple[str, Session]:
        """A session for someone not logged in yet (login form, OpenID round trip): new id."""
        at = time.time() if now is None else now
        self.prune(at)
        sid = new_secret()
        session = Session(digest(sid), new_secret(), at, at, client=client)
        self._insert(session)
        return sid, session

    def start(self, actor: Actor, source: str, client: str, now: float | None = None) -> tuple[str, Session]:
        """A logged-in session with a new id (the pending one, if any, is ended by the caller)."""
        at = time.time() if now is None else now
        sid = new_secret()
        session = Session(
            digest(sid),
            new_secret(),
            at,
            at,
            user=actor.name,
            role=actor.role.value,
            regions=encode_regions(actor.regions),
            source=source,
            client=client,
            authenticated=True,
        )
        self._insert(session)
        return sid, session

    def get(self, sid: str, now: float | None = None) -> Session | None:
        """The live session for this id, or None (unknown, ended, idle or too old: then it is forgotten)."""
        if not sid or not self.db.exists():
            return None
        at = time.time() if now is None else now
        key = digest(sid)
        with self.db.connect() as db:
            row = db.execute("SELECT * FROM sessions WHERE digest = ?", (key,)).fetchone()
            if row is None:
                return None
            session = Session(
                digest=row["digest"],
                csrf=row["csrf"],
                created_at=row["created_at"],
                last_seen=row["last_seen"],
                user=row["user"],
                role=row["role"],
                regions=row["regions"],
                source=row["source"],
                client=row["client"],
                authenticated=bool(row["authenticated"]),
                data=json.loads(row["data"] or "{}"),
            )
            absolute = self.policy.absolute if session.authenticated else self.policy.pending
            if at - session.last_seen > self.policy.idle or at - session.created_at > absolute:
                db.execute("DELETE FROM sessions WHERE digest = ?", (key,))
                return None
            if at - session.last_seen > TOUCH_EVERY:
                db.execute("UPDATE sessions SET last_seen = ? WHERE digest = ?", (at, key))
                session.last_seen = at
        return session

    def save_data(self, session: Session) -> None:
        with self.db.connect() as db:
            db.execute("UPDATE sessions SET data = ? WHERE digest = ?", (json.dumps(session.data), session.digest))

    def end(self, session: Session) -> None:
        with self.db.connect() as db:
            db.execute("DELETE FROM sessions WHERE digest = ?", (session.digest,))

    def end_by_fingerprint(self, prefix: str) -> int:
        """End a session named by the fingerprint the admin page shows (12 hex digits of its digest)."""
        if len(prefix) < 12:
            return 0
        with self.db.connect() as db:
            return db.execute("DELETE FROM sessions WHERE substr(digest, 1, 12) = ?", (prefix[:12],)).rowcount

    def end_user(self, name: str) -> int:
        if not self.db.exists():
            return 0
        with self.db.connect() as db:
            return db.execute("DELETE FROM sessions WHERE user = ?", (name,)).rowcount

    def active(self, now: float | None = None) -> list[Session]:
        """Logged-in sessions that have not timed out, newest first."""
        at = time.time() if now is None else now
        self.prune(at)
        if not self.db.exists():
            return []
        with self.db.connect() as db:
            rows = db.execute(
                "SELECT digest, csrf, created_at, last_seen, user, role, regions, source, client FROM sessions "
                "WHERE authenticated = 1 ORDER BY created_at DESC"
            ).fetchall()
        return [
            Session(
                r["digest"],
                r["csrf"],
                r["created_at"],
                r["last_seen"],
                r["user"],
                r["role"],
                r["regions"],
                r["source"],
                r["client"],
                True,
            )
            for r in rows
        ]

    def prune(self, now: float) -> None:
        if not self.db.exists():
            return
        with self.db.connect() as db:
            db.execute(
                "DELETE FROM sessions WHERE last_seen < ? OR (authenticated = 1 AND created_at < ?) "
                "OR (authenticated = 0 AND created_at < ?)",
                (now - self.policy.idle, now - self.policy.absolute, now - self.policy.pending),
            )


@dataclass(frozen=True)
class Verdict:
    """The limiter's answer for one login attempt."""

    locked_until: float | None = None
    #: What is locked: ``user NAME`` or ``address IP``.
    what: str = ""


class LoginLimiter:
    def __init__(self, state_dir: Path, policy: LoginPolicy | None = None) -> None:
        self.db = AccessDB(state_dir)
        self.policy = policy or LoginPolicy()

    @staticmethod
    def _keys(name: str, client: str) -> list[tuple[str, str]]:
        return [(f"user:{name.lower()}", f"user {name}"), (f"client:{client}", f"address {client}")]

    def check(self, name: str, client: str, now: float | None = None) -> Verdict:
        """Whether a login attempt may be checked at all (asked before the password is)."""
        at = time.time() if now is None else now
        with self.db.connect() as db:
            for key, what in self._keys(name, client):
                row = db.execute("SELECT until FROM lockouts WHERE key = ?", (key,)).fetchone()
                if row is not None and row["until"] > at:
                    return Verdict(row["until"], what)
        return Verdict()

    def failed(self, name: str, client: str, now: float | None = None) -> Verdict:
        """Count a failed login; the verdict says whether it just locked the name or the address."""
        at = time.time() if now is None else now
        limits = {"user": self.policy.max_failures, "client": self.policy.per_client}
        verdict = Verdict()
        with self.db.connect() as db:
            db.execute("DELETE FROM failures WHERE at < ?", (at - self.policy.window,))
            for key, what in self._keys(name, client):
                db.execute("INSERT INTO failures (key, at) VALUES (?, ?)", (key, at))
                count = db.execute("SELECT COUNT(*) FROM failures WHERE key = ?", (key,)).fetchone()[0]
                if count >= limits[key.split(":", 1)[0]]:
                    until = at + self.policy.lockout
                    db.execute("INSERT OR REPLACE INTO lockouts (key, until) VALUES (?, ?)", (key, until))
                    db.execute("DELETE FROM failures WHERE key = ?", (key,))
                    verdict = verdict if verdict.locked_until else Verdict(until, what)
        return verdict

    def succeeded(self, name: str) -> None:
        with self.db.connect() as db:
            db.execute("DELETE FROM failures WHERE key = ?", (f"user:{name.lower()}",))

    def unlock(self, name: str) -> bool:
        if not self.db.exists():
            return False
        with self.db.connect() as db:
            key = f"user:{name.lower()}"
            db.execute("DELETE FROM failures WHERE key = ?", (key,))
            return db.execute("DELETE FROM lockouts WHERE key = ?", (key,)).rowcount > 0
