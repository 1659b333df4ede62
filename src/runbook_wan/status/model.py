"""The pane's views: the estate at a glance and each site; ``to_dict`` is the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from runbook_wan.drift.model import DriftResult
from runbook_wan.ops.incidents import Incident
from runbook_wan.report.engagement import Engagement, EngagementReport, Standing
from runbook_wan.report.period import duration, iso
from runbook_wan.verify.model import SiteState

if TYPE_CHECKING:
    from runbook_wan.status.sources.trends import SiteTrends

PANE_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Measure:
    """One measured figure against its SLA (None: not measured / no SLA)."""

    value: float | None
    sla: float | None

    @property
    def breached(self) -> bool:
        return self.value is not None and self.sla is not None and self.value > self.sla

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "sla": self.sla, "breached": self.breached}


@dataclass
class CircuitView:
    role: str
    title: str
    interface: str
    provider: str
    provider_name: str
    provider_asn: int
    circuit_id: str
    media: str
    bandwidth_mbps: int
    #: True passes traffic, False does not, None unknown (no fresh measurement).
    up: bool | None = None
    loss: Measure = field(default_factory=lambda: Measure(None, None))
    latency: Measure = field(default_factory=lambda: Measure(None, None))
    jitter: Measure = field(default_factory=lambda: Measure(None, None))

    @property
    def state(self) -> str:
        """up, down, out-of-sla or unknown."""
        if self.up is None:
            return "unknown"
        if not self.up:
            return "down"
        return "out-of-sla" if self.breaches else "up"

    @property
    def breaches(self) -> list[str]:
        return [
            name for name, m in (("loss", self.loss), ("latency", self.latency), ("jitter", self.jitter)) if m.breached
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "interface": self.interface,
            "provider": self.provider,
            "provider_name": self.provider_name,
            "provider_asn": self.provider_asn,
            "circuit_id": self.circuit_id,
            "media": self.media,
            "bandwidth_mbps": self.bandwidth_mbps,
            "state": self.state,
            "up": self.up,
            "loss_ratio": self.loss.to_dict(),
            "latency_seconds": self.latency.to_dict(),
            "jitter_seconds": self.jitter.to_dict(),
        }


class SteeringSource:
    """Where a class's current circuit comes from."""

    #: The site's SD-WAN agent decided it (its metrics in Prometheus).
    AGENT = "agent"
    #: The site runs an agent, but it does not report now: where the class is, is unknown.
    AGENT_SILENT = "agent not reporting"
    #: No agent at this site (EOS, IOS-XE steer natively): the first circuit of the path that is up.
    PATH = "path preference"
    #: No monitoring to ask.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ClassCircuit:
    """One allowed circuit of a class: the agent's figures against the class SLA, and its verdict."""

    role: str
    #: "loss 5 % > 1 %", ... (the agent's figures against the class thresholds).
    criteria: list[str]
    over: list[str]  # names of the criteria above the threshold
    sla_met: bool | None  # the agent's verdict; None: no verdict

    def to_dict(self) -> dict[str, Any]:
        return {"circuit": self.role, "criteria": self.criteria, "over": self.over, "sla_met": self.sla_met}


