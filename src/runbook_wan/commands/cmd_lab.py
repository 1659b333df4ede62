"""``runbook.py lab up|down|status|fail|restore``: the FRR lab network built from the intents.

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

    restore = lab_sub.add_parser("restore", parents=common, help="undo faults on a site's circuit")
    restore.add_argument("site")
    restore.add_argument("circuit")
    restore.set_defaults(handler=run_restore)


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
    for column in ("namespace", "role", "daemons", "BGP", "SSH", "state"):
        table.add_column(column)
    for node in status.nodes:
        bgp = "-" if node.bgp_total is None else f"{node.bgp_established}/{node.bgp_total}"
        daemons = f"{node.daemons_up}/{node.daemons}" if node.daemons else "-"
        state = Text("ok") if node.healthy else Text("; ".join(node.problems), style="red")
        table.add_row(node.netns, node.role, daemons, bgp, _yes(node.ssh), state)
    ctx.out.print(table)
    for fault in (f for f in status.faults if f.active):
        kind = "link down" if fault.link_down else "blackhole"
        ctx.out.print(f"fault: {fault.site} {fault.role}: {kind}", markup=False)
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
