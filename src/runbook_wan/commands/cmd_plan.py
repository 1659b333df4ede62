"""``runbook.py plan``: render in memory and diff against the committed configs (or a git ref).

Exit codes (``results.exit_codes.BY_COMMAND["plan"]``) follow ``terraform plan -detailed-exitcode``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from runbook_wan.commands.options import configs_options, format_options, intents_options, limit_options
from runbook_wan.results import ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.context import RunContext

HELP = "show what would change in configs/ (per-site diffs with parent sections)"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "plan",
        help=HELP,
        description=HELP,
        parents=[intents_options(), limit_options(), configs_options(), format_options()],
        epilog=exit_codes.epilog("plan"),
    )
    parser.add_argument(
        "--against",
        metavar="GIT_REF",
        help="compare with configs/ as committed at this git ref instead of the files on disk",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="also write the plan as JSON (pin it: `deploy --plan FILE` pushes exactly this)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.plan.baseline import read_baseline
    from runbook_wan.plan.build import build_plan
    from runbook_wan.plan.output import print_terminal, to_json, to_markdown
    from runbook_wan.render.pipeline import render_estate

    result = render_estate(args.intents, args.limit, args.templates, args.platforms)
    baseline = read_baseline(args.configs, args.against)
    label = f"{args.configs}/ at {args.against}" if args.against else f"{args.configs}/"
    plan = build_plan(result, baseline, label, args.limit)
    if args.out:
        args.out.write_text(to_json(plan))
    if args.format == "json":
        ctx.out.write(to_json(plan))
    elif args.format == "markdown":
        ctx.out.write(to_markdown(plan))
    else:
        print_terminal(plan, ctx.out)
    return ExitCode.CHANGES if plan.has_changes else ExitCode.OK
