#!/usr/bin/env python3
"""Runbook: intent-based WAN automation.

Pipeline: intents -> typed model -> facts -> rendered configs -> validation -> plan -> deploy -> verify.
Run ``python runbook.py --help`` for the commands and ``python runbook.py COMMAND --help`` for each.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from commands import COMMAND_MODULES
from commands.context import RunContext
from results import DiagnosticError, ExitCode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="runbook.py",
        description="Intent-based WAN automation: render, plan, validate, deploy and verify branch sites.",
        epilog="Exit codes: 0 ok/no change, 1 error (nothing touched), 2 changes pending, "
               "3 sites failed or down, 4 rollout halted, 5 locked, 130 interrupted.",
    )
    parser.add_argument("--state", type=Path, default=Path(os.environ.get("RUNBOOK_STATE", ".runbook")),
                        metavar="DIR", help="runtime state: journals, backups, audit log, lab (default: .runbook)")
    color = parser.add_mutually_exclusive_group()
    color.add_argument("--color", dest="color", action="store_true", default=None, help="force colour")
    color.add_argument("--no-color", dest="color", action="store_false", help="disable colour")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = RunContext.create(args.state, args.color)
    try:
        code: ExitCode = args.handler(args, ctx)
    except DiagnosticError as exc:
        ctx.report_diagnostics(exc.diagnostics)
        ctx.err.print(f"{len(exc.diagnostics)} error(s); nothing was written or deployed.", markup=False)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        ctx.err.print("interrupted", markup=False)
        return int(ExitCode.INTERRUPTED)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
