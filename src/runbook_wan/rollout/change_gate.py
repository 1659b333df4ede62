"""The blast-radius gate of ``deploy``: the same rules as ``plan``, against what was last deployed.

The gate looks at the estate's whole pending change (every site whose rendered config differs
from the one it last ran), whatever ``--limit`` says: a limit narrows a rollout, not a change, so a
wide change cannot be pushed in slices without an override. ``--check`` only reports it.
"""

from __future__ import annotations

from runbook_wan.render.pipeline import RenderResult, render_estate
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode
from runbook_wan.review.build import ReviewRequest, build_review
from runbook_wan.review.model import Review
from runbook_wan.rollout.deployed import DeployedRecord
from runbook_wan.rollout.options import DeployOptions


class WideChangeError(DiagnosticError):
    """The pending change exceeds ``estate.change_policy`` and nobody overrode it (exit code 7)."""

    exit_code = ExitCode.WIDE_CHANGE


def pending_review(opts: DeployOptions, rendered: RenderResult) -> Review:
    """The change this deploy would carry: against ``--against REF`` (check only) or the deployed record."""
    full = rendered if not opts.limit else render_estate(opts.intents, None, opts.templates, opts.platforms)
    if opts.against:
        request = ReviewRequest(
            intents=opts.intents,
            configs=opts.configs_dir,
            templates=opts.templates,
            platforms=opts.platforms,
            against=opts.against,
            override=opts.allow_wide_change,
        )
        return build_review(request, rendered=full)
    record = DeployedRecord(opts.state_dir)
    request = ReviewRequest(
        intents=opts.intents,
        configs=record.configs,
        templates=opts.templates,
        platforms=opts.platforms,
        override=opts.allow_wide_change,
        snapshot=(record.intents if record.exists() else record.root / "missing", record.configs),
        snapshot_label="the last deployed state",
    )
    return build_review(request, rendered=full)


def enforce(review: Review) -> None:
    """Refuse the rollout (nothing touched) when the change is wider than the gate allows."""
    gate = review.gate
    if not gate.blocks:
        return
    raise WideChangeError(
        [
            Diagnostic(
                f"gate-{f.rule.replace('_', '-')}",
                f"blast-radius gate: {f.message}",
                location=f.location,
                hint="deploy a narrower change, or pass --allow-wide-change REASON (recorded in the audit log); "
                "`deploy --check --format markdown` shows the whole change",
            )
            for f in gate.findings
        ]
    )
