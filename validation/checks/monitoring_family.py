"""Family: the generated Prometheus and Alertmanager files, checked by promtool and amtool.

Runs when the whole estate is validated (monitoring is generated for the whole estate only).
Also reports a committed ``monitoring/`` that no longer matches the intents (run ``render``).
"""

from __future__ import annotations

from runbook_wan.monitoring.bundle import build_bundle
from runbook_wan.monitoring.check import check_files, stale_files
from runbook_wan.results import Diagnostic, Severity, SourceLocation, Status
from runbook_wan.validation.checks.base import ValidationContext, ValidationOptions
from runbook_wan.validation.report import ESTATE, CheckResult, skipped

COMMITTED = "monitoring.committed"


class MonitoringFamily:
    name = "monitoring"
    title = "generated Prometheus rules and Alertmanager config (promtool, amtool)"

    def enabled(self, options: ValidationOptions) -> bool:  # noqa: ARG002 - decided per run below
        return True

    def run(self, ctx: ValidationContext) -> list[CheckResult]:
        rendered = ctx.rendered
        if len(rendered.selected) != len(rendered.estate.sites):
            return [skipped("monitoring", ESTATE, "monitoring is generated for the whole estate; run without --limit")]
        bundle = build_bundle(rendered.estate, rendered.facts)
        folder = ctx.options.configs_dir.parent / "monitoring"
        results = []
        for check in check_files(bundle.files):
            where = SourceLocation(str(folder / check.file))
            if check.ok is None:
                results.append(skipped(check.name, ESTATE, check.output))
            elif check.ok:
                results.append(CheckResult(check.name, ESTATE, Status.SUCCESS, (), check.file))
            else:
                lines = [line for line in check.output.splitlines() if line.strip()][-12:]
                diag = Diagnostic(
                    check.name,
                    "; ".join(lines) or "the tool failed without output",
                    location=where,
                    hint="a generator bug: report it with this output",
                )
                results.append(CheckResult.from_diagnostics(check.name, ESTATE, [diag], check.file))
        stale = stale_files(bundle.files, folder)
        diags = [
            Diagnostic(
                COMMITTED,
                "differs from what the intents generate" if (folder / name).is_file() else "is missing",
                severity=Severity.WARNING,
                location=SourceLocation(str(folder / name)),
                hint="run `runbook.py render` and commit monitoring/ with the intents change",
            )
            for name in stale
        ]
        results.append(CheckResult.from_diagnostics(COMMITTED, ESTATE, diags, f"{len(bundle.files)} file(s)"))
        return results
