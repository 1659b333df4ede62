"""Source: the ten-minute promise from the incident store (read only), as ``report engagement`` computes it.

The last 30 days (the notifier exports the same figures as metrics) and every page still
waiting for an answer. Nothing when no notifier has written a store yet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from runbook_wan.ops.incidents import IncidentStore
from runbook_wan.ops.sqlite_open import StoreError
from runbook_wan.ops.stack import incidents_path
from runbook_wan.report.engagement import engagement
from runbook_wan.report.period import Period
from runbook_wan.status.model import EngagementView

WINDOW_DAYS = 30


def read(state_dir: Path, now: datetime | None = None) -> EngagementView | None:
    path = incidents_path(state_dir)
    if not path.is_file():
        return None
    now = now or datetime.now(UTC)
    try:
        store = IncidentStore(path, readonly=True)
        report = engagement(store, Period(now - timedelta(days=WINDOW_DAYS), now), now)
        regions = {i.id: i.region for i in store.incidents(limit=1_000_000)}
    except StoreError:
        return None  # unreadable: the incidents source puts the reason on the pane
    return EngagementView(report, regions, WINDOW_DAYS)
