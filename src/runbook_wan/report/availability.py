"""Availability per site from the monitoring data: the share of time it could pass and receive traffic.

The promise is 100 % location-level uptime: a site is *up* while any circuit passes traffic
(``runbook:site_up``, or the raw ``runbook_circuit_up`` of its circuits when the recording rule
has no data). Time is cut on a grid of the sampling interval ``I`` (the Prometheus scrape or
rule interval): at each grid point the site is up (1), down (0) or **unknown**: no sample in the
last 1.5 ``I`` (the half interval absorbs scrape jitter; a single missed scrape is bridged by the
previous sample, a longer gap is unknown, never up). Each point stands for ``I`` seconds.

Two passes keep 30 days x 80 sites cheap: per window of ``k`` points, ``count_over_time`` and
``sum_over_time`` of a ``[W:I]`` subquery say how many points were known and up; only windows that
are neither all up, all down nor all unknown are read point by point. Windows end half an interval
after a grid point, so no point ever sits on a window boundary.

Availability = up / (up + down) over the known time; coverage = known / all. Every interval the
site was down or unknown is listed: that is what a service credit is computed from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.ops import metrics
from runbook_wan.report.period import Period, iso
from runbook_wan.report.prometheus import MAX_POINTS, PrometheusClient, Series, fmt_duration

State = Literal["up", "down", "unknown"]
Source = Literal["site_up", "circuit_up"]
#: Points per coarse window, at least (windows grow so one request holds the whole period).
MIN_WINDOW_POINTS = 20
FRESHNESS = 1.5


def point_expr(source: Source, interval: float, site: str | None = None) -> str:
    """Per site, at each evaluation time: 1 up, 0 down, no value when it is not known.

    From the raw circuit metric: up while any circuit with a fresh sample is up; down only while
    every circuit has a fresh sample and all are down; otherwise unknown.
    """
    metric = metrics.SITE_UP if source == "site_up" else metrics.CIRCUIT_UP
    selector = f'{metric}{{{metrics.SITE}="{site}"}}' if site else metric
    fresh = f"({selector} and (time() - timestamp({selector}) <= {interval * FRESHNESS:g}))"
    by_site = f"max by ({metrics.SITE}) ({fresh})"
    if source == "site_up":
        return by_site
    every = f"count by ({metrics.SITE}) ({fresh}) >= {len(CIRCUIT_ROLES)}"
    return f"({by_site} > 0) or ({by_site} == 0 and on ({metrics.SITE}) ({every}))"


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    state: State

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        return {"start": iso(self.start), "end": iso(self.end), "seconds": self.seconds, "state": self.state}


@dataclass
class SiteAvailability:
    site: str
    region: str
    up_s: float = 0.0
    down_s: float = 0.0
    unknown_s: float = 0.0
    intervals: list[Interval] = field(default_factory=list)  # down and unknown, in time order

    @property
    def known_s(self) -> float:
        return self.up_s + self.down_s

    @property
    def availability(self) -> float | None:
        """Up share of the known time (None when nothing is known)."""
        return self.up_s / self.known_s if self.known_s else None

    @property
    def coverage(self) -> float:
        total = self.known_s + self.unknown_s
        return self.known_s / total if total else 0.0

    @property
    def promise_kept(self) -> bool:
        return self.down_s == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "region": self.region,
            "availability": self.availability,
            "coverage": round(self.coverage, 6),
            "up_s": self.up_s,
            "down_s": self.down_s,
            "unknown_s": self.unknown_s,
            "promise_kept": self.promise_kept,
            "intervals": [i.to_dict() for i in self.intervals],
        }


@dataclass
class AvailabilityReport:
    period: Period  # as measured: snapped to the grid
    interval_s: float
    source: Source
    prometheus: str
    sites: list[SiteAvailability]

    @property
    def breached(self) -> list[SiteAvailability]:
        return [s for s in self.sites if not s.promise_kept]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": {"since": iso(self.period.start), "until": iso(self.period.end)},
            "interval_s": self.interval_s,
            "source": metrics.SITE_UP if self.source == "site_up" else metrics.CIRCUIT_UP,
            "prometheus": self.prometheus,
            "promise": 1.0,
            "summary": {
                "sites": len(self.sites),
                "breached": len(self.breached),
                "down_s": sum(s.down_s for s in self.sites),
                "unknown_s": sum(s.unknown_s for s in self.sites),
            },
            "sites": [s.to_dict() for s in self.sites],
        }


@dataclass(frozen=True)
class _Grid:
    first: float  # unix time of the first point
    interval: float
    count: int  # points
    per_window: int  # points per coarse window

    @property
    def windows(self) -> int:
        return math.ceil(self.count / self.per_window)

    def window_points(self, window: int) -> int:
        return min(self.per_window, self.count - window * self.per_window)

    def point(self, index: int) -> float:
        return self.first + index * self.interval


def _grid(period: Period, interval: float) -> _Grid:
    first = math.ceil(period.start.timestamp() / interval) * interval
    count = max(0, math.floor((period.end.timestamp() - first) / interval))
    per_window = max(MIN_WINDOW_POINTS, math.ceil(count / MAX_POINTS))
    return _Grid(first, interval, count, per_window)


def _by_site(series: list[Series]) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for s in series:
        site = s.labels.get(metrics.SITE, "")
        out.setdefault(site, {}).update({round(t * 1000): v for t, v in s.points})
    return out


def _coarse(client: PrometheusClient, grid: _Grid, expr: str) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Known and up point counts per window, per site."""
    known: dict[str, list[int]] = {}
    up: dict[str, list[int]] = {}
    full = grid.count // grid.per_window
    width = grid.per_window * grid.interval
    step = fmt_duration(grid.interval)

    def window_end(window: int, points: int) -> float:
        return grid.point(window * grid.per_window + points) - grid.interval / 2

    def collect(target: dict[str, list[int]], window: int, values: dict[str, dict[int, float]], at: float) -> None:
        for site, by_time in values.items():
            row = target.setdefault(site, [0] * grid.windows)
            row[window] = int(by_time.get(round(at * 1000), 0))

    for name, target in (("count_over_time", known), ("sum_over_time", up)):
        if full:
            query = f"{name}(({expr})[{fmt_duration(width)}:{step}])"
            first_end = window_end(0, grid.per_window)
            values = _by_site(client.query_range(query, first_end, window_end(full - 1, grid.per_window), width))
            for window in range(full):
                collect(target, window, values, first_end + window * width)
        tail = grid.count - full * grid.per_window
        if tail:
            at = window_end(full, tail)
            query = f"{name}(({expr})[{fmt_duration(tail * grid.interval)}:{step}])"
            collect(target, full, _by_site(client.query(query, at)), at)
    return known, up


