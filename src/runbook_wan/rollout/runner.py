"""Run a rollout: validate, then canary and waves in parallel, each gated on site health.

Order of work, and what stops it:

1. render + validate (any error: stop; no device touched);
2. the blast-radius gate against the deployed record (too wide without an override: stop, untouched);
   pinned plan / resume checks, secrets resolved, inventory built (any error: stop, untouched);
3. lock (another live rollout: stop);
4. canary, then waves: every site ends confirmed, unchanged, or rolled back and verified; the
   next wave's sites start as workers free up, but only once the previous waves can no longer
   exceed their failure limit (never before the canary is confirmed); failures above the limit
   halt the rollout and the remaining sites are reported as not started.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nornir.core import Nornir
from nornir.plugins.runners import SerialRunner

from runbook_wan.atomic_files import write_file
from runbook_wan.context import RunContext
from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.drift.model import DriftStatus
from runbook_wan.model.estate import Estate
from runbook_wan.plan.model import site_digest
from runbook_wan.render.pipeline import RenderResult, render_estate
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode, Severity, Status
from runbook_wan.review.model import Review
from runbook_wan.review.secrets import rotations
from runbook_wan.rollout.audit import AuditLog, current_user, intents_commit
from runbook_wan.rollout.change_gate import (
    SecretState,
    WideChangeError,
    compare_secrets,
    enforce,
    full_render,
    pending_review,
)
from runbook_wan.rollout.change_window import ChangeWindow, change_window, flush_outbox
from runbook_wan.rollout.deployed import DeployedRecord
from runbook_wan.rollout.device_gate import device_gate
from runbook_wan.rollout.journal import Journal, journal_path
from runbook_wan.rollout.lock import LockHeldError, RolloutLock
from runbook_wan.rollout.options import DeployOptions
from runbook_wan.rollout.overlap import WaveProgress, WaveScheduler
from runbook_wan.rollout.pinned import check_pinned
from runbook_wan.rollout.policy import Amount, allowed_failures, plan_waves
from runbook_wan.rollout.progress import DEPLOY_TASK, SiteDone
from runbook_wan.rollout.resume import PriorRun, check_unchanged, load_prior
from runbook_wan.rollout.secret_record import SecretComparison, SecretRecord, current, fingerprinter
from runbook_wan.rollout.wave_drift import check_wave
from runbook_wan.tasks.backup import BackupStore
from runbook_wan.tasks.candidate import Artifacts
from runbook_wan.tasks.deploy_site import SiteJob, StepSink, deploy_site
from runbook_wan.tasks.fleet import open_fleet
from runbook_wan.tasks.outcome import Outcome, SiteReport
from runbook_wan.tasks.preview import DevicePreview, preview
from runbook_wan.validation.checks.base import ValidationOptions
from runbook_wan.validation.runner import validate


@dataclass
class RolloutResult:
    rollout_id: str
    check: bool
    waves: list[list[str]]
    sites: dict[str, SiteReport]
    user: str = ""
    intents_commit: str = ""
    halted: bool = False
    halt_reason: str = ""
    resumed: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    journal: str = ""
    #: Sites that did not run what they had just confirmed (drift right after the wave), by site.
    drift: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The change this rollout carries (intent and config layers, the gate's verdict); None on resume.
    review: Review | None = None
    #: What went through Alertmanager (silences, RolloutHalted) and what could not (``AlertingReport``).
    alerting: dict[str, Any] | None = None
    #: The gate on what the devices would change, asked before the first wave (``DeviceGate``).
    device_gate: dict[str, Any] | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.sites.values() if r.outcome is outcome)

    def exit_code(self) -> ExitCode:
        if any(r.outcome is Outcome.REVERT_PENDING for r in self.sites.values()):
            return ExitCode.REVERT_PENDING  # the network is still changing: the most urgent news
        if self.halted:
            return ExitCode.HALTED
        if any(r.outcome.counts_as_failure for r in self.sites.values()):
            return ExitCode.FAILED
        if self.check and any(r.outcome is Outcome.CHECKED for r in self.sites.values()):
            return ExitCode.CHANGES
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "rollout_id": self.rollout_id,
            "check": self.check,
            "user": self.user,
            "intents_commit": self.intents_commit,
            "resumed": self.resumed,
            "halted": self.halted,
            "halt_reason": self.halt_reason,
            "waves": self.waves,
            "gate": None if self.review is None else _gate_record(self.review),
            "device_gate": self.device_gate,
            "timings": self.timings,
            "summary": {o.value: self.count(o) for o in Outcome},
            "sites": [self.sites[s].to_dict() for s in sorted(self.sites)],
            "drift_after_confirm": self.drift,
            "alerting": self.alerting,
        }


def new_rollout_id() -> str:
    return time.strftime("r%Y%m%d-%H%M%S-") + secrets.token_hex(2)


#: Called with (wave index, wave sites) when a wave starts, and with each finished site.
WaveHook = Callable[[int, list[str]], None]
SiteHook = Callable[[SiteReport], None]


def _validated(opts: DeployOptions) -> RenderResult:
    rendered = render_estate(opts.intents, opts.limit, opts.templates, opts.platforms)
    report = validate(rendered, ValidationOptions(backend="builtin", configs_dir=opts.configs_dir))
    # Name the rule that fired (e.g. R002-unique-loopback): the CLI prints message and hint only.
    errors = [replace(d, message=f"{d.code}: {d.message}") for d in report.diagnostics if d.severity is Severity.ERROR]
    broken = [r for r in report.results if r.status is Status.ERROR and not r.diagnostics]
    errors += [
        Diagnostic(
            "validation-error",
            f"{r.check} could not run for {r.subject}: {r.message}",
            hint="run `runbook.py validate` for details",
        )
        for r in broken
    ]
    if errors:
        raise DiagnosticError(errors)
    return rendered


def _resolver(opts: DeployOptions, ctx: RunContext) -> SecretResolver:
    lab_secrets = opts.state_dir / "lab" / "secrets.yaml"
    return SecretResolver(ctx.redactor, extra_files=[lab_secrets] if lab_secrets.is_file() else [])


def _nornir(opts: DeployOptions, estate: Estate, sites: list[str]) -> Nornir:
    return open_fleet(estate, sites, opts.inventory_dir, opts.workers)


class Rollout:
    def __init__(self, opts: DeployOptions, ctx: RunContext, on_wave: WaveHook, on_site: SiteHook) -> None:
        self.opts, self.ctx, self.on_wave, self.on_site = opts, ctx, on_wave, on_site
        self.prior: PriorRun | None = None
        #: Silences per wave and RolloutHalted through Alertmanager (a no-op without one; not for --check).
        self.window: ChangeWindow | None = None
        #: Secret values of this rollout, fingerprinted, vs what each site last ran (None with --against).
        self.secrets: SecretState | None = None
        self._drift_lock = threading.Lock()

    def _note(self, text: str) -> None:
        self.ctx.err.print(f"note: {text}", markup=False)

    def _report_to_alertmanager(self, result: RolloutResult, rendered: RenderResult) -> None:
        if self.window is None:
            return
        failed = {s: r.reason or r.outcome.value for s, r in result.sites.items() if r.outcome.counts_as_failure}
        fine = [s for s, r in result.sites.items() if r.outcome.done]
        regions = {sid: site.region for sid, site in rendered.estate.sites.items()}
        self.window.report(failed, fine, regions, result.halt_reason)
        report = self.window.finish()
        result.alerting = report.to_dict()
        for line in report.warnings:
            self.ctx.err.print(f"warning: {line}", markup=False)

    def run(self) -> RolloutResult:
        opts = self.opts
        opts.check_values()
        started = time.monotonic()
        rendered = _validated(opts)
        hashes = {sid: site_digest(cfg.files) for sid, cfg in rendered.configs.items()}
        resolver = _resolver(opts, self.ctx)
        review = self._review(rendered, resolver)
        if opts.resume:
            self.prior = load_prior(opts.state_dir, opts.resume)
            check_unchanged(self.prior, hashes)
            waves = self.prior.waves
            rollout_id = opts.resume
        else:
            if opts.plan_file:
                check_pinned(opts.plan_file, hashes)
            plan = plan_waves(rendered.selected, opts.canary, opts.wave_size)
            waves = plan.all_waves
            rollout_id = new_rollout_id()
        finished = {s for s, o in self.prior.outcomes.items() if o.done} if self.prior else set()
        todo = [s for w in waves for s in w if s not in finished]
        pushed = {sid: resolver.resolve_text(rendered.configs[sid].text) for sid in todo}
        nornir = _nornir(opts, rendered.estate, todo) if todo else None
        result = RolloutResult(
            rollout_id=rollout_id,
            check=opts.check,
            waves=waves,
            user=current_user(),
            intents_commit=intents_commit(opts.intents),
            resumed=bool(self.prior),
            sites={s: SiteReport(site=s) for w in waves for s in w},
            review=review,
        )
        result.timings["prepare_s"] = round(time.monotonic() - started, 3)
        if self.prior:
            for site, outcome in self.prior.outcomes.items():
                if outcome.done and site in result.sites:
                    result.sites[site] = SiteReport(site=site, outcome=outcome, reason="done by the interrupted run")
        if opts.check:
            self._waves(result, rendered, hashes, pushed, nornir, journal=None)
            self._device_gate_of_check(result, rendered)
        else:
            leftovers = flush_outbox(opts.state_dir, dict(os.environ))
            if leftovers:
                self.ctx.err.print(f"note: {leftovers}", markup=False)
            self.window = change_window(
                opts.state_dir,
                rollout_id,
                opts.revert_in + opts.gate_timeout,
                lambda text: self.ctx.err.print(f"warning: {text}", markup=False),
                dict(os.environ),
            )
            self._locked(result, rendered, hashes, pushed, nornir)
            self._report_to_alertmanager(result, rendered)
        result.timings["total_s"] = round(time.monotonic() - started, 3)
        if nornir is not None:
            nornir.close_connections(on_good=True, on_failed=True)
        return result

    def _locked(
        self,
        result: RolloutResult,
        rendered: RenderResult,
        hashes: dict[str, str],
        pushed: dict[str, str],
        nornir: Nornir | None,
    ) -> None:
        opts = self.opts
        lock = RolloutLock(opts.state_dir / "lock", result.rollout_id, result.user)
        try:
            lock.acquire()
        except LockHeldError as exc:
            raise LockedError(exc.diagnostic(lock.path)) from None
        if lock.stale is not None:
            self.ctx.err.print(
                f"note: took over the stale lock of rollout {lock.stale.rollout_id} (pid {lock.stale.pid} is gone)",
                markup=False,
            )
        try:
            self._device_gate(result, rendered, pushed, nornir)
        except BaseException:
            lock.release()
            raise
        journal = Journal(journal_path(opts.state_dir, result.rollout_id), self.ctx.redactor)
        result.journal = str(journal.path)
        audit = AuditLog(opts.state_dir / "audit.log", self.ctx.redactor)
        try:
            if self.prior is None:
                journal.write(
                    "rollout",
                    rollout_id=result.rollout_id,
                    user=result.user,
                    intents_commit=result.intents_commit,
                    waves=result.waves,
                    sha256=hashes,
                    check=False,
                    options=_options_record(opts),
                    gate=_gate_record(result.review) if result.review else None,
                )
                for report in result.sites.values():  # settled before the first wave: resume skips them
                    if report.reason == PREVIEWED_UNCHANGED:
                        _journal_site(journal, report)
            else:
                journal.write("resume", rollout_id=result.rollout_id, user=result.user)
            audit.append(
                "rollout-start",
                rollout_id=result.rollout_id,
                user=result.user,
                intents_commit=result.intents_commit,
                resumed=result.resumed,
                sites=[s for w in result.waves for s in w],
                gate=result.review.gate.headline() if result.review else "resumed: decided by the first run",
            )
            gate = result.review.gate if result.review else None
            if gate is not None and gate.exceeded and gate.override:
                audit.append(
                    "wide-change-override",
                    rollout_id=result.rollout_id,
                    user=result.user,
                    intents_commit=result.intents_commit,
                    reason=gate.override,
                    rules=sorted({f.rule for f in gate.findings}),
                    findings=[f.message for f in gate.findings],
                    sites_changing=len(gate.counted),
                )
            self._audit_secrets(audit, result)
            self._waves(result, rendered, hashes, pushed, nornir, journal)
            for report in result.sites.values():
                audit.append(
                    "site",
                    rollout_id=result.rollout_id,
                    user=result.user,
                    intents_commit=result.intents_commit,
                    site=report.site,
                    result=report.outcome.value,
                    sha256_before=report.sha256_before,
                    sha256_after=report.sha256_after,
                    reason=report.reason,
                )
            summary = {o.value: result.count(o) for o in Outcome}
            journal.write("end", halted=result.halted, halt_reason=result.halt_reason, summary=summary)
            audit.append(
                "rollout-end", rollout_id=result.rollout_id, user=result.user, halted=result.halted, summary=summary
            )
            self._remember(result, rendered)
        finally:
            lock.release()

    def _device_gate(
        self, result: RolloutResult, rendered: RenderResult, pushed: dict[str, str], nornir: Nornir | None
    ) -> None:
        """Before the first wave: ask each device with a deployed baseline for its own diff, apply the
        gate to the devices that would change (exit 7, nothing touched, when too many would), and
        settle the devices that already run their config (their waves skip them)."""
        review = result.review
        if review is None or nornir is None or self.prior is not None:
            return
        onboarding = set(review.gate.onboarding)
        asked = {site: config for site, config in pushed.items() if site not in onboarding}
        if not asked:
            return
        started = time.monotonic()
        previews = preview(nornir, asked, {site: a for site in asked if (a := _artifacts(rendered, site))})
        gate = device_gate(review, previews, rendered.estate, self.opts.allow_wide_change)
        gate.seconds = round(time.monotonic() - started, 3)
        result.timings["device_gate_s"] = gate.seconds
        result.device_gate = gate.to_dict()
        problems = gate.problems()
        if problems:
            AuditLog(self.opts.state_dir / "audit.log", self.ctx.redactor).append(
                "rollout-refused",
                rollout_id=result.rollout_id,
                user=result.user,
                intents_commit=result.intents_commit,
                layer="device",
                devices_changing=len(gate.changing),
                config_layer_counted=gate.config_counted,
                findings=[f.message for f in gate.verdict.findings],
            )
            raise WideChangeError(problems)
        if gate.verdict.exceeded:
            result.device_gate["override"] = gate.verdict.override
        if not gate.unchanged:
            return
        for site in gate.unchanged:  # already runs it: nothing to push, nothing to silence
            result.sites[site] = SiteReport(site=site, outcome=Outcome.UNCHANGED, reason=PREVIEWED_UNCHANGED)
            del pushed[site]
        # Waves of the devices that change: a canary given as a count is the first of those.
        work = [site for wave in result.waves for site in wave if site in pushed]
        if self.opts.canary.strip().isdigit():
            result.waves = plan_waves(work, self.opts.canary, self.opts.wave_size).all_waves
        else:
            result.waves = [kept for wave in result.waves if (kept := [s for s in wave if s in pushed])]

    def _device_gate_of_check(self, result: RolloutResult, rendered: RenderResult) -> None:
        """``--check``: the device-layer gate's verdict from the diffs it collected (reported, not enforced)."""
        if result.review is None:
            return
        onboarding = set(result.review.gate.onboarding)
        previews = {
            site: DevicePreview(diff=report.device_diff)
            for site, report in result.sites.items()
            if site not in onboarding and report.outcome in (Outcome.CHECKED, Outcome.UNCHANGED)
        }
        gate = device_gate(result.review, previews, rendered.estate, self.opts.allow_wide_change)
        result.device_gate = gate.to_dict()

    def _review(self, rendered: RenderResult, resolver: SecretResolver) -> Review | None:
        """The change this rollout carries, secrets included; refused here (exit 7, nothing touched)
        when it is wider than the gate or pushes a secret value review never saw. None on resume."""
        opts = self.opts
        if opts.resume:  # decided by the first run; its secrets are still recorded afterwards
            keyed = fingerprinter(resolver, opts.state_dir, self._note)
            configs = {sid: cfg.text for sid, cfg in rendered.configs.items()}
            now = current(configs, rotations(rendered.estate), resolver, keyed)
            self.secrets = SecretState(keyed, now, SecretComparison([], {}))
            return None
        full = full_render(opts, rendered)
        if not opts.against:
            self.secrets = compare_secrets(opts, full, resolver, self._note)
        review = pending_review(opts, full, self.secrets)
        if not opts.check:
            enforce(review, opts, full)
        return review

    def _audit_secrets(self, audit: AuditLog, result: RolloutResult) -> None:
        """One ``secret-rotation`` record per secret whose value this rollout pushes anew (never the value;
        keyed fingerprints before and after), with the override that accepted an undeclared one."""
        if result.review is None or self.secrets is None:
            return
        prints = self.secrets.comparison.fingerprints or {}
        for change in result.review.secrets:
            before, after = prints.get(change.name, ([], ""))
            audit.append(
                "secret-rotation",
                rollout_id=result.rollout_id,
                user=result.user,
                intents_commit=result.intents_commit,
                secret=change.name,
                what=change.what,
                reviewed=change.reviewed,
                override=change.override,
                rotation_before=change.rotation_before,
                rotation_after=change.rotation_after,
                sites=sorted(change.sites),
                sessions=change.session_count,
                fingerprint_before=before,
                fingerprint_after=after,
            )

    def _remember(self, result: RolloutResult, rendered: RenderResult) -> None:
        """Update the deployed record: each site that now runs its rendered config; the intents
        snapshot once a whole-estate rollout left every site on it."""
        record = DeployedRecord(self.opts.state_dir)
        landed = {
            site: rendered.configs[site].files
            for site, report in result.sites.items()
            if report.outcome in (Outcome.CHANGED, Outcome.UNCHANGED) and site in rendered.configs
        }
        whole = not self.opts.limit and len(landed) == len(rendered.estate.sites)
        record.record(landed, prune=set(rendered.estate.sites) if whole else None)
        if whole:
            record.snapshot_intents(self.opts.intents)
        if self.secrets is not None:  # the values each landed site now runs
            ran = {site: self.secrets.now[site] for site in landed if site in self.secrets.now}
            prune = set(rendered.estate.sites) if whole else None
            SecretRecord(self.opts.state_dir).record(self.secrets.keyed.key_id, ran, prune=prune)

    def _waves(
        self,
        result: RolloutResult,
        rendered: RenderResult,
        hashes: dict[str, str],
        pushed: dict[str, str],
        nornir: Nornir | None,
        journal: Journal | None,
    ) -> None:
        """Run the waves: sites start as workers free up, overlapping the previous wave only where
        its failure limit can no longer be exceeded (see :mod:`rollout.overlap`)."""
        opts = self.opts
        max_failures = Amount.parse(opts.max_failures, "--max-failures")
        backups = BackupStore(opts.state_dir / "backups", self.ctx.redactor)
        canary_first = not (self.prior and self.prior.outcomes)
        todo_waves = [[s for s in wave if s in pushed] for wave in result.waves]
        allowed = [
            allowed_failures(max_failures, len(todo), canary=index == 0 and canary_first and not opts.check)
            for index, todo in enumerate(todo_waves)
        ]
        scheduler = WaveScheduler.plan(todo_waves, allowed, _concurrency(opts.workers, todo_waves), not opts.check)
        if not scheduler.waves:
            return
        assert nornir is not None
        sink = _step_sink(journal, self.window)
        started_at: dict[int, float] = {}

        def deploy(site: str, index: int) -> SiteReport:
            job = SiteJob(
                site=site,
                facts=rendered.facts[site],
                config=pushed[site],
                sha256=hashes[site],
                rollout_id=result.rollout_id,
                wave=index,
                revert_in=opts.revert_in,
                gate_timeout=opts.gate_timeout,
                check_only=opts.check,
                platform=rendered.estate.platforms[rendered.configs[site].platform],
                files=dict(rendered.configs[site].sidecars),
            )
            one = nornir.filter(filter_func=lambda host, name=site: host.name == name).with_runner(SerialRunner())
            one = one.with_processors([SiteDone(self.on_site)])
            aggregated = one.run(task=_deploy_one, name=DEPLOY_TASK, jobs={site: job}, backups=backups, sink=sink)
            report = _report_of(site, aggregated.get(site), index)
            if self.window is not None:
                self.window.site_done(site, report.outcome is Outcome.CHANGED)
            if not opts.check:
                result.sites[site] = report  # drift reads the outcome: check only what was confirmed
                self._drift_after(result, one, [site], rendered, journal, index)
            return report

        with ThreadPoolExecutor(max_workers=scheduler.concurrency, thread_name_prefix="site") as pool:
            running: dict[Future[SiteReport], str] = {}
            while True:
                for site in scheduler.next_sites():
                    wave = scheduler.wave_of(site)
                    if wave.index not in started_at:
                        started_at[wave.index] = time.monotonic()
                        self.on_wave(wave.index, wave.sites)
                    running[pool.submit(deploy, site, wave.index)] = site
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    site = running.pop(future)
                    report = future.result()
                    result.sites[site] = report
                    _journal_site(journal, report)
                    done = scheduler.finish(site, report.outcome.counts_as_failure)
                    if done is not None:
                        self._wave_done(result, done, started_at[done.index], journal, canary_first)
        for site in scheduler.not_started():
            result.sites[site].reason = f"not started: {result.halt_reason}"

    def _drift_after(
        self,
        result: RolloutResult,
        nornir: Nornir,
        wave: list[str],
        rendered: RenderResult,
        journal: Journal | None,
        index: int,
    ) -> None:
        """Drift right after the confirms (see :mod:`rollout.wave_drift`): findings, not failures.

        Called with a wave's sites once the wave is done, or with one site right after its own
        confirm (thread-safe; the wave's drift time adds up).
        """
        started = time.monotonic()
        confirmed = [s for s in wave if result.sites[s].outcome.done]
        state, redactor = self.opts.state_dir, self.ctx.redactor
        found = check_wave(nornir, confirmed, rendered, result.rollout_id, state, redactor)
        with self._drift_lock:
            for drifted in (f for f in found if f.status is not DriftStatus.IN_SYNC):
                result.drift[drifted.site] = drifted.to_dict()
                if journal is not None:
                    journal.write("drift", site=drifted.site, status=drifted.status.value, sections=drifted.sections)
            key = f"wave_{index}_drift_s"
            result.timings[key] = round(result.timings.get(key, 0.0) + time.monotonic() - started, 3)

    def _wave_done(
        self, result: RolloutResult, wave: WaveProgress, started: float, journal: Journal | None, canary_first: bool
    ) -> None:
        result.timings[f"wave_{wave.index}_s"] = round(time.monotonic() - started, 3)
        if self.window is not None:  # retry what Alertmanager missed; lift the silences of healthy sites
            self.window.sweep()
        if journal is not None:
            journal.write("wave", wave=wave.index, sites=wave.sites, failures=wave.failures, allowed=wave.allowed)
        if wave.exceeded and not self.opts.check and not result.halted:
            is_canary = wave.index == 0 and canary_first
            what = "canary" if is_canary else f"wave {wave.index}"
            result.halted = True
            result.halt_reason = (
                f"{what} had {len(wave.failures)} failure(s) ({', '.join(wave.failures)}), "
                f"more than the {wave.allowed} allowed"
            )


