"""``runbook.py schema``: (re)write the JSON Schemas of the intent files into schema/."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from runbook_wan.results import ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.context import RunContext

HELP = "write JSON Schemas of the intent files (editor autocompletion) into schema/"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("schema", help=HELP, description=HELP, epilog=exit_codes.epilog("schema"))
    parser.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="output folder (default: WORKSPACE/schema)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.model.json_schema import reference_markdown, write_schemas
    from runbook_wan.workspace import Workspace

    workspace = Workspace.find(args.workspace)
    for path in write_schemas(args.out or workspace.schema):
        ctx.out.print(f"wrote {path}", markup=False)
    if args.out is None:
        reference = workspace.docs / "intents-reference.md"
        reference.write_text(reference_markdown())
        ctx.out.print(f"wrote {reference}", markup=False)
        codes = workspace.docs / "exit-codes.md"
        codes.write_text(exit_codes.markdown())
        ctx.out.print(f"wrote {codes}", markup=False)
    return ExitCode.OK
