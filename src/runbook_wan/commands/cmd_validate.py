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

from runbook_wan.commands import stage_audit
from runbook_wan.commands.options import (
    configs_options,
    format_options,
    intents_options,
    limit_options,
    positive_int,
    review_options,
)
from runbook_wan.results import DiagnosticError, ExitCode, Status, exit_codes
from runbook_wan.validation.twin.scenarios import SCENARIO_NAMES

if TYPE_CHECKING:
    from runbook_wan.context import RunContext
    from runbook_wan.validation.report import ValidationReport

HELP = "check intents and rendered configs (estate rules, syntax, references, default paths, Batfish)"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "validate",
        help=HELP,
        description=HELP,
        parents=[intents_options(), limit_options(), configs_options(), format_options(), review_options()],
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
        type=positive_int,
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
        "--scenario",
        dest="twin_scenarios",
        action="append",
        choices=SCENARIO_NAMES,
        metavar="NAME",
        help=f"with --twin: run only this scenario (repeatable; default: all of {', '.join(SCENARIO_NAMES)})",
    )
    change = parser.add_argument_group("the change (a pull request)")
    change.add_argument(
        "--against",
        metavar="GIT_REF",
        help="review the change since this git ref: intent changes (as SARIF notes on their lines), the sites "
        "they reach, the blast-radius gate; with --twin: prove the sites whose config differs from configs/ "
        "at this ref (default: files on disk)",
    )
    reports = parser.add_argument_group("reports for CI")
    reports.add_argument("--junit", type=Path, metavar="FILE", help="also write JUnit XML (site x check)")
    reports.add_argument("--sarif", type=Path, metavar="FILE", help="also write SARIF 2.1.0 (PR annotations)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.atomic_files import check_outputs
    from runbook_wan.render.pipeline import render_estate
    from runbook_wan.review.build import override_reason
    from runbook_wan.validation.checks.base import ValidationOptions
    from runbook_wan.validation.runner import load_failure_report, validate

    check_outputs(files=[(args.junit, "--junit"), (args.sarif, "--sarif")], inputs=[(args.configs, "--configs")])
    extras = {
        "templates": args.templates,
        "platforms": args.platforms,
        "limit": args.limit,
        "allow_wide_change": override_reason(args.allow_wide_change),
        "twin": args.twin,
        "twin_all": args.twin_all,
        "twin_scenarios": tuple(args.twin_scenarios or ()),
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
        _emit(report, args, ctx)
        return exit_code(report)  # the intents did not load: no stage of a change to audit
    report = validate(rendered, options)
    _emit(report, args, ctx)
    code = exit_code(report)
    stage_audit.record(args, ctx, "validate", result="failed" if code else "passed", limit=args.limit)
    return code


def exit_code(report: ValidationReport) -> ExitCode:
    """1 for any error-level finding or check that could not run; 7 (WIDE_CHANGE) when only the gate objects."""
    from runbook_wan.validation.checks.change_family import GATE_CHECK

    others = [r for r in report.results if r.check != GATE_CHECK]
    if any(r.status is Status.ERROR or r.errors for r in others):
        return ExitCode.ERROR
    if any(r.check == GATE_CHECK and r.errors for r in report.results):
        return ExitCode.WIDE_CHANGE
    return ExitCode.OK


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
