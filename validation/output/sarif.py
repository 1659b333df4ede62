"""SARIF 2.1.0 for code-scanning annotations.

Each finding becomes a result at its location: the intent file and line when it comes from the
intent (estate rules, load errors), else the rendered config file and line; so a PR annotation
lands on the YAML line to fix. Checks that could not run become tool execution notifications.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runbook_wan.atomic_files import write_file
from runbook_wan.results import Diagnostic, Severity, Status
from runbook_wan.validation.output.common import relative_uri
from runbook_wan.validation.report import ValidationReport
from runbook_wan.validation.rules import all_rules

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
TOOL = "runbook-validate"
DOCS = "docs/validation.md"


def _rules(diagnostics: list[Diagnostic]) -> list[dict[str, Any]]:
    known = {rule.id: rule for rule in all_rules()}
    out = []
    for code in sorted({d.code for d in diagnostics}):
        severity = next(d.severity for d in diagnostics if d.code == code)
        rule = known.get(code)
        entry: dict[str, Any] = {
            "id": code,
            "name": code,
            "shortDescription": {"text": rule.title if rule else code},
            "defaultConfiguration": {"level": LEVELS[rule.severity if rule else severity]},
            "helpUri": f"{DOCS}#{code.lower()}" if rule else DOCS,
        }
        if rule:
            entry["fullDescription"] = {"text": rule.doc}
        out.append(entry)
    return out


def _location(diag: Diagnostic) -> list[dict[str, Any]]:
    if diag.location is None or diag.location.file.startswith("<"):
        return []
    physical: dict[str, Any] = {"artifactLocation": {"uri": relative_uri(diag.location.file), "uriBaseId": "%SRCROOT%"}}
    if diag.location.line:
        physical["region"] = {"startLine": diag.location.line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if diag.location.path:
        location["logicalLocations"] = [{"fullyQualifiedName": diag.location.path, "kind": "member"}]
    return [location]


def to_sarif(report: ValidationReport) -> str:
    results = []
    for result in report.results:
        for diag in result.diagnostics:
            message = diag.message + (f" (hint: {diag.hint})" if diag.hint else "")
            results.append(
                {
                    "ruleId": diag.code,
                    "level": LEVELS[diag.severity],
                    "message": {"text": message},
                    "locations": _location(diag),
                    "properties": {"check": result.check, "subject": result.subject},
                }
            )
    notifications = [
        {"level": "error", "message": {"text": f"{r.check} ({r.subject}): {r.message}"}}
        for r in report.results
        if r.status is Status.ERROR
    ]
    run = {
        "tool": {"driver": {"name": TOOL, "rules": _rules(report.diagnostics)}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
        "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
        "results": results,
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def write_sarif(report: ValidationReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, to_sarif(report))
