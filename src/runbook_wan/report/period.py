"""The period a report covers: ``--since`` / ``--until`` as a date, a date and time, or an age."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from runbook_wan.results import Diagnostic, DiagnosticError

_AGE = re.compile(r"(\d+)([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(text: str, option: str, now: datetime) -> datetime:
    """``2026-11-01``, ``2026-11-01T08:00`` (UTC unless an offset is given), or an age: ``30d``, ``12h``."""
    value = text.strip()
    age = _AGE.fullmatch(value)
    if age:
        return now - timedelta(**{_UNITS[age.group(2)]: int(age.group(1))})
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DiagnosticError(
            [
                Diagnostic(
                    "report-date",
                    f"{option} {text!r} is not a date",
                    hint="write 2026-11-01, 2026-11-01T08:00 (UTC), 2026-11-01T08:00+01:00, or an age: 30d, 12h",
                )
            ]
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @classmethod
    def from_options(
        cls, since: str | None, until: str | None, default_days: int, now: datetime | None = None
    ) -> Period:
        now = now or datetime.now(UTC)
        end = parse_when(until, "--until", now) if until else now
        start = parse_when(since, "--since", now) if since else end - timedelta(days=default_days)
        if start >= end:
            raise DiagnosticError(
                [
                    Diagnostic(
                        "report-period",
                        f"the period is empty: --since {iso(start)} is not before --until {iso(end)}",
                        hint="pick a start before the end",
                    )
                ]
            )
        return cls(start, end)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(seconds: float | None) -> str:
    """``1h 02m``, ``4m 05s``, ``12s``; ``-`` for None."""
    if seconds is None:
        return "-"
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