@dataclass
class ClassRoute:
    """One application class of the site's SD-WAN policy: where its traffic goes, why, since when."""

    app_class: str
    description: str
    match: list[str]  # "segment voice (10.21.20.0/24)", "destination 203.0.113.0/25", "dscp ef"
    path: list[str]  # circuit roles, most preferred first
    never_on: list[str]
    sla_latency_ms: int
    sla_jitter_ms: int
    sla_loss_pct: float
    #: The circuit the class is on now (None: unknown), and who says so (:class:`SteeringSource`).
    active: str | None = None
    source: str = SteeringSource.UNKNOWN
    #: Since when (ISO UTC and unix time; the agent's), and why (its reason or its verdicts and figures).
    since: str = "-"
    since_ts: float | None = None
    why: str = ""
    circuits: list[ClassCircuit] = field(default_factory=list)

    @property
    def preferred(self) -> str | None:
        return self.path[0] if self.path else None

    @property
    def off_preferred(self) -> bool:
        return self.active is not None and self.active != self.preferred

    def to_dict(self) -> dict[str, Any]:
        return {
            "class": self.app_class,
            "description": self.description,
            "match": self.match,
            "path": self.path,
            "never_on": self.never_on,
            "sla": {"latency_ms": self.sla_latency_ms, "jitter_ms": self.sla_jitter_ms, "loss_pct": self.sla_loss_pct},
            "active": self.active,
            "preferred": self.preferred,
            "off_preferred": self.off_preferred,
            "source": self.source,
            "since": None if self.since_ts is None else self.since,
            "since_ts": self.since_ts,
            "why": self.why,
            "circuits": [c.to_dict() for c in self.circuits],
        }

    def summary(self) -> dict[str, Any]:
        """The short form every site carries in the estate JSON."""
        return {
            "class": self.app_class,
            "circuit": self.active,
            "preferred": self.preferred,
            "source": self.source,
            "since": None if self.since_ts is None else self.since,
            "why": self.why,
        }


@dataclass(frozen=True)
class ChangeRecord:
    """A rollout's outcome at one site (from the audit log)."""

    rollout_id: str
    at: str
    user: str
    commit: str
    result: str
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rollout_id": self.rollout_id,
            "at": self.at,
            "user": self.user,
            "commit": self.commit,
            "result": self.result,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RolloutRun:
    """A rollout in progress (holding the lock) or interrupted (no end record, no live holder)."""

    rollout_id: str
    state: str  # "in progress" | "interrupted"
    user: str
    started: str
    sites_done: int
    sites_total: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "rollout_id": self.rollout_id,
            "state": self.state,
            "user": self.user,
            "started": self.started,
            "sites_done": self.sites_done,
            "sites_total": self.sites_total,
        }


@dataclass
class SiteView:
    site: str
    name: str
    region: str
    platform: str
    policy: str
    state: SiteState
    circuits: list[CircuitView]
    last_change: ChangeRecord | None = None
    drift: DriftResult | None = None
    open_incidents: list[Incident] = field(default_factory=list)
    availability_30d: float | None = None
    classes: list[ClassRoute] = field(default_factory=list)
    history: list[ChangeRecord] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    #: Open events (a class moved off its preferred circuit): on the pane, not incidents to answer.
    events: list[Incident] = field(default_factory=list)
    #: The last 24 h of each circuit, read only when shown (:mod:`.sources.trends`).
    trends: SiteTrends | None = None

    @property
    def steered(self) -> list[ClassRoute]:
        """Classes off their preferred circuit now."""
        return [c for c in self.classes if c.off_preferred]

    @property
    def drift_state(self) -> str:
        return self.drift.status.value if self.drift else "not checked"

    def to_dict(self, detail: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "site": self.site,
            "name": self.name,
            "region": self.region,
            "platform": self.platform,
            "policy": self.policy,
            "state": self.state.value,
            "circuits": [c.to_dict() for c in self.circuits],
            "last_change": self.last_change.to_dict() if self.last_change else None,
            "drift": {
                "status": self.drift_state,
                "checked_at": self.drift.checked_at if self.drift else None,
                "sections": self.drift.sections if self.drift else [],
            },
            "open_incidents": [i.to_dict() for i in self.open_incidents],
            "availability_30d": self.availability_30d,
            "steering": [c.summary() for c in self.classes],
            "events": [i.to_dict() for i in self.events],
        }
        if detail:
            data["drift"] = self.drift.to_dict() if self.drift else data["drift"]
            data["classes"] = [c.to_dict() for c in self.classes]
            data["history"] = [h.to_dict() for h in self.history]
            data["incidents"] = [i.to_dict() for i in self.incidents]
            data["trends"] = self.trends.to_dict() if self.trends else None
        return data


