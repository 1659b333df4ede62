"""``runbook.py docs``: a Markdown page per site and an estate overview, into ``docs/sites/``."""

from __future__ import annotations

import argparse
from pathlib import Path

from runbook_wan.commands.options import intents_options
from runbook_wan.context import RunContext
from runbook_wan.results import ExitCode, exit_codes

HELP = "write site documentation (a page per site, an estate overview) into docs/sites/"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "docs", help=HELP, description=HELP, parents=[intents_options()], epilog=exit_codes.epilog("docs")
    )
    parser.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="output folder (default: WORKSPACE/docs/sites)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.atomic_files import check_outputs
    from runbook_wan.model.loader import load_estate
    from runbook_wan.sitedocs.writer import estate_pages, write_pages
    from runbook_wan.workspace import Workspace

    out = args.out or Workspace.find(args.workspace).docs / "sites"
    check_outputs(folders=[(out, "--out")])
    estate, _ = load_estate(args.intents, args.platforms)
    summary = write_pages(estate_pages(estate), out)
    ctx.out.print(
        f"documented {len(estate.sites)} site(s) in {out}/: {len(summary.written)} written, "
        f"{len(summary.unchanged)} unchanged, {len(summary.removed)} removed",
        markup=False,
    )
    return ExitCode.OK
