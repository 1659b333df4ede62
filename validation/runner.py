"""Run validation over a rendered estate: render warnings, then every enabled check family."""

from __future__ import annotations

import time
from collections.abc import Sequence

from runbook_wan.render.pipeline import RenderResult
from runbook_wan.results import DiagnosticError, Status
from runbook_wan.validation.checks.base import CheckFamily, ValidationContext, ValidationOptions
from runbook_wan.validation.checks.registry import default_families
from runbook_wan.validation.report import ESTATE, CheckResult, ValidationReport, tool_error

RENDER_CHECK = "render"
LOAD_CHECK = "load"


def validate(
    rendered: RenderResult, options: ValidationOptions, families: Sequence[CheckFamily] | None = None
) -> ValidationReport:
    """All findings about the rendered estate; one family failing never stops the others."""
    report = ValidationReport(sites=list(rendered.selected))
    report.results.append(
        CheckResult.from_diagnostics(
            RENDER_CHECK, ESTATE, rendered.warnings, f"rendered {len(rendered.configs)} site(s)"
        )
    )
    ctx = ValidationContext(rendered, options)
    for family in families if families is not None else default_families():
        if not family.enabled(options):
            continue
        start = time.perf_counter()
        try:
            report.extend(family.run(ctx))
        except DiagnosticError:
            raise  # bad input (e.g. a malformed allowlist): reported by the CLI like any input error
        except Exception as exc:  # noqa: BLE001 - per-family boundary: record and carry on
            report.results.append(
                tool_error(family.name, ESTATE, f"{family.title} crashed: {type(exc).__name__}: {exc}")
            )
        report.timings[family.name] = time.perf_counter() - start
    return report


def load_failure_report(error: DiagnosticError) -> ValidationReport:
    """The report of a run whose intents did not load or render: their errors are the findings."""
    return ValidationReport(
        results=[
            CheckResult(LOAD_CHECK, ESTATE, Status.FAILURE, tuple(error.diagnostics), "intents did not load or render")
        ]
    )
