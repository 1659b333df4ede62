"""Source: the incident store the notifier writes (``<state>/monitor/incidents.sqlite``), read only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from runbook_wan.ops.incidents import Incident, IncidentStore
from runbook_wan.ops.stack import incidents_path

#: Incidents per page: every open one, and the most recent resolved ones.
RECENT = 500


def read(state_dir: Path) -> list[Incident]:
    """Newest first; nothing when no notifier has written a store yet."""
    path = incidents_path(state_dir)
    if not path.is_file():
        return []
    try:
        return IncidentStore(path, readonly=True).incidents(limit=RECENT)
    except sqlite3.Error:
        return []  # a store being created right now: the next refresh reads it
