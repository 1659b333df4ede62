"""The edge agent's policy of one site (``configs/<site>.agent.json``, docs/agent.md), from the facts.

Everything in it is derived elsewhere and only gathered here: the circuits and their tracking
addresses (:mod:`runbook_wan.facts.builder`), the steering groups and their pbr-map sequences
(:mod:`runbook_wan.facts.steering`), each class's SLA and path from its policy, and the probe and
hysteresis settings from ``estate.steering``.
"""

from __future__ import annotations

from runbook_wan.facts.models import (
    AgentCircuitFact,
    AgentClassFact,
    AgentDecisionFact,
    AgentGroupFact,
    AgentMetricsFact,
    AgentPolicyFact,
    AgentProbeFact,
    AgentSlaFact,
    CircuitFact,
    SteeringFact,
)
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.model.policy import Policy
from runbook_wan.model.region import ProbeSettings, SteeringSettings

#: Provider kinds whose data is metered (probed at ``estate.steering.metered_probe``).
METERED_KINDS = frozenset({"wireless"})
#: When no circuit of a class meets its SLA, the agent takes the least bad one, comparing in this
#: order: more SLA criteria met, then lower loss, latency, jitter, then the path's own order.
LEAST_BAD = ["criteria_met", "loss", "latency", "jitter", "path_order"]


def _probe(settings: ProbeSettings) -> AgentProbeFact:
    return AgentProbeFact(interval_ms=settings.interval_ms, window_s=settings.window_s)


def agent_policy(
    site: str,
    policy: Policy,
    platform: PlatformSpec,
    circuits: list[CircuitFact],
    steer: SteeringFact,
    settings: SteeringSettings,
) -> AgentPolicyFact:
    nexthops: dict[str, str] = {}
    for group in steer.groups:
        for path in group.nexthops:
            if path.circuit and path.nexthop:
                nexthops.setdefault(path.circuit, path.nexthop)
    classes = []
    for name, app in policy.classes.items():
        mine = [g for g in steer.groups if g.app_class == name and g.nexthops]
        groups = [AgentGroupFact(sequences=[p.seq for p in g.nexthops]) for g in mine]
        classes.append(
            AgentClassFact(
                name=name,
                sla=AgentSlaFact(
                    latency_ms=app.sla.latency_ms, jitter_ms=app.sla.jitter_ms, loss_pct=float(app.sla.loss_pct)
                ),
                path=list(app.path_preference),
                groups=groups,
            )
        )
    return AgentPolicyFact(
        site=site,
        pbr_map=steer.name,
        metrics=AgentMetricsFact(interface=platform.interfaces.management, port=settings.metrics_port),
        circuits=[
            AgentCircuitFact(
                role=c.role,
                interface=c.interface,
                source=c.address.partition("/")[0],  # "a.b.c.d/len", written from a validated interface
                target=c.tracking_address,
                nexthop=nexthops.get(c.role, c.tracking_address),
                metered=c.provider_kind in METERED_KINDS,
                probe=_probe(settings.metered_probe if c.provider_kind in METERED_KINDS else settings.probe),
            )
            for c in circuits
        ],
        classes=classes,
        decision=AgentDecisionFact(
            breach_windows=settings.breach_windows,
            clear_windows=settings.clear_windows,
            hold_s=settings.hold_s,
            least_bad=list(LEAST_BAD),
        ),
    )
