"""``runbook.py lab up|down|status|fail|impair|restore|path``: the FRR lab network built from the intents.

Exit codes: ``results.exit_codes.BY_COMMAND["lab"]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from runbook_wan.commands.options import format_options, intents_options, limit_options, positive_float
from runbook_wan.lab import naming
from runbook_wan.lab.fault_modes import FAULT_MODES
from runbook_wan.results import ExitCode, exit_codes

if TYPE_CHECKING:
    from rich.text import Text

    from runbook_wan.context import RunContext

HELP = "build, inspect and break the FRR lab network (network namespaces on this machine)"


def _prefix_option(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument(
        "--prefix",
        default=default,
        metavar="P",
        help="name prefix of the lab's namespaces, bridge and nft table "
        f"(default: {naming.DEFAULT_PREFIX}" + (", or the running lab's)" if default is None else ")"),
    )


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("lab", help=HELP, description=HELP, epilog=exit_codes.epilog("lab"))
    lab_sub = parser.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    common = [intents_options()]

    up = lab_sub.add_parser(
        "up",
        parents=[*common, limit_options()],
        help="build and boot the lab",
        description="Build the lab for the selected sites and wait until it is ready. Sites "
        "boot with day-0 configs, or with --configs DIR/<site>.cfg.",
    )
    up.add_argument(
        "--configs",
        type=Path,
        metavar="DIR",
        dest="boot_configs",
        help="boot sites with these rendered configs (secrets resolved) instead of day-0",
    )
    up.add_argument(
        "--inventory",
        type=Path,
        default=None,
        metavar="DIR",
        help="inventory folder with hosts.yaml (default: WORKSPACE/inventory)",
    )
    up.add_argument(
        "--management-network",
        metavar="PREFIX",
        help="override estate.management_network (to run two labs of one estate side by side)",
    )
    up.add_argument(
        "--timeout",
        type=positive_float,
        metavar="S",
        help="seconds to wait for readiness (default: 60 + 0.75 per site)",
    )
    up.add_argument(
        "--relay",
        metavar="EXPR",
        help="also run these sites' DIAs through the relay (a --limit expression), so `lab impair` can delay "
        "them; wireless circuits always are (costs the relay's CPU for all their traffic)",
    )
    up.add_argument(
        "--no-agents",
        dest="agents",
        action="store_false",
        help="do not start the SD-WAN edge agent on the sites (by default every site runs one; it idles "
        "until a policy file arrives)",
    )
    _prefix_option(up, naming.DEFAULT_PREFIX)
    up.set_defaults(handler=run_up)

    down = lab_sub.add_parser("down", parents=common, help="stop the lab and remove everything it created")
    _prefix_option(down, None)
    down.set_defaults(handler=run_down)

    status = lab_sub.add_parser(
        "status",
        parents=[*common, format_options(("terminal", "json"))],
        help="namespaces, daemons, BGP sessions, SSH and faults",
    )
    status.set_defaults(handler=run_status)

    fail = lab_sub.add_parser("fail", parents=common, help="inject a fault on a site's circuit (provider side)")
    fail.add_argument("site")
    fail.add_argument("circuit", help="role (primary_dia), site interface (wan1) or provider id")
    fail.add_argument(
        "--mode",
        choices=FAULT_MODES,
        default="link",
        help="link: provider-side link down; blackhole: silent drop with the link up",
    )
    fail.set_defaults(handler=run_fail)

    impair = lab_sub.add_parser(
        "impair",
        parents=common,
        help="loss, delay and jitter on a site's circuit (provider side), until `lab restore`",
        description="Impair one circuit. --loss drops that share of the packets the site sends into the "
        "provider (site -> provider; the round trip loses the same share). --delay and --jitter apply in "
        "both directions, each direction independently (delay ± jitter, uniform): a one-way delay D makes a "
        "round trip of 2·D. Delay and jitter need the circuit to run through the lab's relay (wireless "
        "circuits always do; DIAs with `lab up --relay SITE`). Unset values keep what the circuit has.",
    )
    impair.add_argument("site")
    impair.add_argument("circuit", help="role (primary_dia), site interface (wan1) or provider id")
    impair.add_argument("--loss", type=float, metavar="PCT", help="percent of site -> provider packets dropped")
    impair.add_argument("--delay", type=float, metavar="MS", help="one-way delay, each direction")
    impair.add_argument("--jitter", type=float, metavar="MS", help="± jitter around the delay, each direction")
    impair.add_argument(
        "--spread",
        choices=("random", "even"),
        default="random",
        help="how the loss falls: random (each packet by chance, like a real brownout; the default) or even "
        "(exactly that share of every run of packets, evenly spaced: the same windows every time, for tests)",
    )
    impair.set_defaults(handler=run_impair)

    restore = lab_sub.add_parser("restore", parents=common, help="undo faults and impairments on a site's circuit")
    restore.add_argument("site")
    restore.add_argument("circuit")
    restore.set_defaults(handler=run_restore)

    path = lab_sub.add_parser(
        "path",
        parents=[*common, format_options(("terminal", "json"))],
        help="send a class's packets from the site's LAN and report which circuit carried them",
        description="Send real packets of an SD-WAN class from the site's LAN-hosts namespace (the class's "
        "source segment, DSCP and destination; each may be overridden) and report which circuit carried "
        "them, counted in the providers' namespaces (not the router's opinion). JSON has a top-level "
        '"circuit": the circuit role, or null when no circuit carried them.',
    )
    path.add_argument("site")
    path.add_argument("app_class", metavar="CLASS", help="an SD-WAN class of the site's policy (voice, pos, ...)")
    path.add_argument("--segment", help="send from this LAN segment instead of the class's own")
    path.add_argument("--dscp", help="mark the packets with this DSCP (ef, af41, cs1, 0..63) instead")
    path.add_argument("--destination", metavar="ADDRESS", help="send to this address instead")
    path.add_argument("--count", type=int, default=5, metavar="N", help="packets to send (default 5)")
    path.set_defaults(handler=run_path)


def run_up(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.lab.builder import UpOptions, up

    options = UpOptions(
        intents=args.intents,
        state_dir=ctx.state_dir,
        prefix=args.prefix,
        limit=args.limit,
        configs=args.boot_configs,
        inventory_dir=args.inventory,
        management_network=args.management_network,
        timeout=args.timeout,
        platforms_dir=args.platforms,
        relay=args.relay,
        agents=args.agents,
    )
    result = up(options, ctx.redactor, step=lambda name: ctx.err.print(f"  {name}", markup=False))
    topo = result.record.topology
    for name in result.generated_secrets:
        ctx.err.print(f"generated lab secret {name!r} into {result.record.layout.secrets}", markup=False)
    ctx.out.print(
        f"lab {topo.prefix}: {len(topo.sites)} site(s), {len(topo.providers)} provider(s), "
        f"booted with {'configs from ' + str(args.boot_configs) if args.boot_configs else 'day-0 configs'} "
        f"in {result.timings['total']:.1f} s",
        markup=False,
    )
    if result.record.hosts_file:
        ctx.out.print(f"inventory: {result.record.hosts_file}", markup=False)
    if not result.ready:
        for node, why in sorted(result.readiness.pending.items()):
            ctx.err.print(f"not ready: {node}: {why}", markup=False)
        ctx.err.print("the lab stays up for inspection; `runbook.py lab down` removes it", markup=False)
        return ExitCode.FAILED
    return ExitCode.OK


def run_down(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.lab.teardown import down

    report = down(ctx.state_dir, args.prefix)
    ctx.out.print(
        f"removed {len(report.namespaces)} namespace(s), stopped {report.processes} process(es) "
        f"in {report.elapsed:.1f} s",
        markup=False,
    )
    if report.leftover_namespaces:
        ctx.err.print("still present: " + ", ".join(report.leftover_namespaces), markup=False)
        return ExitCode.FAILED
    return ExitCode.OK


def _yes(value: bool | None) -> Text:
    from rich.text import Text

    return Text("-" if value is None else ("yes" if value else "no"), style="" if value is not False else "red")


def run_status(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.lab.state import load
    from runbook_wan.lab.status import collect

    status = collect(load(ctx.state_dir))
    if args.format == "json":
        ctx.out.write(json.dumps(status.as_dict(), indent=2) + "\n")
        return ExitCode.OK if status.healthy else ExitCode.FAILED
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=f"lab {status.prefix} (since {status.created}; "
        f"{'configs ' + status.configs if status.configs else 'day-0'})"
    )
    for column in ("namespace", "role", "daemons", "BGP", "SSH", "agent", "state"):
        table.add_column(column)
    for node in status.nodes:
        bgp = "-" if node.bgp_total is None else f"{node.bgp_established}/{node.bgp_total}"
        daemons = f"{node.daemons_up}/{node.daemons}" if node.daemons else "-"
        state = Text("ok") if node.healthy else Text("; ".join(node.problems), style="red")
        agent = "-" if node.agent is None else ("idle" if node.agent and not node.agent_policy else _yes(node.agent))
        table.add_row(node.netns, node.role, daemons, bgp, _yes(node.ssh), agent, state)
    ctx.out.print(table)
    for fault in (f for f in status.faults if f.active):
        kind = "link down" if fault.link_down else "blackhole"
        ctx.out.print(f"fault: {fault.site} {fault.role}: {kind}", markup=False)
    for impaired in status.impairments:
        ctx.out.print(f"impaired: {impaired.site} {impaired.role}: {impaired.describe()}", markup=False)
    return ExitCode.OK if status.healthy else ExitCode.FAILED


def run_fail(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.lab.faults import fail
    from runbook_wan.lab.state import load

    link = fail(load(ctx.state_dir), args.site, args.circuit, args.mode)
    ctx.out.print(
        f"{args.site} {link.role} ({link.site_if} <-> {link.provider}): {args.mode} fault injected", markup=False
    )
    return ExitCode.OK


def run_restore(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.lab.faults import restore
    from runbook_wan.lab.state import load

    link = restore(load(ctx.state_dir), args.site, args.circuit)
    ctx.out.print(f"{args.site} {link.role} ({link.site_if} <-> {link.provider}): restored", markup=False)
    return ExitCode.OK


def run_impair(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.lab.faults import find_circuit
    from runbook_wan.lab.impair import impair
    from runbook_wan.lab.state import load

    record = load(ctx.state_dir)
    node, link = find_circuit(record, args.site, args.circuit)
    done = impair(record, node, link, args.loss, args.delay, args.jitter, args.spread)
    ctx.out.print(f"{args.site} {link.role} ({link.site_if} <-> {link.provider}): {done.describe()}", markup=False)
    return ExitCode.OK


def run_path(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.lab.path import parse_dscp, send_class
    from runbook_wan.lab.state import load

    if args.count < 1 or args.count > 100:
        ctx.err.print("error: --count must be 1..100", markup=False)
        return ExitCode.ERROR
    result = send_class(
        load(ctx.state_dir),
        args.site,
        args.app_class,
        segment=args.segment,
        dscp=parse_dscp(args.dscp) if args.dscp else None,
        destination=args.destination,
        count=args.count,
    )
    if args.format == "json":
        ctx.out.write(json.dumps(result.as_dict(), indent=2) + "\n")
        return ExitCode.OK
    dscp = f", dscp {result.dscp}" if result.dscp else ""
    counts = ", ".join(f"{role} {n}" for role, n in result.carried.items())
    where = f"carried by {result.circuit}" if result.circuit else "carried by no circuit (dropped at the site)"
    ctx.out.print(
        f"{result.site} {result.app_class}: {result.sent} packet(s) from {result.segment} ({result.source}{dscp}) "
        f"to {result.destination}: {where} [{counts}]",
        markup=False,
    )
    return ExitCode.OK
