"""The rollout journal: one JSON object per line, one line per step, so a rollout can resume.

Line kinds: ``rollout`` (the header: options, waves, per-site config hashes), ``step`` (a site
moved through a deploy step), ``site`` (a site's final outcome), ``wave`` and ``end``.
Values are masked by the caller's redactor before they are written.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from runbook_wan.credentials.redact import Redactor
from runbook_wan.rollout.jsonlines import JsonLines


def rollouts_dir(state: Path) -> Path:
    return state / "rollouts"


def journal_path(state: Path, rollout_id: str) -> Path:
    return rollouts_dir(state) / rollout_id / "journal.jsonl"


class Journal:
    def __init__(self, path: Path, redactor: Redactor) -> None:
        self.path = path
        self._lines = JsonLines(path, redactor, fsync=True)  # a resume must find every step that happened

    def write(self, kind: str, **fields: Any) -> None:
        self._lines.append({"ts": round(time.time(), 3), "kind": kind, **fields})

    def records(self) -> Iterator[dict[str, Any]]:
        return read_journal(self.path)


def read_journal(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        if line.strip():
            try:
                yield json.loads(line)
            except ValueError:
                continue  # a torn last line from a killed controller
