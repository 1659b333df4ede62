"""Acknowledge or resolve an incident for a person who answered on a channel (the one place that does it).

The store's ``acknowledge`` claims only a firing incident, so an acknowledgement stops the
escalation on every channel (the clock, deferred pages and receipt failovers all skip incidents
that are not firing). Every answer is logged with who and on which channel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from runbook_wan.ops.incidents import Incident, IncidentStatus, IncidentStore

log = logging.getLogger("runbook.notify.inbound")


class Verb(StrEnum):
    ACK = "ack"
    RESOLVE = "resolve"


class Result(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    ALREADY_ACKNOWLEDGED = "already acknowledged"
    ALREADY_RESOLVED = "already resolved"
    UNKNOWN = "unknown incident"

    @property
    def changed(self) -> bool:
        return self in (Result.ACKNOWLEDGED, Result.RESOLVED)


@dataclass(frozen=True)
class Acted:
    result: Result
    incident: Incident | None

    def sentence(self) -> str:
        """A short answer for SMS, speech and chat: ``Acknowledged: SiteDown chi-021 (inc-3f9a1c).``"""
        incident = self.incident
        if incident is None:
            return "No such incident."
        what = f"{incident.alertname} {incident.site or incident.provider or incident.region}".strip()
        if self.result is Result.ALREADY_ACKNOWLEDGED:
            return f"Already acknowledged by {incident.acknowledged_by}: {what} ({incident.id})."
        if self.result is Result.ALREADY_RESOLVED:
            by = f" by {incident.resolved_by}" if incident.resolved_by else ""
            return f"Already resolved{by}: {what} ({incident.id})."
        return f"{self.result.value.capitalize()}: {what} ({incident.id})."


def act(store: IncidentStore, incident_id: str, verb: Verb, by: str, via: str) -> Acted:
    """Do ``verb`` for ``by`` (a contact name) answering on ``via`` (sms, voice, slack, ...)."""
    if verb is Verb.ACK:
        done = store.acknowledge(incident_id, by, via=via)
        if done is not None:
            log.info("incident %s acknowledged by %s via %s: escalation stopped", incident_id, by, via)
            return Acted(Result.ACKNOWLEDGED, done)
    else:
        done = store.resolve(incident_id, by=by, via=via)
        if done is not None:
            log.info("incident %s resolved by %s via %s", incident_id, by, via)
            return Acted(Result.RESOLVED, done)
    current = store.get(incident_id)
    if current is None:
        return Acted(Result.UNKNOWN, None)
    if current.status is IncidentStatus.RESOLVED:
        return Acted(Result.ALREADY_RESOLVED, current)
    return Acted(Result.ALREADY_ACKNOWLEDGED, current)
