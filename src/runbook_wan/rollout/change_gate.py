"""The blast-radius gate of ``deploy``: the same rules as ``plan``, against what was last deployed.

The gate looks at the estate's whole pending change (every site whose rendered config differs
from the one it last ran), whatever ``--limit`` says: a limit narrows a rollout, not a change, so a
wide change cannot be pushed in slices without an override. ``--check`` only reports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runbook_wan.credentials.fingerprints import Fingerprinter
from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.render.pipeline import RenderResult, render_estate
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode
from runbook_wan.review.build import ReviewRequest, build_review
from runbook_wan.review.model import Review
from runbook_wan.review.secrets import reference_at, rotations
from runbook_wan.rollout.deployed import DeployedRecord
from runbook_wan.rollout.options import DeployOptions
from runbook_wan.rollout.secret_record import (
    SecretComparison,
    SecretRecord,
    SiteSecrets,
    compare,
    current,
    fingerprinter,
)


class WideChangeError(DiagnosticError):
    """The pending change exceeds ``estate.change_policy`` and nobody overrode it (exit code 7)."""

    exit_code = ExitCode.WIDE_CHANGE


def full_render(opts: DeployOptions, rendered: RenderResult) -> RenderResult:
    """Every site of the estate: the gate looks at the whole pending change, whatever ``--limit`` says."""
    return rendered if not opts.limit else render_estate(opts.intents, None, opts.templates, opts.platforms)


@dataclass
class SecretState:
    """The secret values this rollout pushes, fingerprinted, and how they compare with what was deployed."""

    keyed: Fingerprinter
    now: SiteSecrets
    comparison: SecretComparison


def compare_secrets(
    opts: DeployOptions, full: RenderResult, resolver: SecretResolver, note: Callable[[str], None]
) -> SecretState:
    """Fingerprint every secret the estate's configs use and compare with ``<state>/deployed/secrets.json``."""
    keyed = fingerprinter(resolver, opts.state_dir, note)
    configs = {sid: cfg.text for sid, cfg in full.configs.items()}
    now = current(configs, rotations(full.estate), resolver, keyed)
    key_id, recorded = SecretRecord(opts.state_dir).read()
    if key_id is None:
        comparison = SecretComparison(
            [], {}, note="no secret fingerprints recorded from this state folder yet: every value is onboarded"
        )
    elif key_id != keyed.key_id:
        comparison = SecretComparison(
            [],
            {},
            note="the fingerprint key changed since the last rollout: secret values could not be compared "
            "(recorded afresh after this rollout)",
        )
        note(comparison.note)
    else:
        comparison = compare(recorded, now, configs)
        comparison.note = "secret values compared with what each site last ran (keyed fingerprints)"
    for name, sites in sorted(comparison.unchanged_rotations.items()):
        note(
            f"secret {name!r}: the intents raise its rotation, but its value is the one {len(sites)} site(s) "
            "already run: was the secrets source updated?"
        )
    return SecretState(keyed, now, comparison)


def pending_review(opts: DeployOptions, full: RenderResult, secrets: SecretState | None = None) -> Review:
    """The change this deploy would carry: against ``--against REF`` (check only) or the deployed record."""
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
        secrets=secrets.comparison.changes if secrets is not None else None,
        secrets_note=secrets.comparison.note if secrets is not None else "",
    )
    return build_review(request, rendered=full)


def enforce(review: Review, opts: DeployOptions | None = None, full: RenderResult | None = None) -> None:
    """Refuse the rollout (nothing touched) when the change is wider than the gate allows, or (with
    ``opts`` and ``full``) pushes a secret value review never saw; every reason in one pass."""
    problems = gate_problems(review)
    if opts is not None and full is not None:
        problems += secret_problems(review, opts, full)
    if problems:
        raise WideChangeError(problems)


def gate_problems(review: Review) -> list[Diagnostic]:
    gate = review.gate
    if not gate.blocks:
        return []
    return [
        Diagnostic(
            f"gate-{f.rule.replace('_', '-')}",
            f"blast-radius gate: {f.message}",
            location=f.location,
            hint="deploy a narrower change, or pass --allow-wide-change REASON (recorded in the audit log); "
            "`deploy --check --format markdown` shows the whole change",
        )
        for f in gate.findings
    ]


def secret_problems(review: Review, opts: DeployOptions, full: RenderResult) -> list[Diagnostic]:
    """A secret value that changed although the intents declare no rotation is refused, unless
    ``--rotate-secret NAME`` or ``--allow-wide-change REASON`` accepts it (both audited)."""
    accepted = set(opts.rotate_secrets)
    refused = []
    for change in review.secrets:
        if change.reviewed:
            continue
        if change.name in accepted:
            change.override = f"--rotate-secret {change.name}"
        elif opts.allow_wide_change:
            change.override = opts.allow_wide_change
        else:
            refused.append(change)
    return [
        Diagnostic(
            "secret-unreviewed",
            f"secret {c.name!r} changed in the secrets source since it was deployed, at {len(c.sites)} site(s) "
            f"({c.session_count} session(s)), but the intents declare no rotation: review never saw it",
            location=reference_at(full.estate, c.name),
            hint=f"declare it in a reviewed change (`{{secret: {c.name}, rotation: {_next(c.rotation_after)}}}`), "
            f"or pass --rotate-secret {c.name} or --allow-wide-change REASON (recorded in the audit log); "
            "`deploy --check --format markdown` shows the sites",
        )
        for c in refused
    ]


def _next(rotation: int | None) -> int:
    return (rotation or 0) + 1
