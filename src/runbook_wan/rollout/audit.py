"""Append-only audit log: who deployed what, from which intents commit, with config hashes.

Events: ``rollout-start``, ``site``, ``rollout-end`` (deploy), ``rollback``, and the stages of a
change that ``report lead-time`` follows: ``plan``, ``validate``, ``verify`` (each with the
``intents_commit`` it ran on). Every record has ``ts`` and ``event``.
"""

from __future__ import annotations

import getpass
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from runbook_wan.credentials.redact import Redactor
from runbook_wan.rollout.jsonlines import JsonLines


def current_user() -> str:
    return os.environ.get("RUNBOOK_USER") or getpass.getuser()


def intents_commit(intents_dir: Path) -> str:
    """The git commit of the intents folder, with ``+dirty`` when it has uncommitted changes."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=intents_dir, capture_output=True, text=True, check=False)

    head = git("rev-parse", "HEAD")
    if head.returncode != 0:
        return "not-in-git"
    dirty = git("status", "--porcelain", "--", ".").stdout.strip()
    return head.stdout.strip() + ("+dirty" if dirty else "")


class AuditLog:
    def __init__(self, path: Path, redactor: Redactor) -> None:
        self.path = path
        self._lines = JsonLines(path, redactor)

    def append(self, event: str, **fields: Any) -> None:
        self._lines.append({"ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "event": event, **fields})


def audit_path(state_dir: Path) -> Path:
    return state_dir / "audit.log"


def record_stage(state_dir: Path, redactor: Redactor, intents_dir: Path, event: str, **fields: Any) -> str | None:
    """Append a stage record (plan, validate, verify) with user and intents commit.

    Best effort: these commands only read, so an audit log that cannot be written is a warning
    (returned), not a failure.
    """
    try:
        AuditLog(audit_path(state_dir), redactor).append(
            event, user=current_user(), intents_commit=intents_commit(intents_dir), **fields
        )
    except OSError as exc:
        return f"audit log not written ({audit_path(state_dir)}): {exc.strerror or exc}"
    return None
