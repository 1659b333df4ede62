"""Helpers shared by the report writers."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

from runbook_wan.results import Diagnostic, Severity, Status
from runbook_wan.validation.report import CheckResult, ValidationReport

STATUS_ORDER = (Status.FAILURE, Status.ERROR, Status.SKIPPED, Status.SUCCESS)


def relative_uri(file: str) -> str:
    """A repository-relative POSIX path (what SARIF and PR annotations expect)."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            rel = os.path.relpath(path)
            path = Path(rel) if not rel.startswith("..") else path
    return PurePath(path).as_posix()


def verdict(report: ValidationReport) -> str:
    counts = report.severity_counts()
    errors, warnings = counts[Severity.ERROR], counts[Severity.WARNING]
    problems = sum(1 for r in report.results if r.status is Status.ERROR)
    state = "FAILED" if report.failed else "PASSED"
    extra = f", {problems} check(s) could not run" if problems else ""
    return f"validation {state}: {errors} error(s), {warnings} warning(s){extra} over {len(report.sites)} site(s)"


def check_rows(report: ValidationReport) -> list[tuple[str, dict[Status, int], int, int]]:
    """Per check: status counts, error findings, warning findings."""
    rows = []
    for check in report.checks():
        results = [r for r in report.results if r.check == check]
        counts = {s: sum(1 for r in results if r.status is s) for s in Status}
        rows.append((check, counts, sum(r.errors for r in results), sum(r.warnings for r in results)))
    return rows


def findings(report: ValidationReport) -> list[tuple[CheckResult, Diagnostic]]:
    """Every finding with its result, errors first, then by file and line."""
    pairs = [(r, d) for r in report.results for d in r.diagnostics]
    rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(pairs, key=lambda p: (rank[p[1].severity], p[1].sort_key, p[0].check))


def notices(report: ValidationReport) -> list[CheckResult]:
    """Results without findings that people must still read: skipped with a reason, or errors."""
    seen: set[tuple[str, str]] = set()
    out = []
    for r in report.results:
        if r.status in (Status.SKIPPED, Status.ERROR) and r.message and (r.check, r.message) not in seen:
            seen.add((r.check, r.message))
            out.append(r)
    return out