def _journal_site(journal: Journal | None, report: SiteReport) -> None:
    if journal is not None:
        journal.write(
            "site",
            site=report.site,
            outcome=report.outcome.value,
            reason=report.reason,
            sha256_before=report.sha256_before,
            sha256_after=report.sha256_after,
        )


def _concurrency(workers: int, waves: list[list[str]]) -> int:
    """Sites in flight at once: the workers asked for, but never more than one wave's worth."""
    largest = max((len(w) for w in waves), default=1)
    return max(1, min(workers, largest))


#: Why a site ended unchanged without a wave: its device already ran its config when asked.
PREVIEWED_UNCHANGED = "the device already runs it (asked before the first wave)"
#: The step right before a site's commit: its change-window silence starts when this one passes.
BEFORE_COMMIT = "pre-check"


def _step_sink(journal: Journal | None, window: ChangeWindow | None = None) -> StepSink:
    def sink(site: str, step: str, status: Status, detail: str) -> None:
        if journal is not None:
            journal.write("step", site=site, step=step, status=status.value, detail=detail)
        if window is not None and step == BEFORE_COMMIT and status is Status.SUCCESS:
            window.open_site(site)  # only sites that are about to commit are silenced

    return sink


class LockedError(DiagnosticError):
    """Another live rollout holds the lock (exit code 5)."""

    exit_code = ExitCode.LOCKED

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__([diagnostic])


