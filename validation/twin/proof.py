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
from runbook_wan.render.pipeline import RenderResult
from runbook_wan.render.writer import write_configs
from runbook_wan.validation.twin.probes import Probe, class_probes
from runbook_wan.validation.twin.scenarios import SCENARIOS, Scenario

#: Lab name prefix of twin runs (the CLI's lab is ``rb``, tests use ``rbt*``).
#: Lab prefix of twin proofs; set RUNBOOK_TWIN_PREFIX to run two proofs side by side.
TWIN_PREFIX = os.environ.get("RUNBOOK_TWIN_PREFIX", "rbtwin")
CONVERGE_S = 30.0
STEER_S = 15.0
RESTORE_S = 90.0
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
    cell = Cell(facts.site, scenario.name)
    cell.hub_s = lab.reaches(facts.site, facts.lan_segments[0].name, lab.hub, timeout=CONVERGE_S)
    cell.saas_s = lab.reaches(facts.site, facts.lan_segments[0].name, lab.saas, timeout=CONVERGE_S)
    if cell.hub_s is None:
        cell.problems.append(f"LAN ({facts.lan_segments[0].name}) does not reach the hub {lab.hub}")
    if cell.saas_s is None:
        cell.problems.append(f"LAN ({facts.lan_segments[0].name}) does not reach SaaS {lab.saas}")
    for probe in probes:
        expected = probe.expected(scenario.failed_roles)
        deadline = time.monotonic() + STEER_S
        while True:  # steering follows BGP/BFD, which may still be converging: poll
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


def run_proof(
    rendered: RenderResult, sites: list[str], state_dir: Path, progress: Callable[[str], None] | None = None
) -> TwinMatrix:
    """Boot ``sites`` with their rendered configs, run every scenario, tear the lab down."""
    say = progress or (lambda _msg: None)
    matrix = TwinMatrix(sites=sites, scenarios=list(SCENARIOS))
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="runbook-twin-") as tmp:
        configs = Path(tmp) / "configs"
        write_configs({s: rendered.configs[s] for s in sites}, configs, prune=False)
        say(f"booting {len(sites)} site(s) with their candidate configs")
        lab = Lab.up(
            rendered.estate.root,
            state_dir,
            prefix=TWIN_PREFIX,
            limit=",".join(sites),
            configs=configs,
            inventory_dir=None,
            management_network=free_management_network(),
        )
        matrix.timings["boot_s"] = round(time.monotonic() - start, 2)
        try:
            targets = dict(lab.topology.internet.targets)
            probes = {s: class_probes(rendered.facts[s], targets, lab.hub) for s in sites}
            with ThreadPoolExecutor(WORKERS) as pool:
                for scenario in SCENARIOS:
                    began = time.monotonic()
                    say(f"scenario {scenario.name}: {scenario.description}")
                    list(pool.map(lambda s, sc=scenario: [lab.fail(s, role, mode) for role, mode in sc.faults], sites))
                    cells = pool.map(lambda s, sc=scenario: _check_cell(lab, rendered.facts[s], probes[s], sc), sites)
                    for cell in cells:
                        matrix.cells[(cell.site, scenario.name)] = cell
                    list(
                        pool.map(
                            lambda s, sc=scenario: [lab.restore(s, role, wait=RESTORE_S) for role, _ in sc.faults],
                            sites,
                        )
                    )
                    matrix.timings[f"{scenario.name}_s"] = round(time.monotonic() - began, 2)
        finally:
            lab.down()
    matrix.timings["total_s"] = round(time.monotonic() - start, 2)
    return matrix
