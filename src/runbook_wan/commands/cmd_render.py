"""``runbook.py render``: write ``configs/<site>.cfg`` for the selected sites."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from runbook_wan.commands.options import configs_options, intents_options, limit_options
from runbook_wan.results import ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.context import RunContext

HELP = "render intents into device configs under configs/"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "render",
        help=HELP,
        description=HELP,
        parents=[intents_options(), limit_options(), configs_options()],
        epilog=exit_codes.epilog("render"),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.render.pipeline import render_estate
    from runbook_wan.render.writer import write_configs

    result = render_estate(args.intents, args.limit, args.templates, args.platforms)
    if result.warnings:
        ctx.err.print(f"{len(result.warnings)} warning(s); `runbook.py validate` lists them", markup=False)
    # Prune stale configs only when the whole estate was rendered.
    summary = write_configs(result.configs, args.configs, prune=not args.limit)
    ctx.out.print(
        f"rendered {len(result.configs)} site(s) into {args.configs}/: "
        f"{len(summary.written)} written, {len(summary.unchanged)} unchanged, {len(summary.removed)} removed"
    )
    return ExitCode.OK
