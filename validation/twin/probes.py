"""What to send from which LAN segment to prove a class is steered, and where it must leave.

A class matched by source segment is probed from that segment to the hub; a class matched by
destination is probed from a segment no segment-class claims, to a host inside the prefix.
The expected circuit is the first of the class's path preference still working in the
scenario; with none left, the traffic must be dropped (``None``).
"""

from __future__ import annotations

from dataclasses import dataclass

from runbook_wan.facts.models import SiteFacts


@dataclass(frozen=True)
class Probe:
    app_class: str
    segment: str
    destination: str
    path_preference: tuple[str, ...]

    def expected(self, failed: frozenset[str]) -> str | None:
        return next((role for role in self.path_preference if role not in failed), None)


def class_probes(facts: SiteFacts, class_target: dict[str, str], hub: str) -> list[Probe]:
    by_network = {seg.network: seg.name for seg in facts.lan_segments}
    claimed = {by_network[src] for c in facts.classes for src in c.sources if src in by_network}
    free = [seg.name for seg in facts.lan_segments if seg.name not in claimed]
    probes: list[Probe] = []
    for c in facts.classes:
        path = tuple(c.path_preference)
        if c.sources and c.sources[0] in by_network:
            probes.append(Probe(c.app_class, by_network[c.sources[0]], hub, path))
        elif c.destinations and free and c.destinations[0] in class_target:
            probes.append(Probe(c.app_class, free[0], class_target[c.destinations[0]], path))
    return probes
