"""Per-contact rate limits (pure: the windows, the times already sent, the time now in; the verdict out).

A contact may get at most N messages of a kind in each window (``notify.rate_limits``, GoAlert's
numbers by default: SMS 5 per 15 min, 11 per hour, 21 per 3 h; calls 3 / 7 / 15). A page over a
limit waits until the window allows it (:func:`allowed_at`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from runbook_wan.model.notifications import window_seconds


@dataclass(frozen=True)
class Exceeded:
    """The window that holds a page back: ``most`` messages were already sent in ``window``."""

    window: str
    most: int
    #: When the oldest message that counts against the window leaves it (the page may go then).
    allowed_at: datetime


def exceeded(windows: Mapping[str, int], sent: Iterable[datetime], now: datetime) -> Exceeded | None:
    """The window that holds a page back longest (None: a page may go now).

    ``sent`` are the times messages of this kind went to this contact (any order); a message
    counts against a window while it is younger than the window; those after ``now`` do not count.
    """
    times = sorted(at for at in sent if at <= now)
    found: list[Exceeded] = []
    for window, most in windows.items():
        length = timedelta(seconds=window_seconds(window))
        inside = [at for at in times if at > now - length]
        if len(inside) >= most:
            # The page may go once enough of them have aged out that fewer than `most` remain.
            found.append(Exceeded(window, most, inside[len(inside) - most] + length))
    return max(found, key=lambda e: (e.allowed_at, window_seconds(e.window)), default=None)


def longest_window(windows: Mapping[str, int]) -> float:
    """Seconds of the longest window (how far back sent messages matter); 0 without limits."""
    return max((window_seconds(w) for w in windows), default=0.0)
