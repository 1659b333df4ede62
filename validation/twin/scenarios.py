"""Failure scenarios of the proof: which circuits fail, and how."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FaultMode = Literal["link", "blackhole"]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    faults: tuple[tuple[str, FaultMode], ...]

    @property
    def failed_roles(self) -> frozenset[str]:
        return frozenset(role for role, _ in self.faults)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("primary-down", "primary circuit link down", (("primary_dia", "link"),)),
    Scenario("secondary-down", "secondary circuit link down", (("secondary_dia", "link"),)),
    Scenario("wireless-only", "primary and secondary links down", (("primary_dia", "link"), ("secondary_dia", "link"))),
    Scenario(
        "primary-blackhole",
        "primary silently drops everything (link stays up; BFD must notice)",
        (("primary_dia", "blackhole"),),
    ),
)
