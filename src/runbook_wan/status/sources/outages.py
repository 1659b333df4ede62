"""Source: what of the monitoring stack was down lately, from the supervisor's log (``monitor/outages.jsonl``).

Every service the supervisor had to start again in the last day is one line on the pane: while it
is down ("since ..."), and afterwards with how long it was down, so an operator knows why a graph
has a gap or why an alert came late.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from runbook_wan.ops.stack import Outage, read_outages

#: Outages shown: those still going on, and those over within this window.
WINDOW = timedelta(hours=24)


def _seconds(start: str, end: str) -> int:
    parse = "%Y-%m-%dT%H:%M:%SZ"
    return int((datetime.strptime(end, parse) - datetime.strptime(start, parse)).total_seconds())


def describe(outage: Outage) -> str:
    if outage.up_at is None:
        tail = f" ({outage.problem})" if outage.problem else ""
        return f"{outage.service} is down since {outage.down_at}: the supervisor is starting it again{tail}"
    took = _seconds(outage.down_at, outage.up_at)
    return (
        f"{outage.service} was down from {outage.down_at} to {outage.up_at} ({took} s); the supervisor started it again"
    )


def read(state_dir: Path, now: datetime | None = None) -> list[str]:
    """One line per outage of the last day, oldest first."""
    since = (now or datetime.now(UTC)) - WINDOW
    return [describe(o) for o in read_outages(state_dir, since)]
