"""What to send from which LAN segment to prove a class is steered, and where it must leave.

A class matched by source segment is probed from that segment to the hub; a class matched by
destination is probed from a segment no segment-class claims, to a host inside the prefix.
The expected circuit is the first of the class's path preference still working in the scenario
and, where the site runs the edge agent, meeting the class's SLA (a brownout: loss over the SLA's
loss, one-way delay over its latency); with none left, the traffic must be dropped (``None``).
"""

from __future__ import annotations

from dataclasses import dataclass

from runbook_wan.facts.models import SiteFacts
from runbook_wan.validation.twin.scenarios import Scenario


@dataclass(frozen=True)
class Probe:
    app_class: str
    segment: str
    destination: str
    path_preference: tuple[str, ...]
    #: (latency_ms, loss_pct) of the class's SLA where the edge agent steers on it; None: nothing
    #: steers on SLA at this site, so a brownout moves nothing.
    sla: tuple[float, float] | None = None

    def _breaks_sla(self, role: str, scenario: Scenario) -> bool:
        impairment = scenario.degraded.get(role)
        if impairment is None or self.sla is None:
            return False
        latency_ms, loss_pct = self.sla
        return impairment.loss_pct > loss_pct or impairment.delay_ms > latency_ms

    def expected(self, scenario: Scenario) -> str | None:
        working = [role for role in self.path_preference if role not in scenario.failed_roles]
        meeting = [role for role in working if not self._breaks_sla(role, scenario)]
        chosen = meeting or working
        return chosen[0] if chosen else None


def class_probes(facts: SiteFacts, class_target: dict[str, str], hub: str) -> list[Probe]:
    by_network = {seg.network: seg.name for seg in facts.lan_segments}
    claimed = {by_network[src] for c in facts.classes for src in c.sources if src in by_network}
    free = [seg.name for seg in facts.lan_segments if seg.name not in claimed]
    slas = {c.name: (float(c.sla.latency_ms), c.sla.loss_pct) for c in facts.agent.classes} if facts.agent else {}
    probes: list[Probe] = []
    for c in facts.classes:
        path = tuple(c.path_preference)
        sla = slas.get(c.app_class)
        if c.sources and c.sources[0] in by_network:
            probes.append(Probe(c.app_class, by_network[c.sources[0]], hub, path, sla))
        elif c.destinations and free and c.destinations[0] in class_target:
            probes.append(Probe(c.app_class, free[0], class_target[c.destinations[0]], path, sla))
    return probes