def _deploy_one(task: Any, jobs: dict[str, SiteJob], backups: BackupStore, sink: Any) -> Any:
    return deploy_site(task, jobs[task.host.name], backups, sink)


def _artifacts(rendered: RenderResult, site: str) -> Artifacts | None:
    """The site's artifact files to deploy with its config (None where its platform has none)."""
    platform = rendered.estate.platforms[rendered.configs[site].platform]
    return Artifacts(platform, dict(rendered.configs[site].sidecars)) if platform.artifacts else None


def _report_of(site: str, multi: Any, wave: int) -> SiteReport:
    if multi and isinstance(multi[0].result, SiteReport):
        report: SiteReport = multi[0].result
        return report
    # the per-site task itself crashed (a bug): record it, never lose the site
    detail = str(multi[0].exception) if multi and multi[0].exception else "no result"
    return SiteReport(
        site=site,
        outcome=Outcome.UNVERIFIED,
        wave=wave,
        reason=f"internal error: {detail}",
        hint="a bug in Runbook stopped this site's deploy: check the device with `runbook.py verify --limit "
        f"{site}`, and report the journal",
        fault=Status.ERROR,
    )


def _gate_record(review: Review) -> dict[str, Any]:
    gate = review.gate
    return {
        "verdict": gate.headline(),
        "exceeded": gate.exceeded,
        "override": gate.override,
        "counted": len(gate.counted),
        "onboarding": len(gate.onboarding),
        "findings": [f.message for f in gate.findings],
        "secrets": [c.to_dict() for c in review.secrets],
    }


def _options_record(opts: DeployOptions) -> dict[str, Any]:
    return {
        "canary": opts.canary,
        "wave_size": opts.wave_size,
        "max_failures": opts.max_failures,
        "revert_in": opts.revert_in,
        "gate_timeout": opts.gate_timeout,
        "limit": opts.limit,
    }


def write_report(result: RolloutResult, path: Path, ctx: RunContext) -> None:
    write_file(path, ctx.redactor.mask(json.dumps(result.to_dict(), indent=2, default=str)) + "\n")
