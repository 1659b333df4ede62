"""Engagement: from an incident's first page to the first person who answered, against ten minutes.

Per incident paged in the period (its first sent firing or escalation message):

* **answered**: the first acknowledgement, else a resolve *by a person* (a close without an ack
  counts as the answer, as in GoAlert); who and on which channel (``sms``, ``voice``, ``slack``,
  ``mattermost``, ``email``, ``cli``). An automatic resolve (Alertmanager said it cleared) is not an
  answer;
* **met** when answered within the promise (:data:`PROMISE_SECONDS`), **breached** when answered
  later, or when nobody answered and the incident was still open (or cleared by itself) at the
  deadline; **pending** when open and unanswered before the deadline; **cleared** when it resolved
  by itself before the deadline with no answer (not counted either way).

Share met = met / (met + breached). Median and p90 are over the answered incidents (p90 by the
nearest-rank method: the smallest time at least 90 % of them took no longer than).
Not counted (:func:`under_promise`): EngagementOverdue incidents (the alert about another
incident), and ``severity: info`` incidents, the low-priority tickets (a standby circuit's SLA
breach): the promise is about pages, and a ticket that escalated at ten minutes would page the NOC
for what was meant never to page.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from runbook_wan.ops import metrics
from runbook_wan.ops.incidents import Incident, IncidentStatus, IncidentStore, parse_iso
from runbook_wan.report.period import Period, iso

PROMISE_SECONDS = metrics.ENGAGEMENT_PROMISE_SECONDS


class Standing(StrEnum):
    MET = "met"
    BREACHED = "breached"
    PENDING = "pending"
    CLEARED = "cleared"


@dataclass(frozen=True)
class Engagement:
    incident_id: str
    alertname: str
    where: str
    first_page: datetime
    standing: Standing
    answered_at: datetime | None = None
    seconds: float | None = None
    by: str | None = None
    via: str | None = None
    #: Open and unanswered: seconds since the first page at the report's time.
    waiting: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident_id,
            "alertname": self.alertname,
            "where": self.where,
            "first_page": iso(self.first_page),
            "standing": self.standing.value,
            "answered_at": iso(self.answered_at) if self.answered_at else None,
            "seconds_to_answer": self.seconds,
            "by": self.by,
            "via": self.via,
            "waiting_seconds": self.waiting,
        }


@dataclass
class EngagementReport:
    period: Period
    promise_seconds: float
    incidents: list[Engagement] = field(default_factory=list)

    def of(self, standing: Standing) -> list[Engagement]:
        return [e for e in self.incidents if e.standing is standing]

    @property
    def answer_times(self) -> list[float]:
        return sorted(e.seconds for e in self.incidents if e.seconds is not None)

    @property
    def share_met(self) -> float | None:
        met, breached = len(self.of(Standing.MET)), len(self.of(Standing.BREACHED))
        return met / (met + breached) if met + breached else None

    @property
    def median(self) -> float | None:
        times = self.answer_times
        return float(statistics.median(times)) if times else None

    @property
    def p90(self) -> float | None:
        times = self.answer_times
        return times[math.ceil(0.9 * len(times)) - 1] if times else None

    @property
    def breached(self) -> bool:
        return bool(self.of(Standing.BREACHED))

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": {"since": iso(self.period.start), "until": iso(self.period.end)},
            "promise_seconds": self.promise_seconds,
            "incidents": len(self.incidents),
            "met": len(self.of(Standing.MET)),
            "breached": len(self.of(Standing.BREACHED)),
            "pending": len(self.of(Standing.PENDING)),
            "cleared": len(self.of(Standing.CLEARED)),
            "share_met": self.share_met,
            "median_seconds": self.median,
            "p90_seconds": self.p90,
            "promise_kept": not self.breached,
            "breaches": [e.to_dict() for e in self.of(Standing.BREACHED)],
            "per_incident": [e.to_dict() for e in self.incidents],
        }


def _answer(incident: Incident) -> tuple[datetime, str | None, str | None] | None:
    """The first human answer: the acknowledgement, else a resolve by a person."""
    if incident.acknowledged_at:
        return parse_iso(incident.acknowledged_at), incident.acknowledged_by, incident.acknowledged_via
    if incident.status is IncidentStatus.RESOLVED and incident.resolved_by and incident.resolved_at:
        return parse_iso(incident.resolved_at), incident.resolved_by, incident.resolved_via
    return None


def engagement_of(
    incident: Incident, first_page: datetime, now: datetime, promise: float = PROMISE_SECONDS
) -> Engagement:
    where = " ".join(x for x in (incident.site, incident.circuit, incident.provider) if x) or incident.region
    base = Engagement(incident.id, incident.alertname, where, first_page, Standing.PENDING)
    answer = _answer(incident)
    if answer is not None:
        at, by, via = answer
        seconds = max(0.0, (at - first_page).total_seconds())
        standing = Standing.MET if seconds <= promise else Standing.BREACHED
        return replace(base, standing=standing, answered_at=at, seconds=seconds, by=by, via=via)
    if incident.status is IncidentStatus.RESOLVED and incident.resolved_at:
        lasted = (parse_iso(incident.resolved_at) - first_page).total_seconds()
        return replace(base, standing=Standing.BREACHED if lasted >= promise else Standing.CLEARED)
    waited = (now - first_page).total_seconds()
    return replace(base, standing=Standing.BREACHED if waited >= promise else Standing.PENDING, waiting=waited)


def under_promise(incident: Incident) -> bool:
    """Does the ten-minute promise hold for this incident? Pages do; tickets (``info``) and the
    EngagementOverdue alert about another incident do not."""
    return incident.alertname != metrics.Alert.ENGAGEMENT_OVERDUE.value and incident.severity != metrics.Severity.INFO


def engagement(store: IncidentStore, period: Period, now: datetime | None = None) -> EngagementReport:
    """Every incident whose first page went out in ``period``, oldest first."""
    now = now or min(datetime.now(UTC), period.end)
    firsts = store.first_pages()
    report = EngagementReport(period, PROMISE_SECONDS)
    rows = []
    for incident in store.incidents(limit=1_000_000):
        first = firsts.get(incident.id)
        if first is None or not under_promise(incident):
            continue
        at = parse_iso(first)
        if period.start <= at < period.end:
            rows.append(engagement_of(incident, at, now))
    report.incidents = sorted(rows, key=lambda e: (e.first_page, e.incident_id))
    return report
