"""Deploy one site: the steps in order, with rollback on any failure after the commit.

backup -> load -> compare (empty: unchanged) -> [--check stops here] -> pre-check -> commit with
revert timer -> health gate -> confirm, or roll back and verify the old config is back.
The site ends on its old config or on its new, verified one; never in between.

The platform's artifact files (FRR: the nftables classifier and the edge agent's policy) are part
of the candidate: backed up with the config, diffed, committed under the same revert timer, and
restored and verified with it. An edge agent's order of a steering group's next hops is kept (see
:func:`runbook_wan.tasks.candidate.load_candidate`), so a deploy never undoes a move.

Faults are classified by the exception's type (:mod:`runbook_wan.tasks.faults`). Before the
commit: "not changed". During or after it (:meth:`_SiteRun.settle`): reconnect if the connection
was lost, ask the device whether a commit is pending, roll back and verify against the backup --
or, when the device stays unreachable, report ``revert_pending``: its own timer restores the old
config within the revert time. An outcome is only named after what was verified on the device.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nornir.core.exceptions import NornirSubTaskError
from nornir.core.task import Result, Task

from runbook_wan.facts.models import SiteFacts
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.results import Status
from runbook_wan.tasks.backup import BackupStore, backup_running
from runbook_wan.tasks.candidate import Artifacts, compare_candidate, discard_candidate, load_candidate
from runbook_wan.tasks.commit import commit_candidate, confirm, has_pending_commit, rollback
from runbook_wan.tasks.connection import connect, device, reopen
from runbook_wan.tasks.faults import connection_lost
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
    #: The site's platform (its artifacts: where they go on the device and how they are applied).
    platform: PlatformSpec | None = None
    #: The rendered artifact files by suffix (``.nft``, ``.agent.json``); no secrets.
    files: dict[str, str] = field(default_factory=dict)

    @property
    def artifacts(self) -> Artifacts | None:
        return Artifacts(self.platform, self.files) if self.platform is not None and self.platform.artifacts else None


class _StepFailedError(Exception):
    """A step raised: its name, what it said, and the exception itself (for classification)."""

    def __init__(self, step: str, detail: str, cause: BaseException | None) -> None:
        super().__init__(f"{step}: {detail}")
        self.step, self.cause = step, cause


def _error_text(exc: NornirSubTaskError) -> str:
    """One line for the report and journal (a driver may quote a whole device script)."""
    for result in exc.result:
        if result.exception is not None:
            return _one_line(f"{type(result.exception).__name__}: {result.exception}")
        if result.failed and result.result:
            return _one_line(str(result.result))
    return "step failed"


def _one_line(text: str, limit: int = 300) -> str:
    flat = " / ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _cause(exc: NornirSubTaskError) -> BaseException | None:
    return next((r.exception for r in exc.result if r.exception is not None), None)


#: Reconnecting after a lost connection goes on until the revert timer is this close to being due
#: (so "revert pending ... within N s" still means something), but at least RECONNECT_MIN_S.
RECONNECT_MARGIN_S = 5.0
RECONNECT_MIN_S = 10.0

#: Hints for failures before the commit, by step (the device was not changed).
_BEFORE_COMMIT_HINTS = {
    "connect": "check the device is up and its management address answers SSH, then deploy again",
    "load": "the device refused the config: run `runbook.py deploy --check --limit {site}` for its own words",
    "compare": "the device could not diff the config: run `runbook.py deploy --check --limit {site}`",
    "pre-check": "the device did not answer the pre-change checks: `runbook.py verify --limit {site}`",
}


class _SiteRun:
    def __init__(self, task: Task, job: SiteJob, sink: StepSink) -> None:
        self.task, self.job, self.sink = task, job, sink
        self.report = SiteReport(site=job.site, wave=job.wave)
        #: When the commit was sent (monotonic): its revert timer is due ``revert_in`` later.
        self.committed_at: float | None = None
        #: Our rollback ran (after it, no armed commit is left to revert by itself).
        self.rollback_ran = False

    def step(self, name: str, fn: Callable[..., Result], **kwargs: Any) -> Result:
        """Run one step; an exception is recorded as an error (not a failure: no check failed)."""
        start = time.monotonic()
        try:
            result = self.task.run(task=fn, name=name, **kwargs)[0]
        except NornirSubTaskError as exc:
            detail = _error_text(exc)
            self._record(name, Status.ERROR, start, detail)
            raise _StepFailedError(name, detail, _cause(exc)) from None
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
                raise _StepFailedError("gate", _error_text(exc), _cause(exc)) from None
            self._record("gate", Status.FAILURE, start, "; ".join(obs.failures))
            return obs
        passed: GateObservation = result.result
        self._record("gate", Status.SUCCESS, start, f"passed after {passed.polls} poll(s)")
        return passed

    def settle(
        self, reason: str, fault: Status, phase: str, running_before: str, lost: bool, files_before: Artifacts | None
    ) -> None:
        """After a fault during or after the commit: find out where the device is, and get it to
        its old config (or, after a lost confirm, accept its new verified one).

        ``phase``: "commit" (the commit raised: it may or may not have applied), "gate" (the commit
        applied; the gate failed or raised) or "confirm" (the gate passed; the confirm raised).
        ``lost``: the connection broke, so reconnect first.
        """
        report, job = self.report, self.job
        report.reason, report.fault = report.reason + reason, fault
        if lost and not self.reconnect():
            self._revert_pending("could not reconnect")
            return
        pending: bool | None = None  # unknown until the device says
        try:
            pending = bool(self.step("pending-check", has_pending_commit).result)
            if pending:
                self._rollback()
                self._verify_old(running_before, files_before, "old config restored and verified")
            elif self._running_is(running_before, files_before, "verify-old"):
                if phase == "commit":
                    report.outcome = Outcome.FAILED
                    report.reason += "; the commit did not apply: the device was not changed (verified)"
                    report.hint = "deploy again once the cause is fixed"
                else:
                    report.outcome = Outcome.ROLLED_BACK
                    report.reason += "; the device's revert timer restored the old config (verified)"
                    report.hint = self._rolled_back_hint()
            elif self._running_is(job.config, job.artifacts, "verify-new"):
                if phase == "confirm":  # the confirm went through; only its answer was lost
                    report.outcome, report.sha256_after = Outcome.CHANGED, job.sha256
                    report.reason += "; the device holds the new config, confirmed after the gate passed (verified)"
                    report.fault, report.hint = None, ""
                else:  # applied, but not pending: nothing would revert it
                    self._rollback()
                    self._verify_old(running_before, files_before, "old config restored and verified")
            else:
                report.outcome = Outcome.UNVERIFIED
                report.reason += "; the running config matches neither the backup nor the new config (not touched)"
                report.hint = _UNVERIFIED_HINT.format(backup=report.backup or "the latest backup", site=job.site)
        except _StepFailedError as exc:
            # A commit the device may still hold armed (it said so, or it could not say, after a commit
            # known to have applied) and that our rollback did not undo: its own timer reverts it.
            armed = bool(pending) or (pending is None and phase != "commit")
            if connection_lost(exc.cause) or (armed and not self.rollback_ran):
                self._revert_pending(f"recovery stopped at {exc.step}")
            else:
                report.outcome = Outcome.UNVERIFIED
                report.reason += f"; recovery stopped at {exc}"
                report.hint = _UNVERIFIED_HINT.format(backup=report.backup or "the latest backup", site=job.site)

    def _rollback(self) -> None:
        self.step("rollback", rollback)
        self.rollback_ran = True

    def reconnect(self) -> bool:
        """Reopen the session until shortly before the revert timer is due; records a step."""
        start = time.monotonic()
        committed_at = self.committed_at if self.committed_at is not None else start
        # One attempt may take the driver's whole timeout: stop early enough for it to end in time.
        attempt = float(getattr(device(self.task), "timeout", 0) or 0)
        deadline = max(committed_at + self.job.revert_in - RECONNECT_MARGIN_S - attempt, start + RECONNECT_MIN_S)
        ok = reopen(self.task, deadline)
        self._record("reconnect", Status.SUCCESS if ok else Status.ERROR, start, "" if ok else "device unreachable")
        return ok

    def _running_is(self, config: str, artifacts: Artifacts | None, name: str) -> bool:
        """The device's own diff of ``config`` (and of the artifact files) against what it runs is empty."""
        self.step(f"load-{name.split('-')[1]}", load_candidate, config=config, artifacts=artifacts)
        leftover = self.step(name, compare_candidate).diff or ""
        self.step("discard", discard_candidate)
        return not leftover.strip()

    def _verify_old(self, running_before: str, files_before: Artifacts | None, verified: str) -> None:
        report = self.report
        if self._running_is(running_before, files_before, "verify-rollback"):
            report.outcome = Outcome.ROLLED_BACK
            report.reason += f"; {verified}"
            report.hint = report.hint or self._rolled_back_hint()
        else:
            report.outcome = Outcome.UNVERIFIED
            report.reason += "; rollback ran but the running config still differs from the backup"
            report.hint = _UNVERIFIED_HINT.format(backup=report.backup or "the latest backup", site=self.job.site)

    def _rolled_back_hint(self) -> str:
        if self.report.fault is Status.FAILURE:
            return "the site runs its old config: the change failed its health gate (see gate in the report)"
        return "the site runs its old config: check the device's management connection, then deploy again"

    def _revert_pending(self, why: str) -> None:
        report, job = self.report, self.job
        committed_at = self.committed_at if self.committed_at is not None else time.monotonic()
        left = max(0, round(committed_at + job.revert_in - time.monotonic()))
        report.outcome = Outcome.REVERT_PENDING
        when = f"within {left} s" if left else "now (its timer is due)"
        report.reason += (
            f"; {why}: revert pending: the device restores its old config {when} "
            f"(revert timer of {job.revert_in} s), unless the commit never applied (not verified)"
        )
        wait = f"wait {left} s, then run" if left else "run"
        report.hint = (
            f"do not push to {job.site}: {wait} `runbook.py verify --limit {job.site}` once it answers; "
            "the next rollout rolls back any commit still pending first"
        )


