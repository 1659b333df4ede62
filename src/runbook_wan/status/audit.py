"""Who logged in and who did what: the access and action records of the audit log.

The same append-only file and format as deploy's (:mod:`runbook_wan.rollout.audit`,
``<state>/audit.log``: one JSON object per line with ``ts`` and ``event``, written with a single
``O_APPEND`` write, masked), so ``runbook.py audit`` and the admin's audit page show a change
rolled out by ``deploy`` and an incident acknowledged on the pane in one timeline.

Every access record carries: ``user``, ``role``, ``via`` (``pane``, ``api``, ``cli``, ``sms``,
``voice``, ``chat``, ``email``, ...), ``from`` (the client address, or the phone number /
channel id the notifier saw, masked as it masks them), ``target`` (an incident, a silence, a
site, a user) and ``result`` (``ok``, ``refused``, ``not-found``, ``locked``, ``error``), plus
details of the event. Never a password, token or session id: callers pass none, and the log's
redactor masks every secret the process resolved.

Events: ``login``, ``login-failed``, ``login-lockout``, ``logout``, ``incident-ack``,
``incident-resolve``, ``silence-add``, ``silence-expire``, ``drift-check``, ``user-add``,
``user-remove``, ``user-passwd``, ``user-role``, ``user-token``, ``user-totp``, ``user-unlock``,
``session-end``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runbook_wan.credentials.redact import Redactor
from runbook_wan.report.lead_time import read_audit
from runbook_wan.rollout.audit import AuditLog, audit_path
from runbook_wan.status.authz import Actor

LOGIN = "login"
LOGIN_FAILED = "login-failed"
LOCKOUT = "login-lockout"
LOGOUT = "logout"
#: The access and action events this module writes (the rest of the log is deploy's).
ACCESS_EVENTS = frozenset(
    {
        LOGIN,
        LOGIN_FAILED,
        LOCKOUT,
        LOGOUT,
        "incident-ack",
        "incident-resolve",
        "silence-add",
        "silence-expire",
        "drift-check",
        "user-add",
        "user-remove",
        "user-passwd",
        "user-role",
        "user-token",
        "user-totp",
        "user-unlock",
        "session-end",
        "users",
        "audit-read",
    }
)


def record(
    state_dir: Path,
    redactor: Redactor,
    event: str,
    *,
    actor: Actor | None = None,
    user: str = "",
    role: str = "",
    via: str = "",
    client: str = "",
    target: str = "",
    result: str = "ok",
    **detail: Any,
) -> None:
    """Append one access or action record. ``actor`` fills user, role and via (or pass them: a failed login)."""
    if actor is not None:
        user, role, via = actor.name, actor.role.value, actor.via
    AuditLog(audit_path(state_dir), redactor).append(
        event, user=user, role=role, via=via, target=target, result=result, **{"from": client}, **detail
    )


@dataclass(frozen=True)
class Entry:
    at: datetime
    event: str
    fields: dict[str, Any]

    @property
    def user(self) -> str:
        return str(self.fields.get("user", ""))

    def to_dict(self) -> dict[str, Any]:
        return self.fields

    def summary(self) -> str:
        """The details beyond who, when, from where, what and the result, as ``key=value``."""
        skip = {"ts", "event", "user", "role", "via", "from", "target", "result"}
        return " ".join(f"{k}={v}" for k, v in sorted(self.fields.items()) if k not in skip and v not in ("", None))


def read(
    state_dir: Path,
    since: datetime | None = None,
    events: Iterable[str] | None = None,
    user: str | None = None,
) -> list[Entry]:
    """Records oldest first, optionally from ``since``, of some events, or of one user."""
    wanted = set(events) if events is not None else None
    found = []
    for e in read_audit(audit_path(state_dir)):
        if since is not None and e.at < since:
            continue
        if wanted is not None and e.event not in wanted:
            continue
        if user is not None and str(e.fields.get("user", "")) != user:
            continue
        found.append(Entry(e.at.astimezone(UTC), e.event, e.fields))
    return found