@dataclass(frozen=True)
class EngagementView:
    """The ten-minute promise: the figures of the last days (``report engagement``'s), and the pages
    nobody answered yet, longest wait first."""

    report: EngagementReport
    #: Incident id -> its region (what a user scoped to regions may see).
    regions: dict[str, str]
    days: int

    def within(self, sees: Callable[[str], bool]) -> EngagementView:
        """Only the incidents of the regions ``sees`` accepts; the figures follow."""
        kept = [e for e in self.report.incidents if sees(self.regions.get(e.incident_id, ""))]
        return replace(self, report=replace(self.report, incidents=kept))

    @property
    def waiting(self) -> list[Engagement]:
        """Open pages without an answer (pending, or already past the promise)."""
        found = [e for e in self.report.incidents if e.waiting is not None]
        return sorted(found, key=lambda e: -(e.waiting or 0.0))

    @property
    def paged(self) -> int:
        return len(self.report.incidents)

    @property
    def breaches(self) -> list[Engagement]:
        return self.report.of(Standing.BREACHED)

    @property
    def promise(self) -> str:
        return duration(self.report.promise_seconds)

    @staticmethod
    def took(seconds: float | None) -> str:
        return "-" if seconds is None else duration(seconds)

    @staticmethod
    def overdue(e: Engagement) -> bool:
        return e.standing is Standing.BREACHED

    @staticmethod
    def at(e: Engagement) -> str:
        return iso(e.first_page)

    def to_dict(self) -> dict[str, Any]:
        r = self.report
        return {
            "days": self.days,
            "promise_seconds": r.promise_seconds,
            "incidents": self.paged,
            "met": len(r.of(Standing.MET)),
            "breached": len(self.breaches),
            "share_met": r.share_met,
            "median_seconds": r.median,
            "p90_seconds": r.p90,
            "breaches": [e.incident_id for e in self.breaches],
            "waiting": [
                {
                    "incident": e.incident_id,
                    "alertname": e.alertname,
                    "where": e.where,
                    "first_page": iso(e.first_page),
                    "waiting_seconds": e.waiting,
                    "overdue": self.overdue(e),
                }
                for e in self.waiting
            ],
        }


@dataclass
class EstateView:
    estate: str
    generated_at: str
    #: Where live state comes from, or why it is unknown.
    monitoring: str
    monitoring_up: bool
    sites: list[SiteView]
    rollouts: list[RolloutRun] = field(default_factory=list)
    #: Every open incident, also those of no one site (a provider outage, the probe itself).
    incidents: list[Incident] = field(default_factory=list)
    #: What the pane could not read, and what of the stack was down lately (one line each).
    notices: list[str] = field(default_factory=list)
    #: Pages against the ten-minute promise (None: no incident store yet).
    engagement: EngagementView | None = None

    def count(self, state: SiteState) -> int:
        return sum(s.state is state for s in self.sites)

    @property
    def open_incidents(self) -> int:
        return len(self.incidents)

    @property
    def drifting(self) -> int:
        return sum(s.drift_state == "drift" for s in self.sites)

    def summary(self) -> dict[str, int]:
        return {
            **{state.value: self.count(state) for state in SiteState},
            "sites": len(self.sites),
            "open_incidents": self.open_incidents,
            "drift": self.drifting,
            "rollouts_in_progress": sum(r.state == "in progress" for r in self.rollouts),
        }

    def site(self, site: str) -> SiteView | None:
        return next((s for s in self.sites if s.site == site), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": PANE_FORMAT_VERSION,
            "estate": self.estate,
            "generated_at": self.generated_at,
            "monitoring": {"up": self.monitoring_up, "detail": self.monitoring},
            "notices": list(self.notices),
            "summary": self.summary(),
            "rollouts": [r.to_dict() for r in self.rollouts],
            "open_incidents": [i.to_dict() for i in self.incidents],
            "engagement": self.engagement.to_dict() if self.engagement else None,
            "sites": [s.to_dict() for s in self.sites],
        }
