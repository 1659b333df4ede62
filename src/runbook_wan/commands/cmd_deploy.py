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

from runbook_wan.commands.options import configs_options, intents_options, limit_options
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.context import RunContext

HELP = "deploy configs in canary-first, health-gated waves with commit-confirm and rollback"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "deploy",
        help=HELP,
        description=HELP,
        parents=[intents_options(), limit_options(), configs_options()],
        epilog=exit_codes.epilog("deploy"),
    )
    waves = parser.add_argument_group("waves")
    waves.add_argument("--canary", default="1", metavar="N|SITES", help="first wave: a count or sites (default 1)")
    waves.add_argument("--wave-size", default="20%", metavar="N|P%", help="sites per later wave (default 20%%)")
    waves.add_argument(
        "--workers",
        type=int,
        default=20,
        metavar="N",
        help="sites deployed in parallel, at most one wave's worth (default 20)",
    )
    waves.add_argument(
        "--max-failures",
        default="10%",
        metavar="N|P%",
        help="failures a wave may have before the rollout halts (default 10%%; the canary: none)",
    )
    safety = parser.add_argument_group("safety")
    safety.add_argument(
        "--revert-in",
        type=int,
        default=120,
        metavar="SECONDS",
        help="device reverts a commit by itself unless confirmed within this time (default 120)",
    )
    safety.add_argument(
        "--gate-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long the post-change health gate may take (default 60)",
    )
    safety.add_argument("--check", action="store_true", help="show every device's own diff; commit nothing")
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
    parser.add_argument("--format", choices=("terminal", "json"), default="terminal", help="output format")
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

    from runbook_wan.rollout.options import DeployOptions
    from runbook_wan.rollout.runner import Rollout, write_report
    from runbook_wan.rollout.summary import print_diffs, print_summary, site_line
    from runbook_wan.tasks.outcome import SiteReport

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
            progress.console.print(site_line(report))
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
    else:
        if args.check or args.diff:
            print_diffs(result, ctx.out)
        print_summary(result, ctx.out)
    return result.exit_code()
