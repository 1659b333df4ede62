"""The post-change health gate, polled between commit and confirm.

It passes when, on the device itself:

* BGP is established on every circuit whose link was up before the change ("should be up";
  links are read once, before the commit);
* a default route is installed;
* LAN-sourced pings reach the hub and the SaaS address (replies come back).

It polls until it passes or its deadline expires, and keeps what the last poll saw.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from nornir.core.task import Result, Task

from runbook_wan.facts.models import SiteFacts
from runbook_wan.results import Status
from runbook_wan.tasks.connection import device
from runbook_wan.verify import probes
from runbook_wan.verify.model import Check
from runbook_wan.verify.site_checks import lan_source


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
    """Link state of each circuit now: before a change, circuits with link are the ones that
    should work after it."""
    interfaces = device(task).get_interfaces()
    links = {c.role: asdict(probes.link(interfaces, c.interface)) for c in facts.circuits}
    return Result(host=task.host, result=links)


def observe(driver: probes.Device, facts: SiteFacts, links: dict[str, dict[str, Any]]) -> GateObservation:
    """One poll. Cheap first: BGP sessions only, until every circuit that had link is established;
    then the default route and LAN-sourced pings."""
    obs = GateObservation()
    neighbors = driver.get_bgp_neighbors()
    for c in facts.circuits:
        link = links.get(c.role, {})
        expected = link.get("status") == Status.SUCCESS.value
        session = probes.bgp(neighbors, c.gateway)
        obs.circuits[c.role] = {"expected": expected, "link_before": link, "bgp": asdict(session)}
        if expected and session.status is not Status.SUCCESS:
            obs.failures.append(f"{c.role}: {session.detail}")
    if obs.failures:  # sessions still coming up: ask nothing else this poll
        return obs
    obs.default_route = probes.default_route(driver)
    if obs.default_route.status is not Status.SUCCESS:
        obs.failures.append(f"default route: {obs.default_route.detail}")
        return obs
    source = lan_source(facts)
    obs.hub = probes.ping(driver, "hub", facts.hub_address, source)
    obs.saas = probes.ping(driver, "saas", facts.saas_address, source)
    obs.failures += [f"{c.name}: {c.detail}" for c in (obs.hub, obs.saas) if c.status is not Status.SUCCESS]
    obs.passed = not obs.failures
    return obs


def health_gate(
    task: Task, facts: SiteFacts, links: dict[str, dict[str, Any]], timeout: float, interval: float = 1.0
) -> Result:
    driver = device(task)
    start = time.monotonic()
    polls = 0
    while True:
        polls += 1
        obs = observe(driver, facts, links)
        obs.polls, obs.seconds = polls, round(time.monotonic() - start, 2)
        if obs.passed or time.monotonic() - start >= timeout:
            return Result(host=task.host, result=obs, failed=not obs.passed)
        time.sleep(interval)
