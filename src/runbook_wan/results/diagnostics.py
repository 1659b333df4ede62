"""Diagnostics: one finding about an input, with where it comes from and how to fix it.

Every stage reports problems as :class:`Diagnostic` objects and collects all of them in one
pass; every command prints them as ``error: file:line path: message; hint: ... [code]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class SourceLocation:
    """Where a value comes from: a file, a 1-based line (if known) and a dotted YAML path."""

    file: str
    line: int | None = None
    path: str = ""

    def display(self, relative_to: Path | None = None) -> str:
        name = self.file
        if relative_to is not None:
            try:
                name = str(Path(self.file).resolve().relative_to(relative_to.resolve()))
            except ValueError:
                name = self.file
        where = f"{name}:{self.line}" if self.line is not None else name
        return f"{where} {self.path}".rstrip() if self.path else where


@dataclass(frozen=True)
class Diagnostic:
    """One finding. ``code`` is stable (used by allowlists, SARIF rule ids and tests)."""

    code: str
    message: str
    severity: Severity = Severity.ERROR
    location: SourceLocation | None = None
    hint: str = ""
    #: Free-form structured details for machine output (JSON/SARIF); never secrets.
    details: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def format(self, relative_to: Path | None = None) -> str:
        """Render as one line: ``file:line path: message; hint: ...``."""
        prefix = f"{self.location.display(relative_to)}: " if self.location else ""
        text = f"{prefix}{self.message}"
        if self.hint:
            text += f"; hint: {self.hint}"
        return text

    def line(self, relative_to: Path | None = None) -> str:
        """The one printed form of a diagnostic, wherever it is printed (render, plan, validate, deploy):
        ``error: file:line path: message; hint: ... [code]``."""
        return f"{self.severity.value}: {self.format(relative_to)} [{self.code}]"

    @property
    def sort_key(self) -> tuple[str, int, str, str]:
        loc = self.location
        return (loc.file if loc else "", (loc.line or 0) if loc else 0, loc.path if loc else "", self.message)


class DiagnosticError(Exception):
    """Raised at a stage boundary when one or more error-level diagnostics were collected.

    Subclasses may set ``exit_code`` (an ``ExitCode``) when the CLI should not exit with 1.
    """

    exit_code: int = 1

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=lambda d: d.sort_key)
        super().__init__(f"{len(self.diagnostics)} error(s)")


def errors_only(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity is Severity.ERROR]
