"""Shared result vocabulary: statuses, exit codes and diagnostics used by every stage."""

from runbook_wan.results.diagnostics import Diagnostic, DiagnosticError, Severity, SourceLocation
from runbook_wan.results.exit_codes import ExitCode
from runbook_wan.results.status import Status

__all__ = ["Diagnostic", "DiagnosticError", "ExitCode", "Severity", "SourceLocation", "Status"]
