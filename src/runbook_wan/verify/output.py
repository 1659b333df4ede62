"""Verify output: a table per site (state and each circuit's link/BGP/traffic), the SD-WAN steering
each site's agent reports, and JSON."""

from __future__ import annotations

import json
import time

from rich.table import Table
from rich.text import Text

from runbook_wan.context import MaskedConsole
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.ops.steering import age
from runbook_wan.results import Status
from runbook_wan.verify.model import CircuitHealth, SiteHealth, SiteState

_STATE = {SiteState.HEALTHY: "green", SiteState.DEGRADED: "yellow", SiteState.DOWN: "red", SiteState.UNKNOWN: "red"}
_MARK = {Status.SUCCESS: "✓", Status.FAILURE: "✗", Status.ERROR: "!", Status.SKIPPED: "-"}


def _circuit_cell(c: CircuitHealth | None) -> Text:
    if c is None:
        return Text("-")
    cell = Text()
    for label, check in (("link", c.link), ("bgp", c.bgp), ("traffic", c.traffic)):
        style = "green" if check.status is Status.SUCCESS else "red"
        cell.append(f"{label} {_MARK[check.status]} ", style=style)
    return cell


def print_health(sites: list[SiteHealth], console: MaskedConsole) -> None:
    table = Table(title="Location-level SLA", show_edge=False)
    for column in ("site", "state", *CIRCUIT_ROLES, "hub", "saas"):
        table.add_column(column)
    for health in sites:
        by_role = {c.role: c for c in health.circuits}
        reach = [
            Text(_MARK[c.status], style="green" if c.status is Status.SUCCESS else "red") if c else Text("-")
            for c in (health.hub, health.saas)
        ]
        table.add_row(
            health.site,
            Text(health.state.value, style=_STATE[health.state]),
            *(_circuit_cell(by_role.get(r)) for r in CIRCUIT_ROLES),
            *reach,
        )
    console.print(table)
    for health in sites:
        if health.error:
            console.print(f"{health.site}: {health.error}", markup=False)
        for c in health.circuits:
            for check in (c.link, c.bgp, c.traffic):
                if check.status is not Status.SUCCESS:
                    console.print(f"{health.site} {c.role} {check.name}: {check.detail}", markup=False)
    print_steering(sites, console)
    up = sum(h.up for h in sites)
    console.print(
        f"{up} of {len(sites)} site(s) up "
        f"({sum(h.state is SiteState.HEALTHY for h in sites)} healthy, "
        f"{sum(h.state is SiteState.DEGRADED for h in sites)} degraded, "
        f"{sum(h.state is SiteState.DOWN for h in sites)} down, "
        f"{sum(h.state is SiteState.UNKNOWN for h in sites)} unknown)",
        markup=False,
    )


def to_json(sites: list[SiteHealth]) -> str:
    return (
        json.dumps(
            {
                "sites": [h.to_dict() for h in sites],
                "summary": {
                    "up": sum(h.up for h in sites),
                    "total": len(sites),
                    **{s.value: sum(h.state is s for h in sites) for s in SiteState},
                },
            },
            indent=2,
        )
        + "\n"
    )


#: Up to this many sites, every class is listed; beyond, only the classes off their preferred circuit.
EVERY_CLASS_UP_TO = 5


def print_steering(sites: list[SiteHealth], console: MaskedConsole, now: float | None = None) -> None:
    """Per site and class: the circuit it is on now, why, and since when (from the site's agent)."""
    with_agent = [h for h in sites if h.steering is not None]
    if not with_agent:
        return
    now = time.time() if now is None else now
    every = len(with_agent) <= EVERY_CLASS_UP_TO
    table = Table(title="SD-WAN steering (from each site's agent)", show_edge=False)
    for column in ("site", "class", "now on", "since", "why"):
        table.add_column(column, overflow="fold")
    shown = on_preferred = 0
    for health in with_agent:
        steering = health.steering
        assert steering is not None
        for line in steering.classes:
            if not every and not line.off_preferred:
                on_preferred += 1
                continue
            shown += 1
            style = "yellow" if line.off_preferred else "green"
            table.add_row(
                health.site,
                line.app_class,
                Text(line.circuit or "-", style=style),
                f"{line.since} ({age(line.since_ts, now)} ago)" if line.since_ts is not None else "-",
                Text(line.why),
            )
    if shown:
        console.print(table)
    if on_preferred:
        console.print(f"{on_preferred} other class(es) on their preferred circuit", markup=False)
    for health in with_agent:
        steering = health.steering
        assert steering is not None
        if steering.status is not Status.SUCCESS:
            console.print(f"finding: {health.site}: {steering.detail}", markup=False)
        elif steering.policy_differs:
            console.print(f"finding: {health.site}: the agent {steering.detail}", markup=False)
