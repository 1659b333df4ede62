"""Append-only JSON-lines files (journal, audit log): one masked record per line, mode 600."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from runbook_wan.credentials.redact import Redactor


class JsonLines:
    def __init__(self, path: Path, redactor: Redactor, fsync: bool = False) -> None:
        self.path = path
        self.redactor = redactor
        self.fsync = fsync
        path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, record: dict[str, Any]) -> None:
        """One ``write(2)`` with O_APPEND, so lines from parallel writers never interleave."""
        line = self.redactor.mask(json.dumps(record, sort_keys=True, default=str)) + "\n"
        fd = os.open(self.path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        try:
            os.write(fd, line.encode())
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
