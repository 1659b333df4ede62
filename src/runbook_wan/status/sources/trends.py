"""Source: the last 24 h of each circuit's loss and latency at one site (Prometheus range queries).

Read lazily: a :class:`SiteTrends` asks Prometheus the first time something shows it (the site
page, the static export, a site's JSON), never for the estate page, which shows 80 sites every
few seconds. One query per figure per site, 5-minute steps: loss is the worst sample of each
step (a short brownout stays visible), latency the mean.

The figures are the site's own agent's where it reports (measured on the router, one-way latency);
elsewhere the central probe's (from the site's LAN side, round trip). The chart says which.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

from runbook_wan.ops import metrics as m
from runbook_wan.ops.steering import ms, pct
from runbook_wan.report.prometheus import PrometheusClient, PrometheusError
from runbook_wan.status.charts import Chart, build

WINDOW = 24 * 3600.0
STEP = 300.0
#: Smallest full scale of a chart: 1 % loss, 20 ms latency.
LOSS_FLOOR, LATENCY_FLOOR = 0.01, 0.02

AGENT = ("agent", m.SDWAN_CIRCUIT_LOSS, m.SDWAN_CIRCUIT_LATENCY, "measured by the site's agent on the router; one-way")
PROBE = ("probe", m.CIRCUIT_LOSS, m.CIRCUIT_LATENCY, "measured by the central probe from the site's LAN; round trip")


@dataclass(frozen=True)
class CircuitSla:
    """The strictest SLA of the classes that may use a circuit: loss ratio, one-way latency in s."""

    role: str
    loss: float | None
    latency: float | None


@dataclass(frozen=True)
class CircuitTrend:
    role: str
    loss: Chart
    latency: Chart


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class SiteTrends:
    """The charts of one site, read on first use (and kept for the rest of the request)."""

    def __init__(self, url: str | None, site: str, circuits: list[CircuitSla], now: float | None = None) -> None:
        self.url, self.site, self.slas = url, site, circuits
        self.end = time.time() if now is None else now
        self.start = self.end - WINDOW
        self.source = ""
        self.note = ""
        self.error = ""

    def _query(self, client: PrometheusClient, metric: str, over: str) -> dict[str, list[tuple[float, float]]]:
        expr = f"{over}({metric}{{{m.SITE}={_quote(self.site)}}}[{int(STEP)}s])"
        found: dict[str, list[tuple[float, float]]] = {}
        for series in client.query_range(expr, self.start, self.end, STEP):
            found.setdefault(series.labels.get(m.CIRCUIT, ""), []).extend(series.points)
        return found

    @cached_property
    def circuits(self) -> list[CircuitTrend]:
        if not self.url:
            self.error = "no monitoring to ask"
            return []
        try:
            with PrometheusClient(self.url, timeout=10.0) as client:
                for source, loss_metric, latency_metric, note in (AGENT, PROBE):
                    loss = self._query(client, loss_metric, "max_over_time")
                    if loss:
                        latency = self._query(client, latency_metric, "avg_over_time")
                        self.source, self.note = source, note
                        break
                else:
                    self.error = "no measurements in the last 24 h"
                    return []
        except PrometheusError as exc:
            self.error = f"monitoring does not answer ({exc})"
            return []
        round_trip = 2.0 if self.source == "probe" else 1.0
        return [
            CircuitTrend(
                role=sla.role,
                loss=build(
                    "loss",
                    loss.get(sla.role, []),
                    self.start,
                    self.end,
                    STEP,
                    threshold=sla.loss,
                    floor=LOSS_FLOOR,
                    fmt=pct,
                ),
                latency=build(
                    "latency",
                    latency.get(sla.role, []),
                    self.start,
                    self.end,
                    STEP,
                    threshold=None if sla.latency is None else sla.latency * round_trip,
                    floor=LATENCY_FLOOR,
                    fmt=ms,
                ),
            )
            for sla in self.slas
        ]

    def to_dict(self) -> dict[str, object]:
        circuits = self.circuits
        return {
            "source": self.source or None,
            "note": self.note,
            "error": self.error or None,
            "window_seconds": WINDOW,
            "step_seconds": STEP,
            "circuits": [
                {
                    "circuit": c.role,
                    "loss": {"latest": c.loss.latest, "peak": c.loss.peak, "sla": c.loss.threshold},
                    "latency": {"latest": c.latency.latest, "peak": c.latency.peak, "sla": c.latency.threshold},
                }
                for c in circuits
            ],
        }
