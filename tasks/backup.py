"""Back up running configs before a change, into ``<state>/backups/<site>/``.

Backups are masked (known secret values become ``<secret:NAME>`` tokens) and mode 600; a
restore resolves the tokens again at push time. Where the platform deploys files beside the config
(``platforms/*.yaml`` ``artifacts``: FRR's classifier and agent policy), the device's copies are
kept beside the backup with the artifact's suffix (``<stamp>-<label>.nft``); a backup with no such
file means the device had none.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nornir.core.task import Result, Task

from runbook_wan.credentials.redact import Redactor
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.tasks.connection import device
from runbook_wan.tasks.sidecars import read_device_files

SUFFIX = ".cfg"


@dataclass(frozen=True)
class BackupRecord:
    path: Path
    sha256: str
    #: The running config as read, secrets included: kept in memory to restore and verify, never written.
    raw: str = ""
    #: The device's artifact files as read, by suffix (None: the device had none).
    files: dict[str, str | None] = field(default_factory=dict)


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


class BackupStore:
    def __init__(self, root: Path, redactor: Redactor) -> None:
        self.root = root
        self.redactor = redactor

    def save(self, site: str, text: str, label: str, files: Mapping[str, str | None] | None = None) -> BackupRecord:
        masked = self.redactor.mask(text)
        folder = self.root / site
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        path = folder / f"{stamp}-{label}{SUFFIX}"
        _write(path, masked)
        for suffix, content in (files or {}).items():
            if content is not None:
                _write(path.with_name(path.name.removesuffix(SUFFIX) + suffix), self.redactor.mask(content))
        return BackupRecord(path, hashlib.sha256(masked.encode()).hexdigest(), text, dict(files or {}))

    def backups(self, site: str) -> list[Path]:
        folder = self.root / site
        return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []

    def latest(self, site: str) -> Path | None:
        found = self.backups(site)
        return found[-1] if found else None

    @staticmethod
    def files_of(backup: Path, platform: PlatformSpec) -> dict[str, str | None]:
        """The artifact files kept beside ``backup`` (a config backup), by suffix; None where none was."""
        stem = backup.name.removesuffix(SUFFIX)
        found: dict[str, str | None] = {}
        for artifact in platform.artifacts:
            path = backup.with_name(stem + artifact.suffix)
            found[artifact.suffix] = path.read_text(encoding="utf-8") if path.is_file() else None
        return found


def backup_running(task: Task, store: BackupStore, label: str, platform: PlatformSpec | None = None) -> Result:
    driver = device(task)
    running = driver.get_config(retrieve="running")["running"]
    files = read_device_files(driver, platform) if platform is not None else {}
    record = store.save(task.host.name, running, label, files)
    return Result(host=task.host, result=record)
