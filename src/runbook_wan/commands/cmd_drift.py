"""``runbook.py drift``: does each device still run its ``configs/<site>.cfg``?

Reads every selected device's running config (NAPALM ``get_config``) and diffs it with the
committed config, each change under its parent section as in ``plan``, secrets masked. The latest
result per site is kept in ``<state>/drift/`` for ``runbook.py status``.
Exit codes: ``results.exit_codes.BY_COMMAND["drift"]``.
"""

from __future__ import annotations

import argparse

from runbook_wan.commands.options import (
    configs_options,
    format_options,
    intents_options,
    inventory_options,
    limit_options,
)
from runbook_wan.context import RunContext
from runbook_wan.results import ExitCode, exit_codes

HELP = "compare each device's running config with configs/<site>.cfg (config drift)"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "drift",
        help=HELP,
        description=HELP + ". '-' lines are in configs/ but missing on the device, '+' lines run on the "
        "device but are not in configs/.",
        parents=[intents_options(), limit_options(), configs_options(), inventory_options(), format_options()],
        epilog=exit_codes.epilog("drift"),
    )
    parser.add_argument("--workers", type=int, default=20, metavar="N", help="devices read in parallel (default 20)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.drift.check import check_drift
    from runbook_wan.drift.output import exit_code, print_terminal, to_json, to_markdown
    from runbook_wan.model.loader import load_estate
    from runbook_wan.selection.limit import select_sites

    estate, _ = load_estate(args.intents, args.platforms)
    sites = select_sites(estate, args.limit)
    results = check_drift(
        estate, sites, args.configs, args.inventory, ctx.state_dir, ctx.redactor, workers=args.workers
    )
    if args.format == "json":
        ctx.out.write(to_json(results))
    elif args.format == "markdown":
        ctx.out.write(to_markdown(results))
    else:
        print_terminal(results, ctx.out)
    return exit_code(results)
