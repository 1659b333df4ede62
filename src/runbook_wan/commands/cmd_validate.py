"""``runbook.py validate``: estate rules and config checks, before anything touches a device.

Renders in memory (nothing is written), runs every enabled check family
(:mod:`validation.checks.registry`) and reports to the terminal, JSON or Markdown, plus optional
JUnit and SARIF files. Exit codes: ``results.exit_codes.BY_COMMAND["validate"]``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from runbook_wan.commands.options import configs_options, format_options, intents_options, limit_options
from runbook_wan.results import DiagnosticError, ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.context import RunContext
    from runbook_wan.validation.report import ValidationReport

HELP = "check intents and rendered configs (estate rules, syntax, references, default paths, Batfish)"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "validate",
        help=HELP,
        description=HELP,
        parents=[intents_options(), limit_options(), configs_options(), format_options()],
        epilog=exit_codes.epilog("validate") + " See docs/validation.md.",
    )
    backends = parser.add_argument_group("config checks")
    backends.add_argument(
        "--backend",
        choices=("builtin", "batfish", "all"),
        default="builtin",
        help="config backend: builtin (default, always available), batfish, or all",
    )
    backends.add_argument(
        "--batfish-host",
        metavar="HOST",
        default=os.environ.get("BATFISH_HOST") or None,
        help="Batfish service host (default: $BATFISH_HOST); without it Batfish is skipped",
    )
    backends.add_argument(
        "--batfish-allowlist",
        type=Path,
        metavar="FILE",
        default=None,
        help="expected Batfish findings (default: validation/batfish_allowlist.yaml)",
    )
    backends.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        default=None,
        help="parallel vtysh processes for FRR syntax (default: one per CPU)",
    )
    twin = parser.add_argument_group("twin survivability proof (root + FRR)")
    twin.add_argument(
        "--twin",
        action="store_true",
        help="boot the candidate configs of changed sites in the FRR lab and fail each circuit",
    )
    twin.add_argument("--all", dest="twin_all", action="store_true", help="with --twin: prove every selected site")
    twin.add_argument(
        "--against",
        metavar="GIT_REF",
        help="with --twin: changed = differs from configs/ at this git ref (default: files on disk)",
    )
    reports = parser.add_argument_group("reports for CI")
    reports.add_argument("--junit", type=Path, metavar="FILE", help="also write JUnit XML (site x check)")
    reports.add_argument("--sarif", type=Path, metavar="FILE", help="also write SARIF 2.1.0 (PR annotations)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.render.pipeline import render_estate
    from runbook_wan.validation.checks.base import ValidationOptions
    from runbook_wan.validation.runner import load_failure_report, validate

    extras = {
        "twin": args.twin,
        "twin_all": args.twin_all,
        "against": args.against,
        "state_dir": ctx.state_dir,
        "progress": lambda message: ctx.err.print(f"twin: {message}", markup=False),
    }
    options = ValidationOptions(
        backend=args.backend,
        batfish_host=args.batfish_host,
        batfish_allowlist=args.batfish_allowlist,
        configs_dir=args.configs,
        jobs=args.jobs,
        extras=extras,
    )
    try:
        rendered = render_estate(args.intents, args.limit, args.templates, args.platforms)
    except DiagnosticError as exc:
        report = load_failure_report(exc)
    else:
        report = validate(rendered, options)
    _emit(report, args, ctx)
    return ExitCode.ERROR if report.failed else ExitCode.OK


def _emit(report: ValidationReport, args: argparse.Namespace, ctx: RunContext) -> None:
    from runbook_wan.validation.output.junit import write_junit
    from runbook_wan.validation.output.machine import to_json, to_markdown
    from runbook_wan.validation.output.sarif import write_sarif
    from runbook_wan.validation.output.terminal import print_report

    if args.format == "json":
        ctx.out.write(to_json(report))
    elif args.format == "markdown":
        ctx.out.write(to_markdown(report))
    else:
        print_report(report, ctx.out)
    for path, writer in ((args.junit, write_junit), (args.sarif, write_sarif)):
        if path is not None:
            writer(report, path)
            ctx.err.print(f"wrote {path}", markup=False)
