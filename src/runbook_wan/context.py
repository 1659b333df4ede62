"""What every command and stage receives: consoles that mask secrets, the state folder and output options."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from runbook_wan.credentials.redact import Redactor
from runbook_wan.markup.terminal import printable, sanitize
from runbook_wan.results import Diagnostic, Severity

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(frozen=True)
class ConsoleMaker:
    """Makes a command's rich Console for ``file`` (stdout or stderr), when it is first needed."""

    file: TextIO
    #: ``--color`` / ``--no-color`` (None: colour when the file is a terminal, as rich decides).
    color: bool | None

    def __call__(self) -> Console:
        from rich.console import Console  # noqa: PLC0415 - only commands that print rich output import rich

        # markup=False: text from alerts, devices and intents is never read as [style] markup;
        # emoji=False: nor as emoji codes (rich would quote a value 'east:up:' back as 'east🆙').
        console = Console(
            file=self.file,
            highlight=False,
            markup=False,
            emoji=False,
            force_terminal=self.color,
            no_color=self.color is False,
            soft_wrap=True,
        )
        if not console.is_terminal and "COLUMNS" not in os.environ:
            console.width = PIPED_WIDTH  # CI logs and `| less`: tables readable, not 80 columns
        return console


#: ``print`` keywords that leave a plain string as it is (the consoles never read markup by default).
_PLAIN_KEYWORDS = frozenset({"markup", "end", "sep"})


class MaskedConsole:
    """A rich Console whose every printed string passes through the redactor first, and whose output
    cannot act on the terminal: control and escape sequences show as U+FFFD (``markup.terminal``),
    and strings are never read as rich markup unless the caller passes ``markup=True`` for text it
    wrote itself.

    The rich Console is made when first needed (:class:`ConsoleMaker`). Until then, plain strings
    printed without markup or style are written as they are, which is what rich writes for them (a
    property test holds the two together): importing rich cost a fresh ``render`` 71 M of its 1,700 M
    fixed instructions, and ``render`` prints only such lines. Once the Console exists, everything
    goes through it, so a live display (deploy's progress bars) keeps the order of what is printed.
    """

    def __init__(self, console: Console | ConsoleMaker, redactor: Redactor) -> None:
        self._maker = console if isinstance(console, ConsoleMaker) else None
        self._console = None if isinstance(console, ConsoleMaker) else console
        self.redactor = redactor

    @property
    def console(self) -> Console:
        if self._console is None:
            assert self._maker is not None
            self._console = self._maker()
        return self._console

    def print(self, *objects: Any, **kwargs: Any) -> None:
        masked = [sanitize(self._mask(o)) for o in objects]
        if self._maker is not None and self._console is None and self._plain(masked, kwargs):
            file = self._maker.file
            file.write(str(kwargs.get("sep", " ")).join(masked) + str(kwargs.get("end", "\n")))
            file.flush()
            return
        self.console.print(*masked, **kwargs)

    @staticmethod
    def _plain(objects: list[Any], kwargs: dict[str, Any]) -> bool:
        """True when rich would write ``objects`` exactly as they are: strings without tabs (rich
        expands them), no markup, no style."""
        if not _PLAIN_KEYWORDS.issuperset(kwargs) or kwargs.get("markup"):
            return False
        if not all(isinstance(kwargs.get(k, ""), str) for k in ("end", "sep")):
            return False
        return all(type(o) is str and "\t" not in o for o in objects)

    def _mask(self, renderable: Any) -> Any:
        if isinstance(renderable, str):
            return self.redactor.mask(renderable)
        text = sys.modules.get("rich.text")  # a Text exists only once rich.text is imported
        if text is not None and isinstance(renderable, text.Text):
            masked = self.redactor.mask(renderable.plain)
            return renderable if masked == renderable.plain else text.Text(masked, style=renderable.style)
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
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, state_dir: Path, color: bool | None) -> RunContext:
        redactor = Redactor()
        return cls(
            out=MaskedConsole(ConsoleMaker(sys.stdout, color), redactor),
            err=MaskedConsole(ConsoleMaker(sys.stderr, color), redactor),
            redactor=redactor,
            state_dir=state_dir,
        )

    def report_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        """Print diagnostics to stderr, one per line (:meth:`Diagnostic.line`)."""
        for diag in diagnostics:
            print_diagnostic(self.err, diag)
