"""Run the proof: boot the sites in a lab of their own, then each scenario on all sites at once."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from runbook_wan.facts.models import SiteFacts
from runbook_wan.lab.api import Lab
from runbook_wan.lab.builder import free_management_network
from runbook_wan.lab.teardown import down
from runbook_wan.render.pipeline import RenderResult
from runbook_wan.render.writer import write_configs
from runbook_wan.results import DiagnosticError
from runbook_wan.validation.twin.probes import Probe, class_probes
from runbook_wan.validation.twin.scenarios import Scenario, select

#: Lab prefix of twin proofs (the CLI's lab is ``rb``, tests use ``rbt*``); set RUNBOOK_TWIN_PREFIX to
#: run two proofs side by side (their management networks never collide: lab.mgmt_pool).
TWIN_PREFIX = os.environ.get("RUNBOOK_TWIN_PREFIX", "rbtwin")
CONVERGE_S = 30.0
STEER_S = 15.0
#: Brownouts are steered by the edge agent (about 8 s for 5 % loss, bench/results/steering.json);
#: generous for a loaded machine running every site's agent.
BROWNOUT_STEER_S = 45.0
#: After a brownout: the agent's hold plus this, for every class to be back where it was.
RETURN_MARGIN_S = 45.0
RESTORE_S = 90.0
#: An agent judges a metered circuit once half its 30 s window is full.
AGENT_READY_S = 60.0
WORKERS = 16


@dataclass
class SteeringResult:
    app_class: str
    expected: str | None  # circuit role, or None for "dropped"
    actual: str | None
    ok: bool


@dataclass
class Cell:
    site: str
    scenario: str
    hub_s: float | None = None  # seconds until the hub answered (None: never)
    saas_s: float | None = None
    returned_s: float | None = None  # brownouts: seconds from the restore until every class was back
    steering: list[SteeringResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class TwinMatrix:
    sites: list[str]
    scenarios: list[Scenario]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _role_of(facts: SiteFacts, interface: str | None) -> str | None:
    return next((c.role for c in facts.circuits if c.interface == interface), interface)


def _check_cell(lab: Lab, facts: SiteFacts, probes: list[Probe], scenario: Scenario) -> Cell:
    steer_s = BROWNOUT_STEER_S if scenario.impairments else STEER_S
    cell = Cell(facts.site, scenario.name)
    cell.hub_s = lab.reaches(facts.site, facts.lan_segments[0].name, lab.hub, timeout=CONVERGE_S)
    cell.saas_s = lab.reaches(facts.site, facts.lan_segments[0].name, lab.saas, timeout=CONVERGE_S)
    if cell.hub_s is None:
        cell.problems.append(f"LAN ({facts.lan_segments[0].name}) does not reach the hub {lab.hub}")
    if cell.saas_s is None:
        cell.problems.append(f"LAN ({facts.lan_segments[0].name}) does not reach SaaS {lab.saas}")
    for probe in probes:
        expected = probe.expected(scenario)
        deadline = time.monotonic() + steer_s
        while True:  # steering follows BGP/BFD (or the agent's verdict), which may still be converging: poll
            actual = _role_of(facts, lab.egress_interface(facts.site, probe.segment, probe.destination))
            if actual == expected or time.monotonic() >= deadline:
                break
            time.sleep(0.25)
        cell.steering.append(SteeringResult(probe.app_class, expected, actual, actual == expected))
        if actual != expected:
            cell.problems.append(
                f"class {probe.app_class} ({probe.segment} -> {probe.destination}) leaves via "
                f"{actual or 'nowhere (dropped)'}, expected {expected or 'dropped'}"
            )
    if sum(s.ok for s in cell.steering) < 2:
        cell.problems.append(f"fewer than two classes steered as intended ({len(probes)} probed)")
    return cell


def _await_return(lab: Lab, facts: SiteFacts, probes: list[Probe], cell: Cell, restored: float) -> None:
    """After a brownout: every class back on its circuit of a healthy network, within the hold."""
    hold = float(facts.agent.decision.hold_s) if facts.agent else 0.0
    healthy = Scenario("healthy", "no fault")
    deadline = restored + hold + RETURN_MARGIN_S
    pending = list(probes)
    while pending and time.monotonic() < deadline:
        pending = [
            p
            for p in pending
            if _role_of(facts, lab.egress_interface(facts.site, p.segment, p.destination)) != p.expected(healthy)
        ]
        if pending:
            time.sleep(1.0)
    if pending:
        cell.problems.append(
            "after the brownout ended, " + ", ".join(p.app_class for p in pending) + f" did not come back within "
            f"the hold ({hold:.0f} s) + {RETURN_MARGIN_S:.0f} s"
        )
    else:
        cell.returned_s = round(time.monotonic() - restored, 1)


def _start_agent(lab: Lab, site: str) -> None:
    """Start the site's agent and wait until it measures every circuit (a brownout needs a verdict)."""
    lab.start_agent(site)
    deadline = time.monotonic() + AGENT_READY_S
    while time.monotonic() < deadline:
        state = lab.agent_state(site)
        if state and all(c.get("loss_ratio") is not None for c in state.get("circuits", {}).values()):
            return
        time.sleep(1.0)


