"""Source: live state from the monitoring stack's Prometheus (found through ``<state>/monitor/stack.json``).

Instant queries, fresh samples only (younger than 1.5 scrape intervals, as in ``report
availability``): per circuit up, loss, latency, jitter and the SLA the probe holds it to; per
site the 30-day availability recording rule (its latest value within 30 minutes: the rule group
may run only every few minutes). No stack, or a Prometheus that does not answer:
``None`` and the reason, and the page shows every site as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from runbook_wan.monitoring.rules import PROBE_JOB
from runbook_wan.ops import metrics
from runbook_wan.report.prometheus import PrometheusClient, PrometheusError, stack_prometheus_url

FRESHNESS = 1.5
#: The 30-day ratio moves slowly and its rule group may run only every few minutes: its latest value
#: within this window is shown.
AVAILABILITY_LOOKBACK = "30m"
#: Per-circuit series the page reads, by the name the view uses.
CIRCUIT_METRICS = {
    "up": metrics.CIRCUIT_UP,
    "loss": metrics.CIRCUIT_LOSS,
    "latency": metrics.CIRCUIT_LATENCY,
    "jitter": metrics.CIRCUIT_JITTER,
    "sla_loss": metrics.CIRCUIT_SLA_LOSS,
    "sla_latency": metrics.CIRCUIT_SLA_LATENCY,
    "sla_jitter": metrics.CIRCUIT_SLA_JITTER,
}


@dataclass
class LiveState:
    url: str
    #: (site, circuit role) -> {"up": 1.0, "loss": 0.0, ...} for the fresh series only.
    circuits: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    availability_30d: dict[str, float] = field(default_factory=dict)


def fresh(metric: str, interval: float) -> str:
    return f"{metric} and (time() - timestamp({metric}) <= {interval * FRESHNESS:g})"


def read(state_dir: Path, url: str | None = None, timeout: float = 5.0) -> tuple[LiveState | None, str]:
    """Live state, or None and why not."""
    where = url or stack_prometheus_url(state_dir)
    if not where:
        return None, "monitoring is not running (no monitor/stack.json): live state unknown"
    try:
        with PrometheusClient(where, timeout=timeout) as client:
            interval = client.job_interval(PROBE_JOB) or 15.0
            live = LiveState(where)
            for name, metric in CIRCUIT_METRICS.items():
                for series in client.query(fresh(metric, interval)):
                    key = (series.labels.get(metrics.SITE, ""), series.labels.get(metrics.CIRCUIT, ""))
                    live.circuits.setdefault(key, {})[name] = series.points[-1][1]
            latest = f"last_over_time({metrics.SITE_AVAILABILITY_30D}[{AVAILABILITY_LOOKBACK}])"
            for series in client.query(latest):
                live.availability_30d[series.labels.get(metrics.SITE, "")] = series.points[-1][1]
    except PrometheusError as exc:
        return None, f"monitoring does not answer ({exc}): live state unknown"
    return live, f"live from Prometheus at {where}"
