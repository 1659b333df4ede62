"""``runbook.py deploy``: push the rendered configs in health-gated waves.

Validation runs first; on any error no device is touched. Then the canary, then waves; every
site is committed with a device-side revert timer, checked, and confirmed or rolled back.
Exit codes: ``results.exit_codes.BY_COMMAND["deploy"]``.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from runbook_wan.commands.options import (
    configs_options,
    intents_options,
    limit_options,
    positive_float,
    positive_int,
    review_options,
)
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode, exit_codes
from runbook_wan.rollout import defaults

if TYPE_CHECKING:
    from runbook_wan.context import RunContext

HELP = "deploy configs in canary-first, health-gated waves with commit-confirm and rollback"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "deploy",
        help=HELP,
        description=HELP,
        parents=[intents_options(), limit_options(), configs_options(), review_options()],
        epilog=exit_codes.epilog("deploy"),
    )
    waves = parser.add_argument_group("waves")
    waves.add_argument(
        "--canary",
        default=defaults.CANARY,
        metavar="N|SITES",
        help="first wave: a count or sites (default %(default)s)",
    )
    waves.add_argument(
        "--wave-size", default=defaults.WAVE_SIZE, metavar="N|P%", help="sites per later wave (default %(default)s)"
    )
    waves.add_argument(
        "--workers",
        type=positive_int,
        default=defaults.WORKERS,
        metavar="N",
        help="sites deployed in parallel (default %(default)s)",
    )
    waves.add_argument(
        "--max-failures",
        default=defaults.MAX_FAILURES,
        metavar="N|P%",
        help="failures a wave may have before the rollout halts (default %(default)s; the canary: none)",
    )
    safety = parser.add_argument_group("safety")
    safety.add_argument(
        "--revert-in",
        type=positive_int,
        default=defaults.REVERT_IN_S,
        metavar="SECONDS",
        help="device reverts a commit by itself unless confirmed within this time (default %(default)s)",
    )
    safety.add_argument(
        "--gate-timeout",
        type=positive_float,
        default=defaults.GATE_TIMEOUT_S,
        metavar="SECONDS",
        help="how long the post-change health gate may take (default %(default)s)",
    )
    safety.add_argument("--check", action="store_true", help="show every device's own diff; commit nothing")
    safety.add_argument(
        "--against",
        metavar="GIT_REF",
        help="with --check: review the change against this git ref (default: what was last deployed)",
    )
    safety.add_argument(
        "--rotate-secret",
        action="append",
        default=[],
        metavar="NAME",
        dest="rotate_secrets",
        help="accept a value of secret NAME that changed in the secrets source although the intents declare no "
        "rotation (repeatable; recorded in the audit log)",
    )
    safety.add_argument("--diff", action="store_true", help="also print device diffs of changed sites")
    safety.add_argument(
        "--plan",
        type=Path,
        metavar="FILE",
        dest="plan_file",
        help="refuse unless configs match this reviewed plan (`plan --out FILE`)",
    )
    safety.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--resume", metavar="ROLLOUT_ID", help="continue an interrupted rollout")
    parser.add_argument(
        "--inventory",
        type=Path,
        default=None,
        metavar="DIR",
        help="inventory folder with hosts.yaml (default: WORKSPACE/inventory)",
    )
    parser.add_argument("--report", type=Path, metavar="FILE", help="write the rollout report as JSON")
    parser.add_argument(
        "--format",
        choices=("terminal", "json", "markdown"),
        default="terminal",
        help="output format (markdown: the review with each device's own diff, for a PR)",
    )
    parser.add_argument(
        "--review-report",
        type=Path,
        metavar="FILE",
        help="with --format markdown: also write the full review (no size limit) to FILE",
    )
    parser.set_defaults(handler=run)


def _confirm(args: argparse.Namespace, ctx: RunContext) -> None:
    if args.yes or args.check or args.resume:
        return
    if not sys.stdin.isatty():
        raise DiagnosticError(
            [
                Diagnostic(
                    "deploy-confirm",
                    "deploy needs confirmation and input is not a terminal",
                    hint="review `runbook.py plan`, then pass --yes",
                )
            ]
        )
    ctx.err.print("Deploy to the selected sites? Type 'yes' to continue: ", end="", markup=False)
    if input().strip().lower() != "yes":
        raise DiagnosticError([Diagnostic("deploy-aborted", "deploy aborted by the user", hint="nothing was touched")])


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from runbook_wan.atomic_files import check_outputs
    from runbook_wan.review.build import override_reason
    from runbook_wan.rollout.options import DeployOptions
    from runbook_wan.rollout.runner import Rollout, write_report
    from runbook_wan.rollout.summary import print_diffs, print_summary, site_line
    from runbook_wan.tasks.outcome import SiteReport

    # Every path this run writes or reads as a folder, before anything is rendered or touched.
    check_outputs(
        files=[(args.report, "--report"), (args.review_report, "--review-report")],
        folders=[(ctx.state_dir, "--state")],
        inputs=[(args.configs, "--configs"), (args.inventory, "--inventory")],
    )
    override = override_reason(args.allow_wide_change)
    _confirm(args, ctx)
    opts = DeployOptions(
        intents=args.intents,
        state_dir=ctx.state_dir,
        inventory_dir=args.inventory,
        configs_dir=args.configs,
        templates=args.templates,
        platforms=args.platforms,
        limit=args.limit,
        canary=args.canary,
        wave_size=args.wave_size,
        workers=args.workers,
        max_failures=args.max_failures,
        revert_in=args.revert_in,
        gate_timeout=args.gate_timeout,
        check=args.check,
        resume=args.resume,
        plan_file=args.plan_file,
        report_file=args.report,
        allow_wide_change=override,
        against=args.against,
        rotate_secrets=tuple(args.rotate_secrets),
    )
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=ctx.err.console,
        transient=False,
    )
    lock = threading.Lock()
    bars: dict[int, object] = {}  # wave index -> progress bar (waves may overlap)

    def on_wave(index: int, sites: list[str]) -> None:
        label = "canary" if index == 0 and not args.resume else f"wave {index}"
        with lock:
            bars[index] = progress.add_task(f"{label} ({len(sites)} sites)", total=len(sites))

    def on_site(report: SiteReport) -> None:
        with lock:
            ctx.err.print(site_line(report))  # the progress bar's console, masked and made printable
            task_id = bars.get(report.wave) if report.wave is not None else None
            if task_id is not None:
                progress.advance(task_id)  # type: ignore[arg-type]

    with progress:
        result = Rollout(opts, ctx, on_wave, on_site).run()
    if args.report:
        write_report(result, args.report, ctx)
    if args.format == "json":
        import json

        ctx.out.write(json.dumps(result.to_dict(), indent=2, default=str) + "\n")
    elif args.format == "markdown":
        _markdown(result, args, ctx)
    else:
        if args.check or args.diff:
            print_diffs(result, ctx.out)
        print_summary(result, ctx.out)
    return result.exit_code()


def _markdown(result: object, args: argparse.Namespace, ctx: RunContext) -> None:
    """The three-layer review: intent changes, grouped config diffs and each device's own diff."""
    from runbook_wan.atomic_files import write_file
    from runbook_wan.review.device import device_layer
    from runbook_wan.review.markdown import to_markdown
    from runbook_wan.rollout.runner import RolloutResult

    assert isinstance(result, RolloutResult)
    if result.review is None:
        ctx.err.print("no review for a resumed rollout (it was decided by the first run)", markup=False)
        return
    review = result.review
    review.device = device_layer(
        {s: r.device_diff for s, r in result.sites.items()},
        {s: r.reason for s, r in result.sites.items() if r.outcome.counts_as_failure},
        review.facts,
        source="deploy --check" if result.check else f"rollout {result.rollout_id}",
    )
    if args.review_report:
        write_file(args.review_report, ctx.redactor.mask(to_markdown(review, budget=None)))
    ctx.out.write(to_markdown(review, artifact=str(args.review_report) if args.review_report else None))
