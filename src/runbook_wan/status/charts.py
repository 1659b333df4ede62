"""Small inline SVG charts of the last 24 h, as numbers only: the template draws them, nothing runs in the page.

A chart is a few polylines (one per stretch of samples without a gap), an optional dashed line at
the SLA threshold, and the latest and peak values as text. Every coordinate is a number formatted
here, so nothing from the intents or Prometheus labels reaches the SVG markup; the titles pass
through the template's autoescaping like any other text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 240
HEIGHT = 48
#: Padding inside the box, in px (the line never touches the border).
PAD = 2.0
#: Headroom above the highest of peak and threshold.
HEADROOM = 1.15


@dataclass(frozen=True)
class Chart:
    name: str  # "loss" or "latency"
    #: ``"x,y x,y ..."`` per stretch of samples without a gap.
    lines: list[str]
    latest: str
    peak: str
    #: The SLA threshold's y (None: no threshold) and its text.
    threshold_y: float | None
    threshold: str
    #: The peak is above the threshold.
    breached: bool
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def empty(self) -> bool:
        return not self.lines


def _y(value: float, top: float) -> float:
    return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * min(value, top) / top, 1)


def build(
    name: str,
    points: Sequence[tuple[float, float]],
    start: float,
    end: float,
    step: float,
    *,
    threshold: float | None,
    floor: float,
    fmt: Callable[[float | None], str],
) -> Chart:
    """``points`` (unix time, value) between ``start`` and ``end``, sampled every ``step`` s; a gap of
    more than 1.5 steps starts a new line. ``floor``: the smallest full scale (a flat zero sits low)."""
    ordered = sorted((t, v) for t, v in points if start <= t <= end and math.isfinite(v))
    peak = max((v for _, v in ordered), default=None)
    top = max(floor, peak or 0.0, threshold or 0.0) * HEADROOM
    span = max(end - start, 1.0)
    lines: list[str] = []
    current: list[str] = []
    previous: float | None = None
    for t, v in ordered:
        if previous is not None and t - previous > 1.5 * step and current:
            lines.append(" ".join(current))
            current = []
        x = round(PAD + (WIDTH - 2 * PAD) * (t - start) / span, 1)
        current.append(f"{x:g},{_y(v, top):g}")
        previous = t
    if current:
        if len(current) == 1:  # one sample: a short flat stroke, visible
            first_x, first_y = current[0].split(",")
            current.append(f"{float(first_x) + 1.5:g},{first_y}")
        lines.append(" ".join(current))
    return Chart(
        name=name,
        lines=lines,
        latest=fmt(ordered[-1][1] if ordered else None),
        peak=fmt(peak),
        threshold_y=None if threshold is None else _y(threshold, top),
        threshold=fmt(threshold),
        breached=peak is not None and threshold is not None and peak > threshold,
    )
