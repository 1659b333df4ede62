"""The notifier's own metrics (``GET /metrics`` on its loopback listener), read from the store at scrape time.

* ``runbook_incident_unacknowledged_seconds{incident, paged_alertname, site, region, severity}``: per
  firing incident that paged somebody and nobody answered yet, seconds since its first page (pages
  only: an ``info`` ticket never escalates, ``report.engagement.under_promise``). The
  generated rule ``EngagementOverdue`` fires at the ten-minute promise; the notifier escalates that
  incident at once when the alert reaches it.
* ``runbook_engagement_met_ratio``, ``runbook_engagement_ack_seconds{quantile}``,
  ``runbook_engagement_incidents``, ``runbook_engagement_breaches``: the last 30 days of
  ``runbook.py report engagement``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from runbook_wan.ops import metrics
from runbook_wan.ops.incidents import IncidentStatus, IncidentStore, parse_iso
from runbook_wan.report.engagement import engagement, under_promise
from runbook_wan.report.period import Period

WINDOW_DAYS = 30


class EngagementCollector(Collector):
    def __init__(self, store: IncidentStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        waiting = GaugeMetricFamily(
            metrics.INCIDENT_UNACKNOWLEDGED,
            "Seconds since the first page of a firing incident nobody acknowledged yet.",
            labels=[metrics.INCIDENT, metrics.PAGED_ALERTNAME, metrics.SITE, metrics.REGION, metrics.SEVERITY],
        )
        firsts = self.store.first_pages()
        for incident in self.store.incidents(open_only=True, limit=100_000):
            first = firsts.get(incident.id)
            if incident.status is not IncidentStatus.FIRING or first is None:
                continue
            if not under_promise(incident):
                continue
            labels = [incident.id, incident.alertname, incident.site, incident.region, incident.severity]
            waiting.add_metric(labels, max(0.0, (now - parse_iso(first)).total_seconds()))
        yield waiting
        report = engagement(self.store, Period(now - timedelta(days=WINDOW_DAYS), now), now)
        ratio = report.share_met
        yield GaugeMetricFamily(
            metrics.ENGAGEMENT_MET_RATIO,
            "Share of paged incidents (last 30 days) answered by a person within ten minutes.",
            value=1.0 if ratio is None else ratio,
        )
        quantiles = GaugeMetricFamily(
            metrics.ENGAGEMENT_ACK_SECONDS,
            "Time from first page to first answer by a person (last 30 days).",
            labels=["quantile"],
        )
        for quantile, value in (("0.5", report.median), ("0.9", report.p90)):
            if value is not None:
                quantiles.add_metric([quantile], value)
        yield quantiles
        yield GaugeMetricFamily(
            metrics.ENGAGEMENT_INCIDENTS, "Paged incidents in the last 30 days.", value=len(report.incidents)
        )
        yield GaugeMetricFamily(
            metrics.ENGAGEMENT_BREACHES,
            "Paged incidents of the last 30 days not answered within ten minutes.",
            value=len([e for e in report.incidents if e.standing.value == "breached"]),
        )