def _break(lab: Lab, site: str, scenario: Scenario) -> None:
    for role, mode in scenario.faults:
        lab.fail(site, role, mode)
    for impairment in scenario.impairments:
        lab.impair(site, impairment.role, loss_pct=impairment.loss_pct or None, delay_ms=impairment.delay_ms or None)


def run_proof(
    rendered: RenderResult,
    sites: list[str],
    state_dir: Path,
    progress: Callable[[str], None] | None = None,
    scenario_names: tuple[str, ...] = (),
) -> TwinMatrix:
    """Boot ``sites`` with their rendered configs, run every scenario (or those named), tear the lab down."""
    say = progress or (lambda _msg: None)
    scenarios = select(scenario_names)
    matrix = TwinMatrix(sites=sites, scenarios=list(scenarios))
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="runbook-twin-") as tmp:
        configs = Path(tmp) / "configs"
        write_configs({s: rendered.configs[s] for s in sites}, configs, prune=False)
        say(f"booting {len(sites)} site(s) with their candidate configs")
        try:
            lab = Lab.up(
                rendered.estate.root,
                state_dir,
                prefix=TWIN_PREFIX,
                limit=",".join(sites),
                configs=configs,
                inventory_dir=None,
                management_network=free_management_network(),
                relay=",".join(sites) if any(s.needs_relay for s in scenarios) else None,
                relay_roles=frozenset().union(*(s.delayed_roles for s in scenarios)),
            )
        except DiagnosticError:
            down(state_dir, TWIN_PREFIX)  # not ready in time: the proof's lab never outlives it
            raise
        matrix.timings["boot_s"] = round(time.monotonic() - start, 2)
        try:
            targets = dict(lab.topology.internet.targets)
            probes = {s: class_probes(rendered.facts[s], targets, lab.hub) for s in sites}
            with ThreadPoolExecutor(WORKERS) as pool:
                # Circuit failures prove reachability failover alone (pbrd, BGP, BFD: what must hold
                # with or without an agent); the edge agents run for the brownouts, starting fresh on
                # the rendered order, so a class moved by one scenario never waits out a hold into the next.
                list(pool.map(lab.stop_agent, sites))
                agents_on = False
                for scenario in scenarios:
                    if scenario.impairments and not agents_on:
                        say("starting the edge agents for the brownouts")
                        list(pool.map(lambda s: _start_agent(lab, s), sites))
                        agents_on = True
                    began = time.monotonic()
                    say(f"scenario {scenario.name}: {scenario.description}")
                    list(pool.map(lambda s, sc=scenario: _break(lab, s, sc), sites))
                    cells = list(
                        pool.map(lambda s, sc=scenario: _check_cell(lab, rendered.facts[s], probes[s], sc), sites)
                    )
                    for cell in cells:
                        matrix.cells[(cell.site, scenario.name)] = cell
                    list(
                        pool.map(
                            lambda s, sc=scenario: [lab.restore(s, role, wait=RESTORE_S) for role in sc.roles],
                            sites,
                        )
                    )
                    if scenario.await_return:
                        restored = time.monotonic()
                        list(
                            pool.map(
                                lambda c, at=restored: _await_return(
                                    lab, rendered.facts[c.site], probes[c.site], c, at
                                ),
                                cells,
                            )
                        )
                    matrix.timings[f"{scenario.name}_s"] = round(time.monotonic() - began, 2)
        finally:
            lab.down()
    matrix.timings["total_s"] = round(time.monotonic() - start, 2)
    return matrix
