"""JUnit XML: one testsuite per check, one testcase per subject (site or estate)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from runbook_wan.atomic_files import write_file
from runbook_wan.results import Severity, Status
from runbook_wan.validation.report import CheckResult, ValidationReport


def _testcase(suite: ET.Element, result: CheckResult) -> None:
    case = ET.SubElement(suite, "testcase", classname=result.check, name=result.subject, time="0")
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    others = [d for d in result.diagnostics if d.severity is not Severity.ERROR]
    if result.status is Status.FAILURE:
        failure = ET.SubElement(
            case,
            "failure",
            message=f"{len(errors)} error(s): " + "; ".join(d.message for d in errors[:3]),
            type=errors[0].code if errors else "failure",
        )
        failure.text = "\n".join(f"{d.code}: {d.format()}" for d in errors)
    elif result.status is Status.ERROR:
        ET.SubElement(case, "error", message=result.message or "check could not run", type="error")
    elif result.status is Status.SKIPPED:
        ET.SubElement(case, "skipped", message=result.message or "skipped")
    if others:
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(f"{d.severity.value} {d.code}: {d.format()}" for d in others)


def _counts(results: list[CheckResult]) -> dict[str, str]:
    return {
        "tests": str(len(results)),
        "failures": str(sum(1 for r in results if r.status is Status.FAILURE)),
        "errors": str(sum(1 for r in results if r.status is Status.ERROR)),
        "skipped": str(sum(1 for r in results if r.status is Status.SKIPPED)),
    }


def to_junit(report: ValidationReport) -> str:
    root = ET.Element(
        "testsuites",
        {"name": "runbook validate", **_counts(report.results), "time": f"{sum(report.timings.values()):.3f}"},
    )
    for check in report.checks():
        results = [r for r in report.results if r.check == check]
        suite = ET.SubElement(root, "testsuite", {"name": check, **_counts(results), "time": "0"})
        for result in results:
            _testcase(suite, result)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(report: ValidationReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, to_junit(report))
