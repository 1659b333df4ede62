"""``runbook.py render``: write ``configs/<site>.cfg`` for the selected sites."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from runbook_wan.commands.options import configs_options, intents_options, limit_options
from runbook_wan.results import ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.context import RunContext

HELP = "render intents into device configs (and their artifacts) under configs/ and monitoring config under monitoring/"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "render",
        help=HELP,
        description=HELP,
        parents=[intents_options(), limit_options(), configs_options()],
        epilog=exit_codes.epilog("render"),
    )
    parser.add_argument(
        "--monitoring",
        type=Path,
        default=None,
        metavar="DIR",
        help="generated Prometheus/Alertmanager files (default: monitoring/ next to the configs folder); "
        "written only when the whole estate is rendered",
    )
    parser.set_defaults(handler=run)


def monitoring_dir(args: argparse.Namespace) -> Path:
    return Path(args.monitoring) if args.monitoring is not None else Path(args.configs).parent / "monitoring"


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.atomic_files import check_outputs
    from runbook_wan.model.platform import artifact_suffixes
    from runbook_wan.monitoring.bundle import build_bundle, write_bundle
    from runbook_wan.render.pipeline import render_estate
    from runbook_wan.render.writer import write_configs

    monitoring = monitoring_dir(args)
    check_outputs(folders=[(args.configs, "--configs"), (monitoring, "--monitoring")])
    result = render_estate(args.intents, args.limit, args.templates, args.platforms)
    bundle = None if args.limit else build_bundle(result.estate, result.facts)
    if result.warnings:
        ctx.err.print(f"{len(result.warnings)} warning(s); `runbook.py validate` lists them", markup=False)
    # Prune stale configs only when the whole estate was rendered.
    suffixes = artifact_suffixes(result.estate.platforms)
    summary = write_configs(result.configs, args.configs, prune=not args.limit, suffixes=suffixes)
    ctx.out.print(
        f"rendered {len(result.configs)} site(s) into {args.configs}/: "
        f"{len(summary.written)} written, {len(summary.unchanged)} unchanged, {len(summary.removed)} removed"
    )
    if bundle is not None:
        changed = write_bundle(bundle.files, monitoring)
        ctx.out.print(
            f"monitoring for {len(bundle.targets.sites)} site(s) in {monitoring}/: "
            f"{len(changed)} of {len(bundle.files)} file(s) changed",
            markup=False,
        )
    return ExitCode.OK