def _states(
    client: PrometheusClient, grid: _Grid, source: Source, site: str, known: list[int], up: list[int]
) -> list[State]:
    states: list[State] = []
    pending: list[int] = []  # consecutive mixed windows, read point by point in one request

    def flush() -> None:
        if not pending:
            return
        first = pending[0] * grid.per_window
        last = pending[-1] * grid.per_window + grid.window_points(pending[-1]) - 1
        values = _by_site(
            client.query_range(
                point_expr(source, grid.interval, site), grid.point(first), grid.point(last), grid.interval
            )
        ).get(site, {})
        for index in range(first, last + 1):
            value = values.get(round(grid.point(index) * 1000))
            states.append("unknown" if value is None else ("up" if value >= 1 else "down"))
        pending.clear()

    for window in range(grid.windows):
        points = grid.window_points(window)
        pure: State | None = None
        if known[window] == 0:
            pure = "unknown"
        elif known[window] == points and up[window] in (0, points):
            pure = "up" if up[window] == points else "down"
        if pure is None:
            pending.append(window)
            continue
        flush()
        states += [pure] * points
    flush()
    return states


def _summarise(result: SiteAvailability, grid: _Grid, states: list[State]) -> None:
    run_start = 0
    for index in range(1, len(states) + 1):
        if index < len(states) and states[index] == states[run_start]:
            continue
        state = states[run_start]
        seconds = (index - run_start) * grid.interval
        if state == "up":
            result.up_s += seconds
        else:
            if state == "down":
                result.down_s += seconds
            else:
                result.unknown_s += seconds
            result.intervals.append(
                Interval(
                    datetime.fromtimestamp(grid.point(run_start), UTC),
                    datetime.fromtimestamp(grid.point(index), UTC),
                    state,
                )
            )
        run_start = index


def has_data(client: PrometheusClient, source: Source, period: Period) -> bool:
    metric = metrics.SITE_UP if source == "site_up" else metrics.CIRCUIT_UP
    return client.has_series(metric, period.start.timestamp(), period.end.timestamp())


def _pick(client: PrometheusClient, period: Period) -> Source:
    """The recording rule when it has data in the period, else the raw circuit metric."""
    return "site_up" if has_data(client, "site_up", period) else "circuit_up"


def availability(
    client: PrometheusClient,
    sites: dict[str, str],
    period: Period,
    interval: float,
    source: Source | Literal["auto"] = "auto",
) -> AvailabilityReport:
    """``sites``: site -> region, from the intents (a site Prometheus never heard of is all unknown)."""
    chosen = _pick(client, period) if source == "auto" else source
    grid = _grid(period, interval)
    known, up = _coarse(client, grid, point_expr(chosen, interval))
    results = []
    for site, region in sorted(sites.items()):
        result = SiteAvailability(site, region)
        empty = [0] * grid.windows
        _summarise(result, grid, _states(client, grid, chosen, site, known.get(site, empty), up.get(site, empty)))
        results.append(result)
    measured = Period(datetime.fromtimestamp(grid.first, UTC), datetime.fromtimestamp(grid.point(grid.count), UTC))
    return AvailabilityReport(measured, interval, chosen, client.url, results)
