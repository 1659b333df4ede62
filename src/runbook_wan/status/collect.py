"""Build the pane's views from its sources (each read once per refresh)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from runbook_wan.facts.addressing import dscp_name
from runbook_wan.facts.models import SiteFacts
from runbook_wan.model.estate import Estate
from runbook_wan.model.roles import ROLES, CircuitRole
from runbook_wan.monitoring.targets import strictest_sla
from runbook_wan.ops.incidents import Incident
from runbook_wan.ops.metrics import EVENT_ALERTS
from runbook_wan.ops.steering import Thresholds, criteria, explain, iso
from runbook_wan.report.prometheus import stack_prometheus_url
from runbook_wan.status.model import (
    CircuitView,
    ClassCircuit,
    ClassRoute,
    EstateView,
    Measure,
    SiteView,
    SteeringSource,
)
from runbook_wan.status.sources import drift as drift_source
from runbook_wan.status.sources import engagement as engagement_source
from runbook_wan.status.sources import incidents as incident_source
from runbook_wan.status.sources import monitoring, rollouts
from runbook_wan.status.sources import outages as outages_source
from runbook_wan.status.sources import steering as steering_source
from runbook_wan.status.sources.intents import IntentsView
from runbook_wan.status.sources.trends import CircuitSla, SiteTrends
from runbook_wan.verify.model import SiteState

#: Incidents listed on a site's page.
SITE_INCIDENTS = 20


@dataclass(frozen=True)
class Sources:
    state_dir: Path
    #: Prometheus to read live state from; None: the monitoring stack's (``<state>/monitor/stack.json``).
    prometheus: str | None = None


def _circuits(facts: SiteFacts, live: monitoring.LiveState | None) -> list[CircuitView]:
    views = []
    for c in facts.circuits:
        sample = live.circuits.get((facts.site, c.role), {}) if live else {}
        up = sample.get("up")
        views.append(
            CircuitView(
                role=c.role,
                title=ROLES[CircuitRole(c.role)].title,
                interface=c.interface,
                provider=c.provider,
                provider_name=c.provider_name,
                provider_asn=c.provider_asn,
                circuit_id=c.circuit_id,
                media=c.media,
                bandwidth_mbps=c.bandwidth_mbps,
                up=None if up is None else up >= 1,
                loss=Measure(sample.get("loss"), sample.get("sla_loss")),
                latency=Measure(sample.get("latency"), sample.get("sla_latency")),
                jitter=Measure(sample.get("jitter"), sample.get("sla_jitter")),
            )
        )
    return views


def site_state(circuits: list[CircuitView]) -> SiteState:
    """Up while any circuit passes traffic; down only while every circuit is known to be down."""
    ups = [c.up for c in circuits]
    if any(ups):
        clean = all(ups) and not any(c.breaches for c in circuits)
        return SiteState.HEALTHY if clean else SiteState.DEGRADED
    if ups and all(u is False for u in ups):
        return SiteState.DOWN
    return SiteState.UNKNOWN


def _classes(
    estate: Estate,
    facts: SiteFacts,
    circuits: list[CircuitView],
    steering: steering_source.SteeringState | None,
) -> list[ClassRoute]:
    """Each class and where it runs: the agent's decision where one reports, never recomputed."""
    policy = estate.policies[facts.policy]
    segments = {s.name: s.network for s in facts.lan_segments}
    up = {c.role: c.up for c in circuits}
    report = steering.reports.get(facts.site) if steering else None
    has_agent = steering is not None and facts.site in steering.targets
    routes = []
    for name, app in policy.classes.items():
        match = [f"segment {s} ({segments[s]})" for s in app.match.segments if s in segments]
        match += [f"destination {d}" for d in app.match.destinations]
        match += [f"dscp {dscp_name(d)}" for d in app.match.dscp]
        path = [str(r) for r in app.path_preference]
        route = ClassRoute(
            app_class=name,
            description=app.description,
            match=match,
            path=path,
            never_on=[str(r) for r in CircuitRole if r not in app.path_preference],
            sla_latency_ms=app.sla.latency_ms,
            sla_jitter_ms=app.sla.jitter_ms,
            sla_loss_pct=float(app.sla.loss_pct),
        )
        sla = Thresholds(app.sla.latency_ms, app.sla.jitter_ms, float(app.sla.loss_pct))
        decision = report.classes.get(name) if report else None
        if report is not None and decision is not None:
            decision = replace(decision, preferred=path[0])
            route.active, route.source = decision.circuit, SteeringSource.AGENT
            route.since, route.since_ts = iso(decision.since), decision.since
            route.why = explain(decision, report, sla)
            for role in path:
                found = criteria(report.circuits.get(role), sla)
                route.circuits.append(
                    ClassCircuit(
                        role, [c.text() for c in found], [c.name for c in found if c.over], decision.sla_met.get(role)
                    )
                )
        elif has_agent:
            route.source = SteeringSource.AGENT_SILENT
            route.why = (
                "the site's agent does not report: its last decision holds on the router, and policy routing "
                "still falls through a circuit that goes down"
            )
        elif steering is not None:
            route.active = next((r for r in path if up.get(r)), None)
            route.source = SteeringSource.PATH
            route.why = "no agent at this site: the first circuit of the path that is up (the router steers natively)"
        routes.append(route)
    return routes


