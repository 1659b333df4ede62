"""Source: the latest drift result per site (``<state>/drift/``, written by drift, deploy and the probe)."""

from __future__ import annotations

from pathlib import Path

from runbook_wan.drift.model import DriftResult
from runbook_wan.drift.store import DriftStore


def read(state_dir: Path) -> dict[str, DriftResult]:
    return DriftStore(state_dir).all()
