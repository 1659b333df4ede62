"""``runbook.py verify``: the location-level SLA of each site, from the devices themselves.

For every circuit: link, BGP, and LAN-sourced traffic through it. A site is up when it passes
and receives traffic over at least one circuit; it is shown healthy, degraded or down. For
every site that runs an SD-WAN agent (``configs/<site>.agent.json``): where each class runs now,
why and since when, from the agent's ``/state`` (an agent that does not answer is a finding).
Exit codes: ``results.exit_codes.BY_COMMAND["verify"]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from runbook_wan.commands import stage_audit
from runbook_wan.commands.options import (
    configs_options,
    format_options,
    intents_options,
    limit_options,
    positive_int,
)
from runbook_wan.results import ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.context import RunContext

HELP = "check every site's circuits and reachability (location-level SLA)"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "verify",
        help=HELP,
        description=HELP,
        parents=[intents_options(), limit_options(), configs_options(), format_options(("terminal", "json"))],
        epilog=exit_codes.epilog("verify"),
    )
    parser.add_argument(
        "--inventory",
        type=Path,
        default=None,
        metavar="DIR",
        help="inventory folder with hosts.yaml (default: WORKSPACE/inventory)",
    )
    parser.add_argument("--workers", type=positive_int, default=20, metavar="N", help="sites checked in parallel")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.facts.builder import build_estate_facts
    from runbook_wan.inventory.agents import agent_sites
    from runbook_wan.inventory.hosts_file import read_hosts_file
    from runbook_wan.model.loader import load_estate
    from runbook_wan.selection.limit import select_sites
    from runbook_wan.tasks.fleet import open_fleet
    from runbook_wan.tasks.verify_site import verify_site
    from runbook_wan.verify.model import SiteHealth, SiteState
    from runbook_wan.verify.output import print_health, to_json
    from runbook_wan.verify.steering import check_sites

    estate, _ = load_estate(args.intents, args.platforms)
    sites = select_sites(estate, args.limit)
    facts, _ = build_estate_facts(estate, sites)
    nornir = open_fleet(estate, sites, args.inventory, args.workers)
    try:
        aggregated = nornir.run(task=verify_site, name="verify_site", facts=facts, on_failed=True)
    finally:
        nornir.close_connections(on_good=True, on_failed=True)
    health: list[SiteHealth] = []
    for site in sites:
        multi = aggregated.get(site)
        found = multi[0].result if multi else None
        health.append(
            found
            if isinstance(found, SiteHealth)
            else SiteHealth(site=site, state=SiteState.UNKNOWN, error="no result")
        )
    configs = Path(args.configs)
    agents = agent_sites(estate, sites, read_hosts_file(Path(args.inventory)), configs)
    steering = check_sites(estate, agents.endpoints, configs, args.workers)
    for entry in health:
        entry.steering = steering.get(entry.site)
    if args.format == "json":
        ctx.out.write(to_json(health))
    else:
        print_health(health, ctx.out)
    up = sum(h.up for h in health)
    stage_audit.record(
        args,
        ctx,
        "verify",
        result="up" if up == len(health) else "down",
        up=up,
        total=len(health),
        limit=args.limit,
        sites_up=sorted(h.site for h in health if h.up),  # lead time: a change is verified where it landed
    )
    return ExitCode.OK if all(h.up for h in health) else ExitCode.FAILED
