"""Source: the incident store the notifier writes (``<state>/monitor/incidents.sqlite``), read only."""

from __future__ import annotations

from pathlib import Path

from runbook_wan.ops.incidents import Incident, IncidentStore
from runbook_wan.ops.sqlite_open import StoreError
from runbook_wan.ops.stack import incidents_path

#: Incidents per page: every open one, and the most recent resolved ones.
RECENT = 500


def read(state_dir: Path) -> tuple[list[Incident], str | None]:
    """Newest first, and why there are none when the store cannot be read (None: nothing to say).

    No store yet (no notifier has run) is not a problem; a broken, unreadable or locked one is
    shown on the pane with the reason and the fix.
    """
    path = incidents_path(state_dir)
    if not path.is_file():
        return [], None
    try:
        return IncidentStore(path, readonly=True).incidents(limit=RECENT), None
    except StoreError as exc:
        [problem] = exc.diagnostics
        return [], f"incidents unknown: {problem.message}; {problem.hint}"
