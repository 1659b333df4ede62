"""Shared result vocabulary: statuses, exit codes and diagnostics used by every stage."""

from results.diagnostics import Diagnostic, DiagnosticError, Severity, SourceLocation
from results.exit_codes import ExitCode
from results.status import Status

__all__ = ["Diagnostic", "DiagnosticError", "ExitCode", "Severity", "SourceLocation", "Status"]
