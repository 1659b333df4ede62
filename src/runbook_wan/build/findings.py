"""The diagnostics of a build whose sites were built separately, in the order and form of the whole-
estate pipeline (:func:`runbook_wan.render.pipeline.render_estate`): what a user reads does not
depend on how many processes built the estate, nor on which sites the cache proved unchanged.

The whole-estate order: the shared files' findings; each site file's, in file order (a second
file with the same site id is reported as a duplicate and skipped); ``notifications.yaml``'s; the
references (policy segments no site has, then each site's, by site id, then guardrails); the
sites named in notifications. Any error stops there. Then, for the selected sites: their facts'
findings (each once), a missing platform templates folder, their templates' errors (each once).

Sites the cache proved unchanged (``clean``) were built without an error by this code from these
same inputs, so they add no error: they count only where the estate-wide checks look at every
site (site ids, the segments of a policy's sites) and in the warning count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from runbook_wan.build.cache import SiteEntry
from runbook_wan.build.site_job import SiteOutcome, diagnostic_key
from runbook_wan.model.loader import SharedIntents, duplicate_site, estate_notification_references
from runbook_wan.model.references import guardrail_classes, segments_nobody_has
from runbook_wan.render.pipeline import platform_folders_missing
from runbook_wan.results import Diagnostic, Severity
from runbook_wan.results.diagnostics import errors_only


class _Seen:
    """Diagnostics in first-seen order, each finding once (code, message, location)."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []
        self._keys: set[tuple[str, str, object]] = set()

    def add(self, items: Iterable[Diagnostic]) -> None:
        for item in items:
            key = (item.code, item.message, item.location)
            if key not in self._keys:
                self._keys.add(key)
                self.items.append(item)


@dataclass
class LoadFindings:
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    #: The sites that loaded (a file of their own, valid), by site id.
    valid: dict[str, SiteOutcome] = field(default_factory=dict)
    #: A changed site file has the id of an unchanged one: only a whole build can say which is the duplicate.
    needs_full: bool = False


def load_findings(shared: SharedIntents, outcomes: Sequence[SiteOutcome], clean: Sequence[SiteEntry]) -> LoadFindings:
    """Everything loading reports, for the built sites (``outcomes``, in file order) and the clean ones."""
    found = LoadFindings()
    seen = _Seen()
    seen.add(shared.diagnostics)
    clean_ids = {entry.site for entry in clean}
    first: dict[str, str] = {}
    for outcome in outcomes:
        seen.add(outcome.read)
        sid = outcome.sid
        if sid is None:
            continue
        if sid in clean_ids:
            found.needs_full = True
            return found
        if sid in first:
            seen.add([duplicate_site_of(outcome, first[sid])])
            continue
        first[sid] = outcome.display
        seen.add(outcome.load)
        if outcome.summary is not None:
            found.valid[sid] = outcome
    seen.add(shared.notification_diagnostics)
    seen.add(_references(shared, found.valid, clean))
    if shared.notifications is not None:
        estate = shared.estate({}, {})
        ids = set(found.valid) | clean_ids
        seen.add(estate_notification_references(estate, shared, shared.broken, ids))
    found.errors = errors_only(seen.items)
    found.warnings = [d for d in seen.items if d.severity is not Severity.ERROR]
    return found


def duplicate_site_of(outcome: SiteOutcome, first_file: str) -> Diagnostic:
    from runbook_wan.model.loader import SiteLoad  # noqa: PLC0415 - a plain record for the message

    loaded = SiteLoad(Path(outcome.file), sid=outcome.sid, file=outcome.display, id_line=outcome.id_line)
    return duplicate_site(loaded, first_file)


def _references(shared: SharedIntents, valid: dict[str, SiteOutcome], clean: Sequence[SiteEntry]) -> list[Diagnostic]:
    estate = shared.estate({}, {})
    users: dict[str, set[str]] = {}
    for outcome in valid.values():
        assert outcome.summary is not None
        users.setdefault(outcome.summary.policy, set()).update(outcome.summary.segments)
    for entry in clean:
        # A clean site was built without a reference error under this (unchanged) policy: it has
        # every segment the policy matches.
        policy = shared.policies.get(entry.policy)
        matched = {s for app in policy.classes.values() for s in app.match.segments} if policy else set()
        users.setdefault(entry.policy, set()).update(matched)
    out, covered = segments_nobody_has(estate, users)
    for sid in sorted(valid):
        outcome = valid[sid]
        out += outcome.names + [problem for pair, problem in outcome.segments if pair not in covered]
    return out + guardrail_classes(estate)


@dataclass
class RenderFindings:
    errors: list[Diagnostic] = field(default_factory=list)
    #: Warnings of the facts of the built sites (each once).
    warnings: list[Diagnostic] = field(default_factory=list)


def render_findings(shared: SharedIntents, chosen: Sequence[SiteOutcome], templates_dir: Path) -> RenderFindings:
    """The facts and template findings of the selected built sites (``chosen``, by site id)."""
    seen = _Seen()
    for outcome in chosen:
        seen.add(outcome.facts_found)
    errors = errors_only(seen.items)
    platforms = sorted({o.summary.platform for o in chosen if o.summary is not None})
    folders = platform_folders_missing([shared.platforms[p] for p in platforms if p in shared.platforms], templates_dir)
    if folders:  # every template of the platform would be missing: said once
        return RenderFindings(errors + folders, [])
    keys: set[tuple[str, str, object]] = set()
    for outcome in chosen:
        for d in outcome.render_found:
            # The same template bug breaks every site of a platform: report it once.
            key = (d.code, d.location.display() if d.location else "", d.message.split(" (rendering")[0])
            if key not in keys:
                keys.add(key)
                errors.append(d)
    return RenderFindings(errors, [] if errors else seen.items)


def warning_count(
    load: Sequence[Diagnostic], facts: Sequence[Diagnostic], clean: Iterable[SiteEntry], selected: set[str] | None
) -> int:
    """How many warnings the whole-estate pipeline reports: load warnings of every site, facts
    warnings of the selected ones, each finding once."""
    load_keys = {diagnostic_key(d) for d in load}
    facts_keys = {diagnostic_key(d) for d in facts}
    for entry in clean:
        for key in entry.warnings:
            kind, _, digest = key.partition(":")
            if kind == "load":
                load_keys.add(digest)
            elif kind == "facts" and (selected is None or entry.site in selected):
                facts_keys.add(digest)
    return len(load_keys) + len(facts_keys)
