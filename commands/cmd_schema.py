"""``runbook.py schema``: (re)write the JSON Schemas of the intent files into schema/."""

from __future__ import annotations

import argparse
from pathlib import Path

from commands.context import RunContext
from results import ExitCode

HELP = "write JSON Schemas of the intent files (editor autocompletion) into schema/"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("schema", help=HELP, description=HELP)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default: schema/)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from model.json_schema import REPO_ROOT, SCHEMA_DIR, reference_markdown, write_schemas

    for path in write_schemas(args.out or SCHEMA_DIR):
        ctx.out.print(f"wrote {path}", markup=False)
    if args.out is None:
        reference = REPO_ROOT / "docs" / "intents-reference.md"
        reference.write_text(reference_markdown())
        ctx.out.print(f"wrote {reference}", markup=False)
    return ExitCode.OK
