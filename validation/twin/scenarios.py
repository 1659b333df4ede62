"""Failure scenarios of the proof: which circuits fail or brown out, and how."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from runbook_wan.model.roles import CircuitRole

FaultMode = Literal["link", "blackhole"]
#: One-way delay of the slow-primary scenario: over the example's voice latency SLA (150 ms), under
#: video's (200 ms), so one class moves and another stays.
SLOW_MS = 180.0
BROWNOUT_LOSS_PCT = 5.0


@dataclass(frozen=True)
class Impairment:
    """A brownout (``lab impair``): loss towards the provider, one-way delay each way."""

    role: str
    loss_pct: float = 0.0
    delay_ms: float = 0.0


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    faults: tuple[tuple[str, FaultMode], ...] = ()
    impairments: tuple[Impairment, ...] = ()
    #: After the restore, wait until every class is back where it was (the edge agent's hold) and
    #: check it came back: the next scenario must start from the rendered preference.
    await_return: bool = False

    @property
    def failed_roles(self) -> frozenset[str]:
        return frozenset(role for role, _ in self.faults)

    @property
    def degraded(self) -> dict[str, Impairment]:
        return {i.role: i for i in self.impairments}

    @property
    def needs_relay(self) -> bool:
        """Delay needs the lab's relay on the DIAs (``lab up --relay``)."""
        return any(i.delay_ms for i in self.impairments)

    @property
    def delayed_roles(self) -> frozenset[str]:
        return frozenset(i.role for i in self.impairments if i.delay_ms)

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*(r for r, _ in self.faults), *(i.role for i in self.impairments)]))


PRIMARY, SECONDARY = CircuitRole.PRIMARY_DIA.value, CircuitRole.SECONDARY_DIA.value

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("primary-down", "primary circuit link down", ((PRIMARY, "link"),)),
    Scenario("secondary-down", "secondary circuit link down", ((SECONDARY, "link"),)),
    Scenario("wireless-only", "primary and secondary links down", ((PRIMARY, "link"), (SECONDARY, "link"))),
    Scenario(
        "primary-blackhole",
        "primary silently drops everything (link stays up; BFD must notice)",
        ((PRIMARY, "blackhole"),),
    ),
    Scenario(
        "primary-slow",
        f"primary {SLOW_MS:g} ms one way, up and alive (the edge agent moves the classes whose latency SLA it breaks)",
        impairments=(Impairment(PRIMARY, delay_ms=SLOW_MS),),
        await_return=True,
    ),
    Scenario(
        "primary-brownout",
        f"primary loses {BROWNOUT_LOSS_PCT:g} % of packets, up and alive (the edge agent moves the classes whose "
        "loss SLA it breaks)",
        impairments=(Impairment(PRIMARY, loss_pct=BROWNOUT_LOSS_PCT),),
    ),
)
#: What ``validate --twin --scenario`` accepts.
SCENARIO_NAMES: tuple[str, ...] = tuple(s.name for s in SCENARIOS)


def select(names: tuple[str, ...] | list[str]) -> tuple[Scenario, ...]:
    """The scenarios named (all of them when none is), in the proof's own order."""
    return tuple(s for s in SCENARIOS if not names or s.name in names)
