"""Failure scenarios of the proof: which circuits fail, and how."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from runbook_wan.model.roles import CircuitRole

FaultMode = Literal["link", "blackhole"]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    faults: tuple[tuple[str, FaultMode], ...]

    @property
    def failed_roles(self) -> frozenset[str]:
        return frozenset(role for role, _ in self.faults)


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
)
