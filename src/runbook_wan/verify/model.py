"""Health of a site and its circuits.

A site is **up** when it passes and receives traffic over at least one circuit. It is
``healthy`` when every circuit does, ``degraded`` when only some do, ``down`` when none does,
and ``unknown`` when we could not ask (unreachable device).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from runbook_wan.results import Status

if TYPE_CHECKING:
    from runbook_wan.verify.steering import SteeringCheck


class SiteState(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"

    @property
    def is_up(self) -> bool:
        return self in (SiteState.HEALTHY, SiteState.DEGRADED)


@dataclass
class Check:
    name: str
    status: Status
    detail: str = ""


@dataclass
class CircuitHealth:
    role: str
    interface: str
    provider: str
    link: Check
    bgp: Check
    traffic: Check

    @property
    def passes_traffic(self) -> bool:
        return self.traffic.status is Status.SUCCESS

    @property
    def healthy(self) -> bool:
        return all(c.status is Status.SUCCESS for c in (self.link, self.bgp, self.traffic))


@dataclass
class SiteHealth:
    site: str
    state: SiteState
    circuits: list[CircuitHealth] = field(default_factory=list)
    default_route: Check | None = None
    hub: Check | None = None
    saas: Check | None = None
    error: str = ""
    #: The SD-WAN agent's view (FRR sites): where each class runs, why, since when; None: no agent.
    steering: SteeringCheck | None = None

    @property
    def up(self) -> bool:
        return self.state.is_up

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["up"] = self.up
        return data


def classify(circuits: list[CircuitHealth], hub: Check, saas: Check) -> SiteState:
    passing = [c for c in circuits if c.passes_traffic]
    reaches = hub.status is Status.SUCCESS and saas.status is Status.SUCCESS
    if not passing and not reaches:
        return SiteState.DOWN
    if reaches and circuits and all(c.healthy for c in circuits):
        return SiteState.HEALTHY
    return SiteState.DEGRADED
