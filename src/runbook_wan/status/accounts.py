"""Local accounts of the pane: name, role, region scope, argon2 password, optional TOTP, API tokens.

Kept in :mod:`.access_db` (``<state>/access/accounts.sqlite``). The embedded default; people
from an identity provider log in through :mod:`.oidc` and are not stored here.

* Passwords are hashed with argon2id (``argon2-cffi``'s defaults, rehashed when they change).
* An optional second factor: a TOTP secret (``pyotp``, 30 s, 6 digits, one step of clock skew).
* API tokens (``Authorization: Bearer``) carry the user's role and scope; each is shown once and
  stored as its SHA-256 digest. Removing a user removes its tokens and ends its sessions.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from runbook_wan.ops.incidents import now_iso
from runbook_wan.results import Diagnostic, DiagnosticError
from runbook_wan.status.access_db import AccessDB, digest
from runbook_wan.status.authz import NAME_PATTERN, Actor, Role

MIN_PASSWORD_LENGTH = 10
#: Prefix of per-user API tokens: recognisable in a secret scanner, never a valid password.
TOKEN_PREFIX = "rbk_"
ALL_REGIONS = "*"

_HASHER = PasswordHasher()
#: Checked against when the name is unknown, so a wrong name costs what a wrong password costs.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    regions: frozenset[str] | None
    has_totp: bool
    created_at: str
    updated_at: str
    tokens: int = 0

    def actor(self, via: str) -> Actor:
        return Actor(self.name, self.role, self.regions, via)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "role": self.role.value,
            "regions": None if self.regions is None else sorted(self.regions),
            "totp": self.has_totp,
            "tokens": self.tokens,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def encode_regions(regions: Iterable[str] | None) -> str:
    return ALL_REGIONS if regions is None else json.dumps(sorted(set(regions)))


def decode_regions(text: str) -> frozenset[str] | None:
    return None if text == ALL_REGIONS else frozenset(json.loads(text))


def _error(code: str, message: str, hint: str) -> DiagnosticError:
    return DiagnosticError([Diagnostic(code, message, hint=hint)])


def check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise _error(
            "user-name",
            f"user name {name!r} is not valid",
            "lower-case letters, digits, '.', '_', '-' and '@', starting with a letter (at most 64)",
        )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise _error(
            "user-password", f"the password is shorter than {MIN_PASSWORD_LENGTH} characters", "choose a longer one"
        )
    if password != password.strip() or "\n" in password:
        raise _error("user-password", "the password starts or ends with a space", "remove the surrounding spaces")


class AccountStore:
    """Users and their tokens. ``any_accounts`` never creates the database."""

    def __init__(self, state_dir: Path) -> None:
        self.db = AccessDB(state_dir)

    # --- reading -------------------------------------------------------------------------------
    def any_accounts(self) -> bool:
        """True once any local account exists: from then on every page and API call needs a login."""
        if not self.db.exists():
            return False
        with self.db.connect() as db:
            return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def get(self, name: str) -> Account | None:
        if not self.db.exists():
            return None
        with self.db.connect() as db:
            row = db.execute(
                "SELECT u.*, (SELECT COUNT(*) FROM tokens t WHERE t.user = u.name) AS token_count "
                "FROM users u WHERE name = ?",
                (name,),
            ).fetchone()
        return _account(row) if row else None

    def list(self) -> list[Account]:
        if not self.db.exists():
            return []
        with self.db.connect() as db:
            rows = db.execute(
                "SELECT u.*, (SELECT COUNT(*) FROM tokens t WHERE t.user = u.name) AS token_count "
                "FROM users u ORDER BY name"
            ).fetchall()
        return [_account(r) for r in rows]

    # --- changing ------------------------------------------------------------------------------
    def add(self, name: str, role: Role, regions: Iterable[str] | None, password: str) -> Account:
        check_name(name)
        check_password(password)
        now = now_iso()
        with self.db.connect() as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise _error("user-exists", f"user {name} exists", f"change it: runbook.py users role {name} ROLE")
            db.execute(
                "INSERT INTO users (name, role, regions, password_hash, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, role.value, encode_regions(regions), _HASHER.hash(password), now, now),
            )
        found = self.get(name)
        assert found is not None
        return found

    def _require(self, name: str) -> Account:
        found = self.get(name)
        if found is None:
            raise _error("user-unknown", f"no user {name}", "see `runbook.py users list`")
        return found

    def remove(self, name: str) -> None:
        """The user, its tokens and its sessions: a removed user's token answers 401 at once."""
        self._require(name)
        with self.db.connect() as db:
            db.execute("DELETE FROM tokens WHERE user = ?", (name,))
            db.execute("DELETE FROM users WHERE name = ?", (name,))
            db.execute("DELETE FROM sessions WHERE user = ? AND source = 'local'", (name,))

    def set_password(self, name: str, password: str) -> None:
        """A new password ends the user's sessions (log in again)."""
        self._require(name)
        check_password(password)
        with self.db.connect() as db:
            db.execute(
                "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
                (_HASHER.hash(password), now_iso(), name),
            )
            db.execute("DELETE FROM sessions WHERE user = ? AND source = 'local'", (name,))

    def set_role(self, name: str, role: Role, regions: Iterable[str] | None) -> Account:
        """A new role or scope ends the user's sessions; its tokens carry the new role from now on."""
        self._require(name)
        with self.db.connect() as db:
            db.execute(
                "UPDATE users SET role = ?, regions = ?, updated_at = ? WHERE name = ?",
                (role.value, encode_regions(regions), now_iso(), name),
            )
            db.execute("DELETE FROM sessions WHERE user = ? AND source = 'local'", (name,))
        return self._require(name)

    def enable_totp(self, name: str) -> str:
        """A new TOTP secret for the user (shown once, for an authenticator app): its provisioning URI."""
        self._require(name)
        secret = pyotp.random_base32()
        with self.db.connect() as db:
            db.execute("UPDATE users SET totp_secret = ?, updated_at = ? WHERE name = ?", (secret, now_iso(), name))
        return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name="Runbook pane")

    def disable_totp(self, name: str) -> None:
        self._require(name)
        with self.db.connect() as db:
            db.execute("UPDATE users SET totp_secret = NULL, updated_at = ? WHERE name = ?", (now_iso(), name))

    def issue_token(self, name: str) -> str:
        """A new API token for the user: returned once, stored as its digest."""
        self._require(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.connect() as db:
            db.execute(
                "INSERT INTO tokens (digest, user, created_at) VALUES (?, ?, ?)", (digest(token), name, now_iso())
            )
        return token

    def revoke_tokens(self, name: str) -> int:
        self._require(name)
        with self.db.connect() as db:
            return db.execute("DELETE FROM tokens WHERE user = ?", (name,)).rowcount

    # --- authenticating ------------------------------------------------------------------------
    def check_password(self, name: str, password: str) -> Account | None:
        """The account when the password is right (rehashed if argon2's parameters changed), else None."""
        row = None
        if self.db.exists():
            with self.db.connect() as db:
                row = db.execute("SELECT name, password_hash FROM users WHERE name = ?", (name,)).fetchone()
        stored = row["password_hash"] if row and row["password_hash"] else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _HASHER.check_needs_rehash(stored):
            with self.db.connect() as db:
                db.execute("UPDATE users SET password_hash = ? WHERE name = ?", (_HASHER.hash(password), name))
        return self.get(name)

    def check_totp(self, name: str, code: str) -> bool:
        """True when the user has no second factor, or ``code`` is its current TOTP (one step of skew)."""
        with self.db.connect() as db:
            row = db.execute("SELECT totp_secret FROM users WHERE name = ?", (name,)).fetchone()
        if row is None or not row["totp_secret"]:
            return True
        return bool(code) and pyotp.TOTP(row["totp_secret"]).verify(code.strip(), valid_window=1)

    def by_token(self, token: str) -> Account | None:
        """The account an API token belongs to (None: unknown, or its user was removed)."""
        if not token.startswith(TOKEN_PREFIX) or not self.db.exists():
            return None
        with self.db.connect() as db:
            row = db.execute("SELECT user FROM tokens WHERE digest = ?", (digest(token),)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE tokens SET last_used_at = ? WHERE digest = ?", (now_iso(), digest(token)))
        return self.get(row["user"])


def _account(r: sqlite3.Row) -> Account:
    return Account(
        name=r["name"],
        role=Role(r["role"]),
        regions=decode_regions(r["regions"]),
        has_totp=bool(r["totp_secret"]),
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        tokens=int(r["token_count"]),
    )