_UNVERIFIED_HINT = (
    "check the device by hand: compare its running config with {backup}; "
    "`runbook.py rollback --limit {site}` restores the backup"
)


def deploy_site(task: Task, job: SiteJob, backups: BackupStore, sink: StepSink) -> Result:
    run = _SiteRun(task, job, sink)
    report = run.report
    start = time.monotonic()
    phase = "before-commit"
    running_before = ""
    files_before: Artifacts | None = None
    try:
        run.step("connect", connect)
        if run.step("pending-check", has_pending_commit).result:
            run.step("recover", rollback)
            report.reason = "a commit left pending by an interrupted rollout was reverted first; "
        record = run.step("backup", backup_running, store=backups, label=job.rollout_id, platform=job.platform).result
        report.backup, report.sha256_before = str(record.path), record.sha256
        running_before = record.raw
        if job.platform is not None and job.platform.artifacts:
            files_before = Artifacts(job.platform, record.files)
        run.step("load", load_candidate, config=job.config, artifacts=job.artifacts)
        diff = run.step("compare", compare_candidate).diff or ""
        report.device_diff = diff
        if not diff.strip() or job.check_only:
            run.step("discard", discard_candidate)
            report.outcome = Outcome.CHECKED if job.check_only and diff.strip() else Outcome.UNCHANGED
            return _finish(task, report, start)
        links = run.step("pre-check", circuits_up, facts=job.facts).result
        phase, run.committed_at = "commit", time.monotonic()
        run.step("commit", commit_candidate, revert_in=job.revert_in, message=f"runbook rollout {job.rollout_id}")
        phase = "gate"
        obs = run.gate(links)
        report.gate = obs.to_dict()
        if not obs.passed:
            failed = "health gate failed: " + "; ".join(obs.failures)
            run.settle(failed, Status.FAILURE, phase, running_before, False, files_before)
            return _finish(task, report, start)
        phase = "confirm"
        run.step("confirm", confirm)
        report.outcome, report.sha256_after = Outcome.CHANGED, job.sha256
    except _StepFailedError as exc:
        lost = connection_lost(exc.cause)
        if phase == "before-commit":
            report.outcome, report.fault = Outcome.FAILED, Status.ERROR
            unreachable = "unreachable: " if exc.step == "connect" and lost else ""
            report.reason += f"{unreachable}{exc}; the device was not changed"
            report.hint = _BEFORE_COMMIT_HINTS.get(exc.step, "see the journal; deploy again").format(site=job.site)
        else:
            what = "connection lost" if lost else "error"
            run.settle(f"{what} during {phase}: {exc}", Status.ERROR, phase, running_before, lost, files_before)
    return _finish(task, report, start)


def _finish(task: Task, report: SiteReport, start: float) -> Result:
    report.seconds = round(time.monotonic() - start, 2)
    return Result(
        host=task.host,
        result=report,
        changed=report.outcome is Outcome.CHANGED,
        failed=report.outcome.counts_as_failure,
    )
