"""The report for people: a table per check, then findings in the one diagnostic format
(``error: file:line path: message; hint: ... [code]``)."""

from __future__ import annotations

from typing import Any, Protocol

from rich.table import Table
from rich.text import Text

from runbook_wan.context import print_diagnostic
from runbook_wan.results import Status
from runbook_wan.validation.output.common import check_rows, findings, notices, verdict
from runbook_wan.validation.report import ValidationReport

_STATUS_STYLE = {Status.SUCCESS: "green", Status.FAILURE: "red", Status.ERROR: "magenta", Status.SKIPPED: "dim"}
_STATUS_HEADER = {Status.SUCCESS: "ok", Status.FAILURE: "fail", Status.ERROR: "error", Status.SKIPPED: "skip"}


class Printer(Protocol):
    def print(self, *objects: Any, **kwargs: Any) -> None: ...


def summary_table(report: ValidationReport) -> Table:
    table = Table(title="runbook validate", title_justify="left")
    table.add_column("check", no_wrap=True, min_width=max((len(c) for c in report.checks()), default=5))
    for status in Status:
        table.add_column(_STATUS_HEADER[status], justify="right", style=_STATUS_STYLE[status])
    table.add_column("errors", justify="right", style="red")
    table.add_column("warnings", justify="right", style="yellow")
    for check, counts, errors, warnings in check_rows(report):
        table.add_row(check, *(str(counts[s] or "") for s in Status), str(errors or ""), str(warnings or ""))
    return table


def twin_matrix(report: ValidationReport) -> Table | None:
    """Site x scenario matrix of the twin proof (None when the twin did not run)."""
    cells = {(r.subject, r.check.removeprefix("twin.")): r for r in report.results if r.check.startswith("twin.")}
    if not cells:
        return None
    scenarios = list(dict.fromkeys(scenario for _, scenario in cells))
    table = Table(title="twin survivability proof (site x scenario)", title_justify="left")
    table.add_column("site", no_wrap=True)
    for scenario in scenarios:
        table.add_column(scenario, justify="center")
    for site in sorted({site for site, _ in cells}):
        row: list[str | Text] = []
        for scenario in scenarios:
            result = cells.get((site, scenario))
            if result is None:
                row.append("-")
            else:
                style = _STATUS_STYLE[result.status]
                row.append(Text("✓" if result.status is Status.SUCCESS else "✗", style=style))
        table.add_row(site, *row)
    return table


def print_report(report: ValidationReport, out: Printer) -> None:
    out.print(summary_table(report))
    matrix = twin_matrix(report)
    if matrix is not None:
        out.print(matrix)
    for result in notices(report):
        style = _STATUS_STYLE[result.status]
        out.print(Text.assemble((result.status.value, style), f" {result.check}: ", result.message))
    for _result, diag in findings(report):
        print_diagnostic(out, diag)
    timing = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in report.timings.items())
    style = "red" if report.failed else "green"
    out.print(Text.assemble((verdict(report), style), (f" ({timing})" if timing else "", "dim")))
