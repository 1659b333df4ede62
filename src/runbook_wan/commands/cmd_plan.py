"""``runbook.py plan``: what a change does, in three layers, with its reach and the blast-radius gate.

1. the intent layer: every changed intent key with its file:line on both sides, and the sites it
   reaches and why (against ``--against REF``, else the intents at ``HEAD``);
2. the config layer: per-site diffs against the committed configs, grouped so that the same
   change at many sites reads once;
3. the gate: ``estate.change_policy`` decides whether the change is too wide for one step.

Only the sites a change reaches are re-rendered when that is provably enough (``--full`` renders
all). Exit codes (``results.exit_codes.BY_COMMAND["plan"]``) follow ``terraform plan
-detailed-exitcode``, plus one for a change wider than the gate.
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
    review_options,
)
from runbook_wan.results import ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.context import RunContext

HELP = "show what a change does: intent changes and the sites they reach, grouped config diffs, the gate"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "plan",
        help=HELP,
        description=HELP,
        parents=[intents_options(), limit_options(), configs_options(), format_options(), review_options()],
        epilog=exit_codes.epilog("plan"),
    )
    parser.add_argument(
        "--against",
        metavar="GIT_REF",
        help="compare with the intents and configs/ as committed at this git ref (a PR: the base branch) "
        "instead of the intents at HEAD and configs/ on disk",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="also write the plan as JSON (pin it: `deploy --plan FILE` pushes exactly this); a pinned plan "
        "holds every selected site's config hash, so it renders every selected site",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="also write the full Markdown report (no size limit: the CI artifact next to the PR comment)",
    )
    parser.add_argument(
        "--full", action="store_true", help="re-render every selected site, not only those the change reaches"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.atomic_files import check_outputs, write_file
    from runbook_wan.build.stat_index import INDEX
    from runbook_wan.render.environment import compiled_templates_dir
    from runbook_wan.review.build import ReviewRequest, build_review, override_reason
    from runbook_wan.review.markdown import to_markdown
    from runbook_wan.review.output import print_terminal, to_json

    check_outputs(files=[(args.out, "--out"), (args.report, "--report")], inputs=[(args.configs, "--configs")])
    request = ReviewRequest(
        intents=args.intents,
        configs=args.configs,
        templates=args.templates,
        platforms=args.platforms,
        limit=args.limit,
        against=args.against,
        full=args.full or args.out is not None,
        override=override_reason(args.allow_wide_change),
        build_index=ctx.state_dir / INDEX,
        compiled_templates=compiled_templates_dir(ctx.state_dir),
    )
    review = build_review(request)
    artifact = str(args.report) if args.report else None
    if args.out:
        write_file(args.out, ctx.redactor.mask(to_json(review)))
    if args.report:
        write_file(args.report, ctx.redactor.mask(to_markdown(review, budget=None)))
        ctx.err.print(f"wrote {args.report}", markup=False)
    if args.format == "json":
        ctx.out.write(to_json(review))
    elif args.format == "markdown":
        ctx.out.write(to_markdown(review, artifact=artifact))
    else:
        print_terminal(review, ctx.out)
    touched = review.plan.touched
    stage_audit.record(args, ctx, "plan", changes=len(touched), sites=touched, limit=args.limit, against=args.against)
    if review.gate.blocks:
        return ExitCode.WIDE_CHANGE
    return ExitCode.CHANGES if review.changes_devices else ExitCode.OK
