"""One measurement cycle: every circuit (hop-limited echo to its provider's tracking address) and
the hub and SaaS (plain echo), from every vantage, at once."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from runbook_wan.monitoring.targets import ProbeTargets
from runbook_wan.probe.icmp import DEFAULT_TTL, Probe, Vantage, run_probes


@dataclass(frozen=True)
class Stats:
    sent: int
    received: int
    #: Mean round trip (seconds) and mean absolute difference of consecutive round trips; None: no reply.
    latency: float | None
    jitter: float | None

    @property
    def loss(self) -> float:
        return 1 - self.received / self.sent if self.sent else 1.0

    @property
    def up(self) -> bool:
        return self.received > 0


def stats(samples: list[float | None]) -> Stats:
    got = [s for s in samples if s is not None]
    latency = sum(got) / len(got) if got else None
    diffs = [abs(b - a) for a, b in pairwise(got)]
    jitter = sum(diffs) / len(diffs) if diffs else (0.0 if got else None)
    return Stats(sent=len(samples), received=len(got), latency=latency, jitter=jitter)


@dataclass(frozen=True)
class CycleResult:
    #: (site, circuit) -> stats
    circuits: dict[tuple[str, str], Stats]
    #: (site, "hub" | "saas") -> stats
    targets: dict[tuple[str, str], Stats]
    duration: float


def build_probes(targets: ProbeTargets, vantages: dict[str, Vantage]) -> list[Probe]:
    probes = []
    for sid, vantage in sorted(vantages.items()):
        for circuit in targets.sites[sid].circuits:
            probes.append(
                Probe(("circuit", sid, circuit.circuit), vantage, circuit.tracking_address, targets.circuit_hop_limit)
            )
        probes.append(Probe(("target", sid, "hub"), vantage, targets.hub, DEFAULT_TTL))
        probes.append(Probe(("target", sid, "saas"), vantage, targets.saas, DEFAULT_TTL))
    return probes


def measure(probes: list[Probe], count: int, spacing: float, timeout: float) -> dict[tuple[str, ...], Stats]:
    return {key: stats(samples) for key, samples in run_probes(probes, count, spacing, timeout).items()}
