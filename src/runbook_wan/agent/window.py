"""Probe samples and what a window of them says: loss, latency and jitter (pure, no clock).

A sample is one probe: when it was sent (the agent's monotonic clock) and its round-trip time,
or None when no reply came in time. The figures are one-way estimates, comparable with the
policies' SLAs: latency is half the mean round trip; jitter is half the mean absolute difference
of consecutive round trips (the interarrival-jitter idea of RFC 3550, from round trips, because
fping sees round trips only).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

#: A window is judged only when it holds at least this share of the probes it should hold.
MIN_FILL = 0.5


@dataclass(frozen=True)
class Sample:
    sent: float
    rtt_s: float | None

    @property
    def lost(self) -> bool:
        return self.rtt_s is None


@dataclass(frozen=True)
class WindowStats:
    """One window of one circuit."""

    sent: int
    lost: int
    latency_s: float | None
    jitter_s: float | None
    #: Probes the window should hold at the circuit's rate (for the fill check).
    expected: int

    @property
    def loss_ratio(self) -> float:
        return self.lost / self.sent if self.sent else 0.0

    @property
    def received(self) -> int:
        return self.sent - self.lost

    @property
    def enough(self) -> bool:
        """Enough samples to judge (a circuit just started, or an agent just restarted, is not)."""
        return self.expected > 0 and self.sent >= MIN_FILL * self.expected


def stats(samples: Iterable[Sample], expected: int) -> WindowStats:
    ordered = sorted(samples, key=lambda s: s.sent)
    rtts = [s.rtt_s for s in ordered if s.rtt_s is not None]
    lost = sum(1 for s in ordered if s.rtt_s is None)
    latency = sum(rtts) / len(rtts) / 2 if rtts else None
    diffs = [abs(b - a) for a, b in pairwise(rtts)]
    jitter = sum(diffs) / len(diffs) / 2 if diffs else (0.0 if rtts else None)
    return WindowStats(sent=len(ordered), lost=lost, latency_s=latency, jitter_s=jitter, expected=expected)


class SampleWindow:
    """The samples of the last ``window_s`` seconds of one circuit (a bounded deque)."""

    def __init__(self, window_s: float, interval_s: float) -> None:
        self.window_s = window_s
        self.interval_s = interval_s
        self._samples: deque[Sample] = deque()

    def add(self, sample: Sample) -> None:
        self._samples.append(sample)

    def extend(self, samples: Iterable[Sample]) -> None:
        for sample in samples:
            self.add(sample)

    def trim(self, now: float) -> None:
        """Forget samples older than a window (they never count again)."""
        cutoff = now - self.window_s
        while self._samples and self._samples[0].sent < cutoff:
            self._samples.popleft()

    def stats(self, now: float) -> WindowStats:
        self.trim(now)
        return stats(self._samples, expected=int(self.window_s / self.interval_s))

    def __len__(self) -> int:
        return len(self._samples)
