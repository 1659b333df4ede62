"""Source: the SD-WAN agents' decisions and measurements, as Prometheus scraped them (job ``runbook-agent``).

Instant queries, fresh samples only (as :mod:`.monitoring`): per site and class the circuit it is
on now, since when, the agent's verdict and health per circuit; per circuit the agent's loss, latency and
jitter. Built into the same :class:`~runbook_wan.ops.steering.AgentReport` that ``verify`` reads
from the agent's ``/state``, so both show the same thing.

Which sites *should* report: every target of the ``runbook-agent`` job (``up{job="runbook-agent"}``).
A site with a target but no fresh decision is "agent not reporting"; a site without one runs no
agent (EOS, IOS-XE steer natively) and the pane falls back to the path preference, saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from runbook_wan.monitoring.sdwan import AGENT_JOB
from runbook_wan.ops import metrics as m
from runbook_wan.ops.steering import AgentReport, CircuitFigures, ClassDecision
from runbook_wan.report.prometheus import PrometheusClient, PrometheusError, stack_prometheus_url
from runbook_wan.status.sources.monitoring import fresh

#: Agent figure -> :class:`CircuitFigures` field.
CIRCUIT_FIGURES = {
    m.SDWAN_CIRCUIT_LOSS: "loss_ratio",
    m.SDWAN_CIRCUIT_LATENCY: "latency_s",
    m.SDWAN_CIRCUIT_JITTER: "jitter_s",
}


@dataclass
class SteeringState:
    #: site -> what its agent reports now (fresh series only).
    reports: dict[str, AgentReport] = field(default_factory=dict)
    #: site -> the agent is a scrape target (it should report); False: it is down or stale.
    targets: dict[str, bool] = field(default_factory=dict)


def read(state_dir: Path, url: str | None = None, timeout: float = 5.0) -> SteeringState | None:
    """The agents' reports; None when there is no Prometheus to ask (the pane says why elsewhere)."""
    where = url or stack_prometheus_url(state_dir)
    if not where:
        return None
    try:
        with PrometheusClient(where, timeout=timeout) as client:
            # The agents' own job interval: it is longer than the global one, which the probe sets for paging.
            interval = client.job_interval(AGENT_JOB) or 15.0
            found = SteeringState()
            for series in client.query(f'up{{job="{AGENT_JOB}"}}'):
                site = series.labels.get(m.SITE, "")
                found.targets[site] = found.targets.get(site, False) or series.points[-1][1] >= 1
            figures: dict[tuple[str, str], dict[str, float]] = {}
            for metric, name in CIRCUIT_FIGURES.items():
                for series in client.query(fresh(metric, interval)):
                    key = (series.labels.get(m.SITE, ""), series.labels.get(m.CIRCUIT, ""))
                    figures.setdefault(key, {})[name] = series.points[-1][1]
            on: dict[tuple[str, str], str | None] = {}
            met: dict[tuple[str, str], dict[str, bool]] = {}
            for series in client.query(fresh(m.SDWAN_CLASS_CIRCUIT, interval)):
                key = (series.labels.get(m.SITE, ""), series.labels.get(m.APP_CLASS, ""))
                on.setdefault(key, None)
                if series.points[-1][1] >= 1:
                    on[key] = series.labels.get(m.CIRCUIT, "")
            for series in client.query(fresh(m.SDWAN_CLASS_SLA_MET, interval)):
                key = (series.labels.get(m.SITE, ""), series.labels.get(m.APP_CLASS, ""))
                met.setdefault(key, {})[series.labels.get(m.CIRCUIT, "")] = series.points[-1][1] >= 1
            health: dict[tuple[str, str], dict[str, str]] = {}
            for series in client.query(fresh(m.SDWAN_CLASS_HEALTH, interval)):
                key = (series.labels.get(m.SITE, ""), series.labels.get(m.APP_CLASS, ""))
                health.setdefault(key, {})[series.labels.get(m.CIRCUIT, "")] = series.labels.get(m.HEALTH, "")
            since = {
                (s.labels.get(m.SITE, ""), s.labels.get(m.APP_CLASS, "")): s.points[-1][1]
                for s in client.query(fresh(m.SDWAN_CLASS_SINCE, interval))
            }
            digests = {
                s.labels.get(m.SITE, ""): s.labels.get(m.DIGEST, "")
                for s in client.query(fresh(m.SDWAN_AGENT_POLICY, interval))
            }
    except PrometheusError:
        return None
    for (site, app_class), circuit in sorted(on.items()):
        report = found.reports.get(site)
        if report is None:
            circuits = {
                c: CircuitFigures(v.get("loss_ratio"), v.get("latency_s"), v.get("jitter_s"))
                for (s, c), v in figures.items()
                if s == site
            }
            report = AgentReport(site=site, circuits=circuits, classes={}, policy_digest=digests.get(site, ""))
            found.reports[site] = report
        report.classes[app_class] = ClassDecision(
            app_class=app_class,
            circuit=circuit,
            since=since.get((site, app_class)),
            sla_met=met.get((site, app_class), {}),
            health=health.get((site, app_class), {}),
        )
    return found
