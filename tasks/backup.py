"""Back up running configs before a change, into ``<state>/backups/<site>/``.

Backups are masked (known secret values become ``<secret:NAME>`` tokens) and mode 600; a
restore resolves the tokens again at push time.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from nornir.core.task import Result, Task

from runbook_wan.credentials.redact import Redactor
from runbook_wan.tasks.connection import device


@dataclass(frozen=True)
class BackupRecord:
    path: Path
    sha256: str
    #: The running config as read, secrets included: kept in memory to restore and verify, never written.
    raw: str = ""


class BackupStore:
    def __init__(self, root: Path, redactor: Redactor) -> None:
        self.root = root
        self.redactor = redactor

    def save(self, site: str, text: str, label: str) -> BackupRecord:
        masked = self.redactor.mask(text)
        folder = self.root / site
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        path = folder / f"{stamp}-{label}.cfg"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(masked)
        return BackupRecord(path, hashlib.sha256(masked.encode()).hexdigest(), text)

    def backups(self, site: str) -> list[Path]:
        folder = self.root / site
        return sorted(folder.glob("*.cfg")) if folder.is_dir() else []

    def latest(self, site: str) -> Path | None:
        found = self.backups(site)
        return found[-1] if found else None


def backup_running(task: Task, store: BackupStore, label: str) -> Result:
    running = device(task).get_config(retrieve="running")["running"]
    record = store.save(task.host.name, running, label)
    return Result(host=task.host, result=record)
