"""JSON (for tools) and Markdown (for PR comments) renderings of a report."""

from __future__ import annotations

import json
from typing import Any

from runbook_wan.results import Diagnostic, Severity, Status
from runbook_wan.validation.output.common import check_rows, findings, notices, relative_uri, verdict
from runbook_wan.validation.report import CheckResult, ValidationReport


def _diagnostic(diag: Diagnostic) -> dict[str, Any]:
    loc = diag.location
    return {
        "code": diag.code,
        "severity": diag.severity.value,
        "message": diag.message,
        "hint": diag.hint,
        "file": relative_uri(loc.file) if loc else None,
        "line": loc.line if loc else None,
        "path": loc.path if loc else "",
        "details": dict(diag.details),
    }


def _result(result: CheckResult) -> dict[str, Any]:
    return {
        "check": result.check,
        "subject": result.subject,
        "status": result.status.value,
        "message": result.message,
        "diagnostics": [_diagnostic(d) for d in result.diagnostics],
    }


def to_json(report: ValidationReport) -> str:
    severities = report.severity_counts()
    statuses = report.status_counts()
    data = {
        "passed": not report.failed,
        "summary": {
            "sites": len(report.sites),
            "errors": severities[Severity.ERROR],
            "warnings": severities[Severity.WARNING],
            "info": severities[Severity.INFO],
            "statuses": {s.value: statuses[s] for s in Status},
        },
        "timings_s": {k: round(v, 4) for k, v in report.timings.items()},
        "results": [_result(r) for r in report.results],
    }
    return json.dumps(data, indent=2) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: ValidationReport) -> str:
    mark = "❌" if report.failed else "✅"
    lines = [
        f"## {mark} {verdict(report)}",
        "",
        "| check | " + " | ".join(s.value for s in Status) + " | errors | warnings |",
        "|---|" + "---:|" * (len(Status) + 2),
    ]
    for check, counts, errors, warnings in check_rows(report):
        lines.append(f"| {check} | " + " | ".join(str(counts[s]) for s in Status) + f" | {errors} | {warnings} |")
    notes = notices(report)
    if notes:
        lines += ["", *[f"- **{r.status.value}** `{r.check}`: {_cell(r.message)}" for r in notes]]
    found = findings(report)
    if found:
        lines += ["", "| severity | rule | where | finding | hint |", "|---|---|---|---|---|"]
        for _, diag in found:
            where = diag.location.display() if diag.location else ""
            lines.append(
                f"| {diag.severity.value} | `{diag.code}` | `{_cell(where)}` | {_cell(diag.message)} | "
                f"{_cell(diag.hint)} |"
            )
    return "\n".join(lines) + "\n"