def _trends(estate: Estate, facts: SiteFacts, url: str | None) -> SiteTrends:
    policy = estate.policies[facts.policy]
    slas = []
    for c in facts.circuits:
        sla = strictest_sla(policy, c.role)
        slas.append(CircuitSla(c.role, sla.loss_ratio if sla else None, sla.latency_seconds / 2 if sla else None))
    return SiteTrends(url, facts.site, slas)


@dataclass(frozen=True)
class Live:
    """What Prometheus says now: the slow part of a view (a few hundred ms at 80 sites, tens of seconds
    at 10,000), which the live pane reads in the background and reuses between requests."""

    state: monitoring.LiveState | None
    note: str
    steering: steering_source.SteeringState | None
    url: str | None


#: Per Prometheus query: 10,000 sites' series take tens of seconds to answer on a busy machine.
LIVE_TIMEOUT = 60.0


def read_live(sources: Sources, timeout: float = LIVE_TIMEOUT) -> Live:
    live, note = monitoring.read(sources.state_dir, sources.prometheus, timeout=timeout)
    steering = steering_source.read(sources.state_dir, sources.prometheus, timeout=timeout) if live else None
    url = sources.prometheus or stack_prometheus_url(sources.state_dir) if live else None
    return Live(live, note, steering, url)


def live_sites(view: IntentsView, reading: Live) -> list[SiteView]:
    """Every site with what the intents and Prometheus say (the part rebuilt only with a new reading)."""
    live, steering, url = reading.state, reading.steering, reading.url
    sites = []
    for sid in view.estate.site_ids():
        facts = view.facts[sid]
        site = view.estate.sites[sid]
        circuits = _circuits(facts, live)
        sites.append(
            SiteView(
                site=sid,
                name=site.name,
                region=site.region,
                platform=site.platform,
                policy=site.policy,
                state=site_state(circuits) if live else SiteState.UNKNOWN,
                circuits=circuits,
                availability_30d=live.availability_30d.get(sid) if live else None,
                classes=_classes(view.estate, facts, circuits, steering),
                trends=_trends(view.estate, facts, url),
            )
        )
    return sites


def with_local(view: IntentsView, base: list[SiteView], sources: Sources, reading: Live) -> EstateView:
    """The estate: ``base`` (:func:`live_sites`) with the local sources read now (incidents, drift,
    rollouts, engagement): cheap enough to redo on every change, even at 10,000 sites."""
    drifts = drift_source.read(sources.state_dir)
    incidents, incidents_note = incident_source.read(sources.state_dir)
    changes = rollouts.read(sources.state_dir)
    by_site: dict[str, list[Incident]] = {}
    for incident in incidents:
        by_site.setdefault(incident.site, []).append(incident)
    sites = []
    for site in base:
        mine = by_site.get(site.site, [])
        sites.append(
            replace(
                site,
                last_change=changes.last_change(site.site),
                drift=drifts.get(site.site),
                open_incidents=[i for i in mine if i.status.is_open and i.alertname not in EVENT_ALERTS],
                history=changes.history.get(site.site, []),
                incidents=mine[:SITE_INCIDENTS],
                events=[i for i in mine if i.status.is_open and i.alertname in EVENT_ALERTS],
            )
        )
    return EstateView(
        estate=view.estate.settings.name,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        monitoring=reading.note,
        monitoring_up=reading.state is not None,
        sites=sites,
        rollouts=changes.runs,
        incidents=[i for i in incidents if i.status.is_open and i.alertname not in EVENT_ALERTS],
        engagement=engagement_source.read(sources.state_dir),
        notices=([incidents_note] if incidents_note else []) + outages_source.read(sources.state_dir),
    )


def collect(view: IntentsView, sources: Sources, reading: Live | None = None) -> EstateView:
    """The estate now; ``reading``: a recent :func:`read_live` to build on instead of asking Prometheus."""
    reading = reading or read_live(sources)
    return with_local(view, live_sites(view, reading), sources, reading)
