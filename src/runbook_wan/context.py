"""What every command and stage receives: consoles that mask secrets, the state folder and output options."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from runbook_wan.credentials.redact import Redactor
from runbook_wan.markup.terminal import printable, sanitize
from runbook_wan.results import Diagnostic, Severity


class MaskedConsole:
    """A rich Console whose every printed string passes through the redactor first, and whose output
    cannot act on the terminal: control and escape sequences show as U+FFFD (``markup.terminal``),
    and strings are never read as rich markup unless the caller passes ``markup=True`` for text it
    wrote itself."""

    def __init__(self, console: Console, redactor: Redactor) -> None:
        self.console = console
        self.redactor = redactor

    def print(self, *objects: Any, **kwargs: Any) -> None:
        self.console.print(*(sanitize(self._mask(o)) for o in objects), **kwargs)

    def _mask(self, renderable: Any) -> Any:
        if isinstance(renderable, str):
            return self.redactor.mask(renderable)
        if isinstance(renderable, Text):
            masked = self.redactor.mask(renderable.plain)
            return renderable if masked == renderable.plain else Text(masked, style=renderable.style)
        return renderable

    def write(self, text: str) -> None:
        """Raw text (JSON, markdown, diffs): no markup, no wrapping; made printable on a terminal only
        (a file or pipe gets the data as it is)."""
        masked = self.redactor.mask(text)
        self.console.file.write(printable(masked) if self.console.is_terminal else masked)
        self.console.file.flush()


_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def print_diagnostic(printer: Any, diag: Diagnostic) -> None:
    """Print :meth:`Diagnostic.line` (the one diagnostic format), its severity coloured."""
    severity, rest = diag.line().split(":", 1)
    style = _SEVERITY_STYLE[diag.severity]
    printer.print(f"[{style}]{severity}[/{style}]:", end="", markup=True)
    printer.print(rest, markup=False)


#: Table width when output goes to a file or pipe and $COLUMNS does not say (rich's default: 80).
PIPED_WIDTH = 160


@dataclass
class RunContext:
    out: MaskedConsole
    err: MaskedConsole
    redactor: Redactor
    state_dir: Path
    color: bool
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, state_dir: Path, color: bool | None) -> RunContext:
        redactor = Redactor()
        force = None if color is None else color
        # markup=False: text from alerts, devices and intents is never read as [style] markup;
        # emoji=False: nor as emoji codes (rich would quote a value 'east:up:' back as 'east🆙').
        options: dict[str, Any] = {"force_terminal": force, "no_color": color is False, "soft_wrap": True}
        out = Console(file=sys.stdout, highlight=False, markup=False, emoji=False, **options)
        err = Console(file=sys.stderr, highlight=False, markup=False, emoji=False, **options)
        for console in (out, err):
            if not console.is_terminal and "COLUMNS" not in os.environ:
                console.width = PIPED_WIDTH  # CI logs and `| less`: tables readable, not 80 columns
        return cls(
            out=MaskedConsole(out, redactor),
            err=MaskedConsole(err, redactor),
            redactor=redactor,
            state_dir=state_dir,
            color=out.is_terminal if color is None else color,
        )

    def report_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        """Print diagnostics to stderr, one per line (:meth:`Diagnostic.line`)."""
        for diag in diagnostics:
            print_diagnostic(self.err, diag)
