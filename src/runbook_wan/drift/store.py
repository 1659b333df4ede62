"""The latest drift result per site: ``<state>/drift/<site>.json`` (the status page reads it).

Each file is written whole (temporary file + rename), masked by the caller's redactor, mode 600.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from runbook_wan.credentials.redact import Redactor
from runbook_wan.drift.model import DriftResult

DRIFT_SUBDIR = "drift"


def drift_dir(state_dir: Path) -> Path:
    return state_dir / DRIFT_SUBDIR


class DriftStore:
    def __init__(self, state_dir: Path, redactor: Redactor | None = None) -> None:
        self.root = drift_dir(state_dir)
        self.redactor = redactor or Redactor()

    def path(self, site: str) -> Path:
        return self.root / f"{site}.json"

    def save(self, result: DriftResult) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.path(result.site)
        text = self.redactor.mask(json.dumps(result.to_dict(), indent=2, ensure_ascii=False)) + "\n"
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{result.site}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def load(self, site: str) -> DriftResult | None:
        try:
            return DriftResult.from_dict(json.loads(self.path(site).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def all(self) -> dict[str, DriftResult]:
        if not self.root.is_dir():
            return {}
        found = {}
        for path in sorted(self.root.glob("*.json")):
            result = self.load(path.stem)
            if result is not None:
                found[result.site] = result
        return found
