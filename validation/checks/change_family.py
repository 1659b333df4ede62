"""Family 4 (``--against REF``): the change itself. What it changes in the intents, how far it
reaches, and whether it stays inside the blast-radius gate (``estate.change_policy``).

Findings sit on the intent lines that made the change, so SARIF annotates the YAML line a
reviewer should look at: a note per changed key ("reaches 72 sites"), and the gate's verdict on the
line of the change that broke it (an error, or a warning when overridden with a reason).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from runbook_wan.results import Diagnostic, Severity, SourceLocation, Status
from runbook_wan.review.build import ReviewRequest, build_review
from runbook_wan.review.impact import Impact
from runbook_wan.review.model import Review
from runbook_wan.validation.checks.base import ValidationContext, ValidationOptions
from runbook_wan.validation.report import ESTATE, CheckResult

INTENT_CHECK = "change.intent"
GATE_CHECK = "change.gate"


def _regions(impact: Impact, sites: list[str]) -> str:
    counts = Counter(impact.sites[s].region for s in sites if s in impact.sites)
    return ", ".join(f"{region} {n}" for region, n in sorted(counts.items()))


def _change_notes(review: Review) -> list[Diagnostic]:
    impact = review.impact
    if impact is None:
        return []
    notes = []
    for index, change in enumerate(impact.changes):
        reach = impact.reach(index)
        where = f" ({_regions(impact, reach)})" if reach else ""
        notes.append(
            Diagnostic(
                "change-intent",
                f"{change.words()}: reaches {len(reach)} site(s){where}",
                Severity.INFO,
                change.new_at or change.old_at,
                hint=f"was {change.old_at.display()}" if change.old_at and change.new_at else "",
            )
        )
    return notes


def _culprit(review: Review, sites: tuple[str, ...]) -> SourceLocation | None:
    """The intent line of the change that reaches most of ``sites``."""
    impact = review.impact
    if impact is None or not impact.changes:
        return None
    wanted = set(sites)
    best = max(range(len(impact.changes)), key=lambda i: len(wanted & set(impact.reach(i))))
    change = impact.changes[best]
    return change.new_at or change.old_at


def gate_findings(review: Review) -> list[Diagnostic]:
    gate = review.gate
    severity = Severity.WARNING if gate.override else Severity.ERROR
    suffix = f" (overridden: {gate.override})" if gate.override else ""
    hint = "" if gate.override else "split the change, or pass --allow-wide-change REASON once it is approved"
    return [
        Diagnostic(
            f"gate-{f.rule.replace('_', '-')}",
            f"blast-radius gate: {f.message}{suffix}",
            severity,
            _culprit(review, f.sites) or f.location,
            hint=hint,
        )
        for f in gate.findings
    ]


class ChangeFamily:
    name = "change"
    title = "the change against a git ref: intent diff, reach and blast-radius gate"

    def __init__(self) -> None:
        self.review: Review | None = None

    def enabled(self, options: ValidationOptions) -> bool:
        return bool(options.extras.get("against"))

    def run(self, ctx: ValidationContext) -> list[CheckResult]:
        extras = ctx.options.extras
        request = ReviewRequest(
            intents=ctx.rendered.estate.root,
            configs=ctx.options.configs_dir,
            templates=Path(str(extras.get("templates"))) if extras.get("templates") else ReviewRequest.templates,
            platforms=Path(str(extras.get("platforms"))) if extras.get("platforms") else ReviewRequest.platforms,
            limit=str(extras["limit"]) if extras.get("limit") else None,
            against=str(extras["against"]),
            override=str(extras["allow_wide_change"]) if extras.get("allow_wide_change") else None,
        )
        review = build_review(request, rendered=ctx.rendered)
        self.review = review
        summary = (
            f"{len(review.impact.changes)} intent change(s) reach {len(review.impact.sites)} site(s)"
            if review.impact is not None
            else f"no intent layer: {review.intent_note}"
        )
        gate = review.gate
        status = Status.FAILURE if gate.blocks else Status.SUCCESS
        return [
            CheckResult(INTENT_CHECK, ESTATE, Status.SUCCESS, tuple(_change_notes(review)), summary),
            CheckResult(GATE_CHECK, ESTATE, status, tuple(gate_findings(review)), gate.headline()),
        ]
