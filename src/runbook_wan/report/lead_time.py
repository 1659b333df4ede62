"""Change lead time: from the commit that changed the intents to the change live where it lands.

A *change* is a commit on the branch's first-parent line that touched the intents folder. Where it
lands comes from the intents themselves (:mod:`runbook_wan.report.change_reach`):

* **devices**: the sites whose rendered config (or rotated secret) it changes. It is *deployed*
  when each of them ran it (a ``site`` record changed/unchanged, in a rollout of a commit that
  contains the change; a deploy of a later commit delivers the earlier changes too, and a
  ``--limit`` rollout of those sites is enough) and *verified* when each was up in a ``verify``
  after that. Sites that no longer exist need nothing.
* **monitoring** only (notification routes, thresholds nobody's config carries): delivered when
  the monitoring stack runs it (``monitoring-live``, written by ``monitor up``).
* **none** (comments, documentation, the gate's own policy): not applicable, never open.
* **unknown** (the intents at that commit do not load): a clean rollout of the whole estate and a
  ``verify`` with every site up deliver it, as before the reach was known.

The other stages: the first ``plan``, passing ``validate`` and ``rollout-start``, each on a commit
that contains the change. Lead time = verified - committed. Changes the first audit record's commit
already contains are the baseline (history from before Runbook kept an audit log) and are not
counted. The promise: one hour per change.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client import Gauge

from runbook_wan.ops import metrics
from runbook_wan.report.change_reach import Reach, ReachCache
from runbook_wan.report.git_history import Commit, IntentsHistory
from runbook_wan.report.period import Period, iso

#: The customer's promise: an intents change is live and verified within one hour.
PROMISE_SECONDS = metrics.CHANGE_PROMISE_SECONDS
STAGES = ("plan", "validate", "deploy_start", "deployed", "verified")


@dataclass(frozen=True)
class AuditEvent:
    at: datetime
    event: str
    commit: str  # intents commit without "+dirty"; "" when not in git
    fields: dict[str, Any]


def _parse_ts(text: str) -> datetime | None:
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def read_audit(path: Path) -> list[AuditEvent]:
    """Every readable record, oldest first; torn or foreign lines are skipped."""
    if not path.is_file():
        return []
    events: list[AuditEvent] = []
    starts: dict[str, str] = {}  # rollout id -> intents commit (rollout-end does not repeat it)
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        at = _parse_ts(str(record.get("ts", "")))
        if at is None:
            continue
        commit = str(record.get("intents_commit") or "")
        if record.get("event") == "rollout-start":
            starts[str(record.get("rollout_id"))] = commit
        elif record.get("event") == "rollout-end":
            commit = starts.get(str(record.get("rollout_id")), "")
        commit = commit.removesuffix("+dirty")
        events.append(AuditEvent(at, str(record.get("event", "")), "" if commit == "not-in-git" else commit, record))
    events.sort(key=lambda e: e.at)
    return events


def _passes(event: AuditEvent) -> str | None:
    """The stage an audit event completes, or None."""
    f = event.fields
    if event.event == "plan":
        return "plan"
    if event.event == "validate" and f.get("result") == "passed":
        return "validate"
    if event.event == "rollout-start":
        return "deploy_start"
    if event.event == "rollout-end":
        summary = f.get("summary") or {}
        clean = not f.get("halted") and not summary.get("failed") and not summary.get("rolled_back")
        return "deployed" if clean else None
    if event.event == "verify" and f.get("result") == "up":
        return "verified"
    return None


#: Site outcomes that leave a site running the rollout's config.
LANDED = ("changed", "unchanged")


@dataclass
class Change:
    commit: Commit
    stages: dict[str, datetime] = field(default_factory=dict)
    rollout_id: str | None = None
    reach: Reach | None = None
    #: Sites the change must still reach (deployed and verified), for the report.
    pending: list[str] = field(default_factory=list)

    @property
    def verified_at(self) -> datetime | None:
        return self.stages.get("verified")

    @property
    def applicable(self) -> bool:
        """False for a change that reaches nothing that runs: it is never open."""
        return self.reach is None or self.reach.kind != "none"

    @property
    def open(self) -> bool:
        return self.applicable and self.verified_at is None

    def lead_seconds(self, now: datetime) -> float:
        """Verified - committed; for an open change, how long it has been open."""
        end = self.verified_at or now
        return max(0.0, (end - self.commit.committed_at).total_seconds())

    def overdue(self, now: datetime) -> bool:
        return self.applicable and self.lead_seconds(now) > PROMISE_SECONDS

    def to_dict(self, now: datetime) -> dict[str, Any]:
        start = self.commit.committed_at
        return {
            "commit": self.commit.sha,
            "subject": self.commit.subject,
            "author": self.commit.author,
            "committed_at": iso(start),
            "stages": {
                name: {"at": iso(at), "after_s": round((at - start).total_seconds(), 1)}
                for name in STAGES
                if (at := self.stages.get(name)) is not None
            },
            "rollout_id": self.rollout_id,
            "reaches": None if self.reach is None else self.reach.to_dict(),
            "applicable": self.applicable,
            "pending_sites": self.pending,
            "open": self.open,
            "lead_s": round(self.lead_seconds(now), 1),
            "within_promise": not self.overdue(now),
        }


@dataclass
class LeadTimeReport:
    period: Period
    now: datetime
    changes: list[Change]
    baseline: int  # changes before the audit log began (not counted)
    promise_s: float = PROMISE_SECONDS

    @property
    def done(self) -> list[Change]:
        return [c for c in self.changes if c.applicable and not c.open]

    @property
    def not_applicable(self) -> list[Change]:
        return [c for c in self.changes if not c.applicable]

    @property
    def open(self) -> list[Change]:
        return [c for c in self.changes if c.open]

    @property
    def median_s(self) -> float | None:
        leads = [c.lead_seconds(self.now) for c in self.done]
        return statistics.median(leads) if leads else None

    @property
    def worst_s(self) -> float | None:
        leads = [c.lead_seconds(self.now) for c in self.done]
        return max(leads) if leads else None

    @property
    def overdue(self) -> list[Change]:
        return [c for c in self.changes if c.overdue(self.now)]

    @property
    def promise_kept(self) -> bool:
        return not self.overdue

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": {"since": iso(self.period.start), "until": iso(self.period.end)},
            "promise_s": self.promise_s,
            "summary": {
                "changes": len(self.changes),
                "verified": len(self.done),
                "open": len(self.open),
                "not_applicable": len(self.not_applicable),
                "overdue": len(self.overdue),
                "median_s": None if self.median_s is None else round(self.median_s, 1),
                "worst_s": None if self.worst_s is None else round(self.worst_s, 1),
                "baseline_not_counted": self.baseline,
                "promise_kept": self.promise_kept,
            },
            "changes": [c.to_dict(self.now) for c in self.changes],
        }


def lead_times(intents_dir: Path, audit_path: Path, period: Period, now: datetime | None = None) -> LeadTimeReport:
    """The changes of ``period`` with their stages. Reaches are cached beside the audit log."""
    now = now or datetime.now(UTC)
    history = IntentsHistory(intents_dir)
    events = [e for e in read_audit(audit_path) if e.commit]
    all_changes = history.changes()
    if not events:  # no audit log yet: everything so far is history from before Runbook
        return LeadTimeReport(period, now, [], baseline=len(all_changes))
    shas = {c.sha for c in all_changes}
    baseline = history.contains(events[0].commit, shas)
    counted = [c for c in all_changes if c.sha not in baseline]
    changes = [Change(c) for c in counted if period.start <= c.committed_at <= period.end]
    cache = ReachCache(audit_path.parent)
    existing = history.site_ids()
    for change in changes:
        change.reach = cache.get(history.root, history.path, change.commit.sha)
    cache.save()
    _stages(history, events, changes, shas)
    for change in changes:
        if change.reach is not None and change.reach.kind == "devices":
            _delivered_on_devices(history, events, change, shas, existing)
        elif change.reach is not None and change.reach.kind == "monitoring":
            _delivered_to_monitoring(history, events, change, shas)
        elif change.reach is None or change.reach.kind == "unknown":
            _delivered_estate_wide(history, events, change, shas)
    return LeadTimeReport(period, now, changes, baseline=len(all_changes) - len(counted))


def _stages(history: IntentsHistory, events: list[AuditEvent], changes: list[Change], shas: set[str]) -> None:
    """plan, validate, deploy_start: the first event on a commit that contains the change."""
    by_sha = {c.commit.sha: c for c in changes}
    for event in events:
        stage = _passes(event)
        if stage not in ("plan", "validate", "deploy_start"):
            continue
        for sha in history.contains(event.commit, shas) & by_sha.keys():
            change = by_sha[sha]
            if stage not in change.stages:
                change.stages[stage] = event.at
                if stage == "deploy_start":
                    change.rollout_id = str(event.fields.get("rollout_id") or "") or None


def _verified_sites(event: AuditEvent) -> set[str] | None:
    """Sites a verify found up; None when the record does not say (older records, with a limit)."""
    if event.event != "verify":
        return None
    listed = event.fields.get("sites_up")
    if isinstance(listed, list):
        return {str(s) for s in listed}
    return None


def _delivered_on_devices(
    history: IntentsHistory, events: list[AuditEvent], change: Change, shas: set[str], existing: set[str] | None
) -> None:
    """Deployed when each reached site ran it; verified when each was up in a verify after that."""
    assert change.reach is not None
    sites = [s for s in change.reach.sites if existing is None or s in existing]
    deployed: dict[str, AuditEvent] = {}
    verified: dict[str, datetime] = {}
    for event in events:
        if event.event == "site" and event.fields.get("result") in LANDED:
            site = str(event.fields.get("site"))
            if site in sites and site not in deployed and change.commit.sha in history.contains(event.commit, shas):
                deployed[site] = event
        elif event.event == "verify":
            up = _verified_sites(event)
            # older records name no sites: only a verify of the whole estate with every site up counts
            everything = up is None and event.fields.get("result") == "up" and not event.fields.get("limit")
            for site in sites:
                after = site in deployed and site not in verified and event.at >= deployed[site].at
                if after and (everything or (up is not None and site in up)):
                    verified[site] = event.at
    change.pending = sorted(s for s in sites if s not in verified)
    if sites and len(deployed) == len(sites):
        last = max(deployed.values(), key=lambda e: e.at)
        change.stages["deployed"] = last.at
        change.rollout_id = str(last.fields.get("rollout_id") or "") or change.rollout_id
    elif not sites:  # every site it reached is gone: nothing left to deliver
        change.stages["deployed"] = change.stages["verified"] = change.commit.committed_at
        return
    if not change.pending:
        change.stages["verified"] = max(verified.values())


def _delivered_to_monitoring(history: IntentsHistory, events: list[AuditEvent], change: Change, shas: set[str]) -> None:
    """Live when the monitoring stack was (re)started with a commit that contains the change."""
    for event in events:
        if event.event == "monitoring-live" and change.commit.sha in history.contains(event.commit, shas):
            change.stages["deployed"] = change.stages["verified"] = event.at
            return
    change.pending = ["monitoring"]


def _delivered_estate_wide(history: IntentsHistory, events: list[AuditEvent], change: Change, shas: set[str]) -> None:
    """Reach unknown: a clean rollout of a commit that contains it, then a verify with every site up."""
    for event in events:
        stage = _passes(event)
        if stage not in ("deployed", "verified") or stage in change.stages:
            continue
        if stage == "verified" and "deployed" not in change.stages:
            continue  # a verify before the change was deployed proves nothing about it
        if stage == "deployed" and change.commit.sha not in history.contains(event.commit, shas):
            continue
        change.stages[stage] = event.at
        if stage == "deployed":
            change.rollout_id = str(event.fields.get("rollout_id") or "") or None


def change_open_seconds(intents_dir: Path, audit_path: Path, now: datetime | None = None) -> float:
    """``runbook_change_open_seconds``: age of the oldest change not yet verified (0 when none is open)."""
    now = now or datetime.now(UTC)
    epoch = datetime.fromtimestamp(0, UTC)
    report = lead_times(intents_dir, audit_path, Period(epoch, now), now)
    return max((c.lead_seconds(now) for c in report.open), default=0.0)


def export_change_open(gauge: Gauge, intents_dir: Path, audit_path: Path, now: datetime | None = None) -> float:
    """Set the probe's ``runbook_change_open_seconds`` gauge (no labels); returns the value.

    The ChangeOverdue alert fires on ``runbook_change_open_seconds > 3600`` (:data:`PROMISE_SECONDS`).
    """
    value = change_open_seconds(intents_dir, audit_path, now)
    gauge.set(value)
    return value
