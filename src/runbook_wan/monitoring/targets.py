"""What the probe measures, derived from the intents: every circuit of every site, with its SLA.

Written to ``monitoring/probe-targets.yml`` by ``render`` (so a PR shows a changed threshold) and
read by ``runbook.py probe``. A circuit's SLA is the strictest SLA among the policy classes that
may use it (the classes whose ``path_preference`` lists its role).

Latency SLAs in policies are one-way; the probe measures round trips, so the target carries the
round-trip budget (twice the one-way figure). Jitter is compared as measured (mean absolute
difference of consecutive round trips); loss as a ratio 0..1.

Each policy's classes are listed too, with their path (the circuits a class may use, most preferred
first) and their own SLA: the alert rules use them to tell a circuit that carries a class right now
from one that stands by (:mod:`runbook_wan.monitoring.impact`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from runbook_wan.facts.models import SiteFacts
from runbook_wan.model.estate import Estate
from runbook_wan.model.policy import Policy


class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class Sla(_Model):
    loss_ratio: float
    latency_seconds: float = Field(description="Round-trip budget (twice the one-way SLA).")
    jitter_seconds: float
    #: Class that set each figure (the strictest), for messages.
    classes: dict[str, str] = Field(default_factory=dict)


class CircuitTarget(_Model):
    circuit: str  # role
    provider: str
    interface: str
    tracking_address: str
    sla: Sla | None  # None: no class may use the circuit


class ClassTarget(_Model):
    """One application class of a policy: where it may go, most preferred first, and its own SLA."""

    path: list[str]
    loss_ratio: float
    latency_seconds: float = Field(description="Round-trip budget (twice the one-way SLA).")
    jitter_seconds: float


class PolicyTarget(_Model):
    classes: dict[str, ClassTarget]


class SiteTarget(_Model):
    site: str
    region: str
    #: The site's SD-WAN policy (its classes are in ``ProbeTargets.policies``).
    policy: str = ""
    #: LAN segment the probe sources from (one no class steers by segment, so the main table decides).
    segment: str
    #: The router's address on that segment (the probe's next hop on a real LAN).
    segment_gateway: str
    circuits: list[CircuitTarget]


class ProbeTargets(_Model):
    estate: str
    hub: str
    saas: str
    #: A reply to a hop-limited echo proves the path through that circuit: the tracking address sits on
    #: the provider edge, two hops from a LAN host (router, provider edge). Any detour is longer.
    circuit_hop_limit: int = 2
    sites: dict[str, SiteTarget]
    #: The policies the sites use, with each class's path and SLA.
    policies: dict[str, PolicyTarget] = Field(default_factory=dict)


def strictest_sla(policy: Policy, role: str) -> Sla | None:
    """The strictest loss, latency and jitter among the classes that may use ``role``."""
    users = [(name, cls.sla) for name, cls in policy.classes.items() if role in cls.path_preference]
    if not users:
        return None
    loss = min(users, key=lambda item: item[1].loss_pct)
    latency = min(users, key=lambda item: item[1].latency_ms)
    jitter = min(users, key=lambda item: item[1].jitter_ms)
    return Sla(
        loss_ratio=round(loss[1].loss_pct / 100, 6),
        latency_seconds=round(2 * latency[1].latency_ms / 1000, 6),
        jitter_seconds=round(jitter[1].jitter_ms / 1000, 6),
        classes={"loss": loss[0], "latency": latency[0], "jitter": jitter[0]},
    )


def policy_target(policy: Policy) -> PolicyTarget:
    return PolicyTarget(
        classes={
            name: ClassTarget(
                path=[str(role) for role in app.path_preference],
                loss_ratio=round(app.sla.loss_pct / 100, 6),
                latency_seconds=round(2 * app.sla.latency_ms / 1000, 6),
                jitter_seconds=round(app.sla.jitter_ms / 1000, 6),
            )
            for name, app in policy.classes.items()
        }
    )


def _probe_segment(facts: SiteFacts, policy: Policy) -> tuple[str, str]:
    steered = {seg for cls in policy.classes.values() for seg in cls.match.segments}
    chosen = next((seg for seg in facts.lan_segments if seg.name not in steered), facts.lan_segments[0])
    return chosen.name, chosen.address.split("/")[0]


#: (id of a policy, circuit role) -> (the policy, its strictest SLA): the same for every site of the policy.
_SLAS: dict[tuple[int, str], tuple[Policy, Sla | None]] = {}


def _strictest(policy: Policy, role: str) -> Sla | None:
    known = _SLAS.get((id(policy), role))
    if known is None or known[0] is not policy:
        if len(_SLAS) > 10_000:
            _SLAS.clear()
        known = _SLAS[(id(policy), role)] = (policy, strictest_sla(policy, role))
    return known[1]


def site_target(facts: SiteFacts, policy: Policy) -> SiteTarget:
    """What the probe measures at one site: each circuit with its SLA under the site's policy."""
    segment, gateway = _probe_segment(facts, policy)
    return SiteTarget(
        site=facts.site,
        region=facts.region,
        policy=facts.policy,
        segment=segment,
        segment_gateway=gateway,
        circuits=[
            CircuitTarget(
                circuit=c.role,
                provider=c.provider,
                interface=c.interface,
                tracking_address=c.tracking_address,
                sla=_strictest(policy, c.role),
            )
            for c in facts.circuits
        ],
    )


def build_targets(estate: Estate, facts: dict[str, SiteFacts]) -> ProbeTargets:
    sites = {sid: site_target(site, estate.policies[site.policy]) for sid, site in sorted(facts.items())}
    return ProbeTargets(
        estate=estate.settings.name,
        hub=str(estate.settings.reachability.hub),
        saas=str(estate.settings.reachability.saas),
        sites=sites,
        policies={name: policy_target(estate.policies[name]) for name in sorted({s.policy for s in facts.values()})},
    )
