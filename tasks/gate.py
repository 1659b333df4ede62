"""The post-change health gate, polled between commit and confirm.

It passes when, on the device itself:

* BGP is established on every circuit whose link was up before the change ("should be up";
  links are read once, before the commit);
* a default route is installed;
* LAN-sourced pings reach the hub and the SaaS address (replies come back).

It polls every :data:`POLL_INTERVAL_S` until it passes or its deadline expires, and keeps what the
last poll saw. The two pings run in parallel and stop at their first reply: a reply is the
evidence, so a ping that got its reply is not repeated in later polls. The gate passes at the first poll that
completes the evidence, but never before :func:`settle_time` after the commit: a change that
breaks a circuit silently shows only once BFD's detection time has passed, so BGP and the default
route are read again at that point before the gate says yes.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
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


#: Seconds between two polls (the device answers a poll from its open vtysh session).
POLL_INTERVAL_S = 0.4
#: Seconds a ping may probe for its first reply (one reply proves reachability; the way back from
#: the hub can appear a moment after the site's default route).
PING_DEADLINE_S = 3
#: The gate never passes sooner than this after the commit (see settle_time).
MIN_SETTLE_S = 1.0


def settle_time(facts: SiteFacts) -> float:
    """Seconds the evidence must wait for: one BFD detection time (interval x multiplier) of the
    config just committed when its circuits run BFD, and at least :data:`MIN_SETTLE_S`."""
    profile = facts.bfd_profile
    if profile is None or not any(c.bfd for c in facts.circuits):
        return MIN_SETTLE_S
    return max(MIN_SETTLE_S, profile.interval_ms * profile.multiplier / 1000)


def observe(
    driver: probes.Device,
    facts: SiteFacts,
    links: dict[str, dict[str, Any]],
    proven: dict[str, Check] | None = None,
    pool: ThreadPoolExecutor | None = None,
) -> GateObservation:
    """One poll. Cheap first: BGP sessions only, until every circuit that had link is established;
    then the default route and LAN-sourced pings (in parallel with ``pool``). ``proven`` holds the
    pings that already got their reply in an earlier poll of the same gate (they are not repeated)
    and receives the new ones."""
    proven = {} if proven is None else proven
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
    targets = {"hub": facts.hub_address, "saas": facts.saas_address}

    def ping(name: str) -> Check:
        return probes.first_reply(driver, name, targets[name], source, deadline=PING_DEADLINE_S)

    todo = [name for name in targets if name not in proven]
    found = list(pool.map(ping, todo)) if pool is not None and len(todo) > 1 else [ping(n) for n in todo]
    proven.update((c.name, c) for c in found if c.status is Status.SUCCESS)
    checks = {**{c.name: c for c in found}, **proven}
    obs.hub, obs.saas = checks["hub"], checks["saas"]
    obs.failures += [f"{c.name}: {c.detail}" for c in (obs.hub, obs.saas) if c.status is not Status.SUCCESS]
    obs.passed = not obs.failures
    return obs


def health_gate(
    task: Task,
    facts: SiteFacts,
    links: dict[str, dict[str, Any]],
    timeout: float,
    interval: float = POLL_INTERVAL_S,
) -> Result:
    driver = device(task)
    start = time.monotonic()
    settle = min(settle_time(facts), timeout)
    proven: dict[str, Check] = {}
    polls = 0
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"gate-{task.host.name}") as pool:
        while True:
            polls += 1
            obs = observe(driver, facts, links, proven, pool)
            now = time.monotonic()
            obs.polls, obs.seconds = polls, round(now - start, 2)
            if (obs.passed and now - start >= settle) or (not obs.passed and now - start >= timeout):
                return Result(host=task.host, result=obs, failed=not obs.passed)
            # evidence complete too early: read BGP and the default route again once it has settled
            wake = start + settle if obs.passed else start + polls * interval
            time.sleep(max(0.0, wake - now))
