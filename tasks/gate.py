"""The post-change health gate, polled between commit and confirm.

It passes when, on the device itself:

* BGP is established on every circuit whose link was up before the change ("should be up");
* a default route is installed;
* LAN-sourced pings reach the hub and the SaaS address (replies come back).

It polls until it passes or its deadline expires, and keeps what the last poll saw.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from nornir.core.task import Result, Task

from facts.models import SiteFacts
from results import Status
from tasks.connection import device
from verify import probes
from verify.model import Check
from verify.site_checks import lan_source


@dataclass
class GateObservation:
    passed: bool = False
    failures: list[str] = field(default_factory=list)
    circuits: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_route: Check | None = None
    hub: Check | None = None
    saas: Check | None = None
    polls: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def circuits_up(task: Task, facts: SiteFacts) -> Result:
    """Roles whose link is up now: before a change, these are the circuits that should work after it."""
    interfaces = device(task).get_interfaces()
    roles = [c.role for c in facts.circuits if interfaces.get(c.interface, {}).get("is_up")]
    return Result(host=task.host, result=roles)


def observe(driver: probes.Device, facts: SiteFacts, expected: list[str]) -> GateObservation:
    obs = GateObservation()
    interfaces = driver.get_interfaces()
    neighbors = driver.get_bgp_neighbors()
    for c in facts.circuits:
        link = probes.link(interfaces, c.interface)
        session = probes.bgp(neighbors, c.gateway)
        obs.circuits[c.role] = {"expected": c.role in expected, "link": asdict(link), "bgp": asdict(session)}
        if c.role in expected and session.status is not Status.SUCCESS:
            obs.failures.append(f"{c.role}: {session.detail}")
    obs.default_route = probes.default_route(driver)
    if obs.default_route.status is not Status.SUCCESS:
        obs.failures.append(f"default route: {obs.default_route.detail}")
    if obs.failures:  # no point pinging before routing converged
        return obs
    source = lan_source(facts)
    obs.hub = probes.ping(driver, "hub", facts.hub_address, source)
    obs.saas = probes.ping(driver, "saas", facts.saas_address, source)
    obs.failures += [f"{c.name}: {c.detail}" for c in (obs.hub, obs.saas) if c.status is not Status.SUCCESS]
    obs.passed = not obs.failures
    return obs


def health_gate(task: Task, facts: SiteFacts, expected: list[str], timeout: float,
                interval: float = 1.0) -> Result:
    driver = device(task)
    start = time.monotonic()
    polls = 0
    while True:
        polls += 1
        obs = observe(driver, facts, expected)
        obs.polls, obs.seconds = polls, round(time.monotonic() - start, 2)
        if obs.passed or time.monotonic() - start >= timeout:
            return Result(host=task.host, result=obs, failed=not obs.passed)
        time.sleep(interval)
