"""Family 1: estate rules over the typed model (always runs; no config needed)."""

from __future__ import annotations

from collections import defaultdict

from runbook_wan.results import Diagnostic
from runbook_wan.validation.checks.base import ValidationContext, ValidationOptions
from runbook_wan.validation.report import ESTATE, CheckResult
from runbook_wan.validation.rules import all_rules, run_rules

CHECK = "estate.rules"


class EstateFamily:
    name = "estate"
    title = "estate rules over the typed model of all sites"

    def enabled(self, options: ValidationOptions) -> bool:  # noqa: ARG002 - always on
        return True

    def run(self, ctx: ValidationContext) -> list[CheckResult]:
        found = run_rules(ctx.rendered.estate, ctx.sites)
        by_subject: dict[str, list[Diagnostic]] = defaultdict(list)
        for diag in found:
            by_subject[diag.details.get("subject", ESTATE)].append(diag)
        count = len(all_rules())
        results = [
            CheckResult.from_diagnostics(
                CHECK, ESTATE, by_subject.pop(ESTATE, []), f"{count} rules over {len(ctx.sites)} site(s)"
            )
        ]
        results += [
            CheckResult.from_diagnostics(CHECK, sid, by_subject.get(sid, []), f"{count} rules") for sid in ctx.sites
        ]
        return results
