"""The ``runbook.py`` command line: argument parsing and the error boundary.

Pipeline: intents -> typed model -> facts -> rendered configs -> validation -> plan -> deploy -> verify.
Run ``runbook.py --help`` for the commands and ``runbook.py COMMAND --help`` for each. Installed
from the wheel, the same entry point is the ``runbook-wan`` command.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from runbook_wan.commands import COMMAND_MODULES, module_of
from runbook_wan.commands.options import apply_workspace
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode, exit_codes


class UsageError(Exception):
    """A bad command line: reported on one line with a hint, exit code 1 (argparse would exit 2,
    which Runbook's exit codes reserve for "changes pending")."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog, self.message = prog, message

    def format(self) -> str:
        from runbook_wan.results import Diagnostic  # noqa: PLC0415 - only on a bad command line

        return Diagnostic("usage", f"{self.prog}: {self.message}", hint=f"see `{self.prog} --help`").line()


class Parser(argparse.ArgumentParser):
    """argparse with usage errors raised as :class:`UsageError` (subcommand parsers inherit it)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """As argparse, but an unknown argument is reported by the command it was given to."""
        parsed, extras = self.parse_known_args(args, namespace)
        command = getattr(parsed, "command", None)
        prog = f"{self.prog} {command}" if command else self.prog
        if extras:
            raise UsageError(prog, "unrecognized arguments: " + " ".join(extras))
        problem = text_problem(self, parsed)
        if problem:
            raise UsageError(prog, problem)
        return parsed


def _bad_character(text: str) -> str | None:
    """Why ``text`` is not one line of printable text, or None."""
    for char in text:
        if "\udc80" <= char <= "\udcff":  # a byte that is not UTF-8 (os.fsdecode's surrogateescape)
            return f"byte 0x{ord(char) - 0xDC00:02x} is not UTF-8"
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            return f"it contains a control character (U+{ord(char):04X})"
    return None


def _option_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """dest -> how the user wrote it (``--site``, ``ID``), over every subcommand's parser."""
    names: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                names |= _option_names(sub)
        elif action.dest not in names:
            written = action.option_strings[-1] if action.option_strings else action.metavar or action.dest
            names[action.dest] = str(written)
    return names


def text_problem(parser: argparse.ArgumentParser, parsed: argparse.Namespace) -> str | None:
    """The first text argument that is not one line of printable UTF-8 (ids, names, --limit, --by ...).

    Such a value would fail later in a store or a lookup, or reach a terminal as control
    sequences. Paths are exempt: a file name may hold any byte.
    """
    names: dict[str, str] | None = None
    for dest, value in vars(parsed).items():
        for item in value if isinstance(value, list) else [value]:
            why = _bad_character(item) if isinstance(item, str) else None
            if why:
                names = names or _option_names(parser)
                return f"argument {names.get(dest, dest)}: {why}"
    return None


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        type=Path,
        default=None,
        metavar="DIR",
        help="project folder holding intents/, configs/, inventory/ (default: $RUNBOOK_WORKSPACE, "
        "else the current folder)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="DIR",
        help="runtime state: journals, backups, audit log, lab (default: WORKSPACE/.runbook, or $RUNBOOK_STATE)",
    )
    color = parser.add_mutually_exclusive_group()
    color.add_argument("--color", dest="color", action="store_true", default=None, help="force colour")
    color.add_argument("--no-color", dest="color", action="store_false", help="disable colour")


def _named_command(argv: Sequence[str]) -> str | None:
    """The command a command line names (``render`` in ``--no-color render --limit x``), or None
    when it names none that exists, or asks for the top-level help: then every command is needed."""
    pre = Parser(prog="runbook.py", add_help=False)
    _global_options(pre)
    try:
        _, rest = pre.parse_known_args(list(argv))
    except UsageError:
        return None
    return rest[0] if rest and module_of(rest[0]) else None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; given the command line, only the command it names is registered (the
    parse, the help and the errors are those of the whole parser for that command line)."""
    parser = Parser(
        prog="runbook.py",
        description="Intent-based WAN automation: render, plan, validate, deploy and verify branch sites.",
        epilog=exit_codes.epilog() + " Each command's --help says what its own codes mean.",
    )
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    command = _named_command(argv) if argv is not None else None
    for name in (module_of(command),) if command else COMMAND_MODULES:
        importlib.import_module(f"runbook_wan.commands.{name}").register(sub)
    return parser


#: The collector's first-generation threshold in a Runbook process (CPython's default: 700). A build
#: allocates millions of small objects that live on (parsed intents, models, facts), and at 700 the
#: collector scans the youngest of them again every few hundred allocations, to find almost nothing:
#: 4-6 % of a fresh ``render`` (1 site, 80 and 2,000 sites, measured). Reference counting still
#: frees everything that is not a cycle at once; only cyclic garbage waits a little longer.
GC_THRESHOLD = (50_000, 50, 100)

#: Pydantic looks for plugins of other packages (entry points) when it builds its first validator,
#: reading the metadata of every installed distribution: 10-15 ms of a fresh ``render`` here, with
#: 217 installed (measured). Runbook uses none; a user's own setting of the variable is kept.
PYDANTIC_PLUGINS = ("PYDANTIC_DISABLE_PLUGINS", "__all__")


def main(argv: list[str] | None = None) -> int:
    gc.set_threshold(*GC_THRESHOLD)
    os.environ.setdefault(*PYDANTIC_PLUGINS)
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        sys.stderr.write(exc.format() + "\n")
        return int(ExitCode.ERROR)
    # Imported after parsing: `--help` and argument errors never pay for rich or the workspace.
    from runbook_wan.context import RunContext  # noqa: PLC0415
    from runbook_wan.workspace import Workspace  # noqa: PLC0415

    apply_workspace(args, Workspace.find(args.workspace))
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
    except OSError as exc:  # the disk filled up, a mount went read-only, a file vanished mid-run
        ctx.report_diagnostics([_os_problem(exc)])
        ctx.err.print("1 error(s); what was being written was not finished.", markup=False)
        return int(ExitCode.ERROR)
    return int(code)


def _os_problem(exc: OSError) -> Diagnostic:
    """An input/output failure that no stage turned into a diagnostic of its own, said plainly."""
    where = f"{exc.filename}: " if exc.filename else ""
    return Diagnostic(
        "io-error",
        f"{where}{exc.strerror or exc}",
        hint="check free space, permissions and mounts (df, ls -l), then run the command again",
    )
