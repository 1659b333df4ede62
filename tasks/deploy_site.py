"""Deploy one site: the steps in order, with rollback on any failure after the commit.

backup -> load -> compare (empty: unchanged) -> [--check stops here] -> pre-check -> commit with
revert timer -> health gate -> confirm, or roll back and verify the old config is back.
The site ends on its old config or on its new, verified one; never in between.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nornir.core.exceptions import NornirSubTaskError
from nornir.core.task import Result, Task

from runbook_wan.facts.models import SiteFacts
from runbook_wan.results import Status
from runbook_wan.tasks.backup import BackupStore, backup_running
from runbook_wan.tasks.candidate import compare_candidate, discard_candidate, load_candidate
from runbook_wan.tasks.commit import commit_candidate, confirm, has_pending_commit, rollback
from runbook_wan.tasks.connection import connect
from runbook_wan.tasks.gate import GateObservation, circuits_up, health_gate
from runbook_wan.tasks.outcome import Outcome, SiteReport, StepRecord

#: ``sink(site, step, status, detail)``: where step records go (the rollout journal).
StepSink = Callable[[str, str, Status, str], None]


@dataclass(frozen=True)
class SiteJob:
    site: str
    facts: SiteFacts
    #: The config to push, secrets resolved. Never written anywhere.
    config: str
    #: sha256 of the rendered config (tokens, not secrets): what the plan pinned.
    sha256: str
    rollout_id: str
    wave: int
    revert_in: int
    gate_timeout: float
    check_only: bool


class _StepFailedError(Exception):
    pass


def _error_text(exc: NornirSubTaskError) -> str:
    for result in exc.result:
        if result.exception is not None:
            return f"{type(result.exception).__name__}: {result.exception}".strip()
        if result.failed and result.result:
            return str(result.result)
    return "step failed"


class _SiteRun:
    def __init__(self, task: Task, job: SiteJob, sink: StepSink) -> None:
        self.task, self.job, self.sink = task, job, sink
        self.report = SiteReport(site=job.site, wave=job.wave)

    def step(self, name: str, fn: Callable[..., Result], **kwargs: Any) -> Result:
        start = time.monotonic()
        try:
            result = self.task.run(task=fn, name=name, **kwargs)[0]
        except NornirSubTaskError as exc:
            detail = _error_text(exc)
            self._record(name, Status.FAILURE, start, detail)
            raise _StepFailedError(f"{name}: {detail}") from None
        self._record(name, Status.SUCCESS, start, "")
        return result

    def _record(self, name: str, status: Status, start: float, detail: str) -> None:
        self.report.steps.append(StepRecord(name, status, round(time.monotonic() - start, 3), detail))
        self.sink(self.job.site, name, status, detail)

    def gate(self, links: dict[str, dict[str, Any]]) -> GateObservation:
        start = time.monotonic()
        try:
            result = self.task.run(
                task=health_gate, name="gate", facts=self.job.facts, links=links, timeout=self.job.gate_timeout
            )[0]
        except NornirSubTaskError as exc:
            obs = exc.result[0].result
            if not isinstance(obs, GateObservation):
                self._record("gate", Status.ERROR, start, _error_text(exc))
                raise _StepFailedError(f"gate: {_error_text(exc)}") from None
            self._record("gate", Status.FAILURE, start, "; ".join(obs.failures))
            return obs
        passed: GateObservation = result.result
        self._record("gate", Status.SUCCESS, start, f"passed after {passed.polls} poll(s)")
        return passed

    def roll_back(self, reason: str, running_before: str) -> None:
        """Restore the old config and prove it: the device diff against it must be empty."""
        self.report.reason = reason
        try:
            self.step("rollback", rollback)
            self.step("load-backup", load_candidate, config=running_before)
            leftover = self.step("verify-rollback", compare_candidate).diff or ""
            self.step("discard", discard_candidate)
        except _StepFailedError as exc:
            self.report.outcome = Outcome.ROLLED_BACK
            self.report.reason += (
                f"; rollback could not be verified ({exc}); the device's revert timer "
                f"restores the old config within {self.job.revert_in}s"
            )
            return
        self.report.outcome = Outcome.ROLLED_BACK
        if leftover.strip():
            self.report.reason += "; WARNING: running config still differs from the backup"
        else:
            self.report.reason += "; old config restored and verified"


def deploy_site(task: Task, job: SiteJob, backups: BackupStore, sink: StepSink) -> Result:
    run = _SiteRun(task, job, sink)
    report = run.report
    start = time.monotonic()
    committed = False
    running_before = ""
    try:
        run.step("connect", connect)
        if run.step("pending-check", has_pending_commit).result:
            run.step("recover", rollback)
            report.reason = "a commit left pending by an interrupted rollout was reverted first; "
        record = run.step("backup", backup_running, store=backups, label=job.rollout_id).result
        report.backup, report.sha256_before = str(record.path), record.sha256
        running_before = record.raw
        run.step("load", load_candidate, config=job.config)
        diff = run.step("compare", compare_candidate).diff or ""
        report.device_diff = diff
        if not diff.strip() or job.check_only:
            run.step("discard", discard_candidate)
            report.outcome = Outcome.CHECKED if job.check_only and diff.strip() else Outcome.UNCHANGED
            return _finish(task, report, start)
        links = run.step("pre-check", circuits_up, facts=job.facts).result
        run.step("commit", commit_candidate, revert_in=job.revert_in, message=f"runbook rollout {job.rollout_id}")
        committed = True
        obs = run.gate(links)
        report.gate = obs.to_dict()
        if not obs.passed:
            run.roll_back("health gate failed: " + "; ".join(obs.failures), running_before)
            return _finish(task, report, start)
        run.step("confirm", confirm)
        report.outcome, report.sha256_after = Outcome.CHANGED, job.sha256
    except _StepFailedError as exc:
        if committed:
            run.roll_back(f"error after commit: {exc}", running_before)
        else:
            report.outcome = Outcome.FAILED
            unreachable = "unreachable: " if str(exc).startswith("connect:") else ""
            report.reason += f"{unreachable}{exc}; the device was not changed"
    return _finish(task, report, start)


def _finish(task: Task, report: SiteReport, start: float) -> Result:
    report.seconds = round(time.monotonic() - start, 2)
    return Result(
        host=task.host,
        result=report,
        changed=report.outcome is Outcome.CHANGED,
        failed=report.outcome.counts_as_failure,
    )
