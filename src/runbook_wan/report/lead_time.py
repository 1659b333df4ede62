"""Change lead time: from the commit that changed the intents to the change verified on the network.

A *change* is a commit on the branch's first-parent line that touched the intents folder. Its
stages come from the audit log (:mod:`runbook_wan.rollout.audit`): the first ``plan``, passing
``validate``, ``rollout-start``, clean ``rollout-end`` (not halted, nothing failed or rolled
back) and ``verify`` with every site up, each run on a commit that *contains* the change (a
deploy of a later commit delivers the earlier changes too). Lead time = verified - committed.

Changes the first audit record's commit already contains are the baseline (history from before
Runbook kept an audit log) and are not counted. The promise: one hour per change.
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


@dataclass
class Change:
    commit: Commit
    stages: dict[str, datetime] = field(default_factory=dict)
    rollout_id: str | None = None

    @property
    def verified_at(self) -> datetime | None:
        return self.stages.get("verified")

    @property
    def open(self) -> bool:
        return self.verified_at is None

    def lead_seconds(self, now: datetime) -> float:
        """Verified - committed; for an open change, how long it has been open."""
        end = self.verified_at or now
        return max(0.0, (end - self.commit.committed_at).total_seconds())

    def overdue(self, now: datetime) -> bool:
        return self.lead_seconds(now) > PROMISE_SECONDS

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
        return [c for c in self.changes if not c.open]

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
                "overdue": len(self.overdue),
                "median_s": None if self.median_s is None else round(self.median_s, 1),
                "worst_s": None if self.worst_s is None else round(self.worst_s, 1),
                "baseline_not_counted": self.baseline,
                "promise_kept": self.promise_kept,
            },
            "changes": [c.to_dict(self.now) for c in self.changes],
        }


def lead_times(intents_dir: Path, audit_path: Path, period: Period, now: datetime | None = None) -> LeadTimeReport:
    now = now or datetime.now(UTC)
    history = IntentsHistory(intents_dir)
    events = [e for e in read_audit(audit_path) if e.commit]
    all_changes = history.changes()
    if not events:  # no audit log yet: everything so far is history from before Runbook
        return LeadTimeReport(period, now, [], baseline=len(all_changes))
    baseline = history.contains(events[0].commit)
    counted = [c for c in all_changes if c.sha not in baseline]
    changes = [Change(c) for c in counted if period.start <= c.committed_at <= period.end]
    by_sha = {c.commit.sha: c for c in changes}
    for event in events:
        stage = _passes(event)
        if stage is None:
            continue
        for sha in history.contains(event.commit) & by_sha.keys():
            change = by_sha[sha]
            if stage in change.stages:
                continue
            if stage == "verified" and "deployed" not in change.stages:
                continue  # a verify before the change was deployed proves nothing about it
            change.stages[stage] = event.at
            if stage in ("deploy_start", "deployed"):
                change.rollout_id = str(event.fields.get("rollout_id") or "") or None
    return LeadTimeReport(period, now, changes, baseline=len(all_changes) - len(counted))


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
