"""The candidate / commit / commit-confirm / rollback life cycle on an FRR box.

FRR 8.4 has no candidate datastore; the driver keeps the candidate. Two cycles:

* **lean** (replace candidates, when the controller has FRR's ``frr-reload.py``): the load step's
  ``vtysh -m`` on the device is the syntax check and marks the candidate; the diff is computed
  on the controller by frr-reload.py's own classes (:mod:`napalm_frr.reload_engine`) against the
  running config the session read; the commit applies it with **one** ``vtysh -c`` in a locked
  device script, which prints the running config before and after, so the controller verifies
  both the rollback point and the result (a second pass follows if the result differs, as
  frr-reload does).
* **classic** (merge candidates, or no frr-reload.py on the controller): the candidate file is
  uploaded and ``frr-reload.py --test`` / ``--reload`` run on the device (``vtysh -f`` +
  ``write memory`` for merge).

Commit-confirm is the same in both: the commit script arms a detached timer on the device that
restores ``rollback.conf`` unless ``confirm`` clears the pending token first (see
:mod:`napalm_frr.device_scripts`). A rollback runs frr-reload.py on the device.

Sidecar files (:mod:`napalm_frr.sidecars`) ride with a replace candidate: checked when loaded,
diffed by ``compare``, installed by the commit script after the timer is armed, and restored by
the timer, ``rollback`` and a failed commit. ``confirm`` saves the committed candidate (or the text
given as ``startup``) as the startup config.
"""

from __future__ import annotations

import shlex
import time
import uuid
from pathlib import Path

from napalm.base.exceptions import CommitConfirmException, CommitError, LockError, ReplaceConfigException

from napalm_frr import device_scripts as scripts
from napalm_frr import sidecars
from napalm_frr.candidate import Candidate, CandidateMode
from napalm_frr.device_scripts import ScriptExit
from napalm_frr.frr_shell import FrrShell
from napalm_frr.lean_commit import LeanApplyError, LeanCommit
from napalm_frr.reload_diff import format_reload_diff
from napalm_frr.reload_engine import EngineUnavailableError, ReloadDiff, ReloadEngine, closed_form
from napalm_frr.sidecars import SidecarFile
from napalm_frr.transport import CommandResult

#: compare_config() reuses a running config the session read this recently (the backup's read),
#: instead of reading it again: the commit itself re-reads it under the device lock.
RUNNING_REUSE_S = 30.0


class ConfigSession:
    """One driver's candidate plus the device-wide commit state (pending confirm, rollback point)."""

    def __init__(self, shell: FrrShell) -> None:
        self.shell = shell
        self.options = shell.options
        self.session_id = uuid.uuid4().hex[:12]
        self.candidate: Candidate | None = None
        #: Sidecar files committed with the candidate, and what confirm saves instead of the candidate.
        self.files: tuple[SidecarFile, ...] = ()
        self.startup: str | None = None
        self._engine: ReloadEngine | None = None
        self._engine_checked = False

    @property
    def _remote_candidate(self) -> str:
        return f"{self.options.work_dir}/candidate-{self.session_id}.conf"

    def engine(self) -> ReloadEngine | None:
        """frr-reload.py's classes on the controller, or None (classic cycle)."""
        if not self._engine_checked:
            self._engine_checked = True
            if self.options.apply == "lean":
                try:
                    self._engine = ReloadEngine.load(self.options.controller_frr_reload)
                except EngineUnavailableError:
                    self._engine = None
        return self._engine

    def now(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S%z")

    # -- load / compare / discard -------------------------------------------------------------
    def load(self, mode: CandidateMode, filename: str | None, config: str | None) -> None:
        """Syntax-check a candidate on the device; on error raise ``mode.error`` with FRR's text."""
        if filename is not None:
            try:
                text = Path(filename).read_text()
            except OSError as exc:
                raise mode.error(f"cannot read candidate file {filename}: {exc}") from exc
        elif config is not None:
            text = config
        else:
            raise mode.error("no candidate given: pass filename= or config=")
        self.discard()
        if mode is CandidateMode.REPLACE and self.engine() is not None:
            self.candidate = Candidate(mode, text, marked=self._mark(mode, text))
            return
        path = self._remote_candidate
        result = self.shell.script(
            scripts.UPLOAD_AND_CHECK, self.options.work_dir, self.options.vtysh, path, stdin=text
        )
        if result.exit_status == ScriptExit.WORK_DIR:
            raise mode.error(f"cannot write the candidate to {path} on the device: {result.details}")
        if not result.ok:
            self.shell.run(f"rm -f {shlex.quote(path)}")
            raise mode.error(f"FRR rejected the candidate (vtysh -C, nothing applied):\n{result.details}")
        self.candidate = Candidate(mode, text, remote_path=path)

    def _mark(self, mode: CandidateMode, text: str) -> str:
        """``vtysh -m`` on the device: FRR's parser checks every line (nothing is applied) and
        marks the context ends, as frr-reload.py reads a candidate."""
        vtysh = shlex.quote(self.options.vtysh)
        result = self.shell.run(f"{vtysh} -H /dev/null -m -f -", stdin=text)
        if result.ok:
            return result.stdout
        # -m stops at the first bad line; -C lists every one, as the classic load does.
        every = self.shell.run(f"{vtysh} -H /dev/null -C -f /dev/stdin", stdin=text)
        details = every.details if not every.ok else result.details
        raise mode.error(f"FRR rejected the candidate (vtysh -C, nothing applied):\n{details}")

    def running(self) -> str:
        """The running config: the one the session read moments ago (the backup's), else read now."""
        return self.shell.recent_running(RUNNING_REUSE_S) or self.shell.running_config()

    def as_marked(self, running: str) -> str:
        if closed_form(running):
            return running
        result = self.shell.run(f"{shlex.quote(self.options.vtysh)} -H /dev/null -m -f -", stdin=running)
        if not result.ok:
            raise CommitError(f"cannot read the running config: {result.details}")
        return result.stdout

    def lean_diff(self) -> ReloadDiff | None:
        """frr-reload's view of what the commit would change (lean cycle only)."""
        engine, candidate = self.engine(), self.candidate
        if engine is None or candidate is None or candidate.marked is None:
            return None
        return engine.diff(candidate.marked, self.as_marked(self.running()))

    def compare(self) -> str:
        """The readable diff running -> candidate; ``""`` without candidate or when nothing changes."""
        candidate = self.candidate
        if candidate is None:
            return ""
        return self._compare_config(candidate) + self.compare_files()

    def _compare_config(self, candidate: Candidate) -> str:
        diff = self.lean_diff()
        if diff is not None:
            return format_reload_diff(diff.test_output(), candidate.text)
        if candidate.mode is CandidateMode.REPLACE:
            result = self.shell.script(scripts.COMPARE_REPLACE, self.options.frr_reload, candidate.remote_path)
        else:
            result = self.shell.script(
                scripts.COMPARE_MERGE, self.options.vtysh, self.options.frr_reload, candidate.remote_path
            )
        if not result.ok:
            # frr-reload --test prints a bogus "delete everything" diff when it fails: never show it.
            raise candidate.mode.error(f"frr-reload.py --test failed: {result.details}")
        return format_reload_diff(result.stdout, candidate.text)

    def load_files(self, files: tuple[SidecarFile, ...], startup: str | None) -> None:
        """Sidecar files for the loaded replace candidate: each ``check`` runs on the device against a
        temporary copy (nothing changes); a refusal raises ``ReplaceConfigException`` with the device's words."""
        candidate = self.candidate
        if candidate is None or candidate.mode is not CandidateMode.REPLACE:
            raise ReplaceConfigException("sidecar files ride with a replace candidate: load_replace_candidate() first")
        sidecars.validate(files)
        blocks, checked = sidecars.check_blocks(files, self.options.work_dir, self.session_id)
        if checked:
            token = f"{self.session_id}-check"
            payload = scripts.payload(token, **blocks)
            result = self.shell.script(scripts.CHECK_FILES, self.options.work_dir, token, stdin=payload)
            if not result.ok:
                raise ReplaceConfigException(f"the device refused a sidecar file (nothing applied):\n{result.details}")
        self.files, self.startup = files, startup

    def read_files(self, paths: list[str]) -> dict[str, str | None]:
        """The device's files (None: absent), in one exec."""
        commands = {str(i): f"[ -f {shlex.quote(p)} ] && echo y && cat {shlex.quote(p)}" for i, p in enumerate(paths)}
        found = self.shell.sections(commands) if paths else {}
        out: dict[str, str | None] = {}
        for index, path in enumerate(paths):
            body = found.get(str(index), "")
            out[path] = body[2:] if body.startswith("y\n") else None
        return out

    def compare_files(self) -> str:
        """The unified diff of each sidecar file whose content would change, device -> candidate."""
        if not self.files:
            return ""
        running = self.read_files([f.path for f in self.files])
        return "".join(sidecars.file_diff(f.path, running[f.path], f.text) for f in self.files)

    def commit_blocks(self, candidate: Candidate) -> dict[str, list[str]]:
        """The payload blocks every commit script takes after its own: what confirm saves, the files."""
        startup = self.startup if self.startup is not None else candidate.text
        saved = startup.splitlines() if candidate.mode is CandidateMode.REPLACE else []
        return {"startup_next": saved, **sidecars.commit_blocks(self.files)}

    def discard(self) -> None:
        self.files, self.startup = (), None
        candidate, self.candidate = self.candidate, None
        if candidate is not None and candidate.remote_path and self.shell.transport.is_alive():
            self.shell.run(f"rm -f {shlex.quote(candidate.remote_path)}")

    # -- commit -------------------------------------------------------------------------------
    def commit(self, message: str, revert_in: int | None) -> None:
        candidate = self.candidate
        if candidate is None:
            raise ReplaceConfigException(
                "no candidate loaded: call load_replace_candidate() or load_merge_candidate() first"
            )
        if revert_in is not None and int(revert_in) < 1:
            raise CommitConfirmException(f"revert_in must be at least 1 second, got {revert_in}")
        revert = int(revert_in or 0)
        token = f"{self.session_id}-{int(time.time())}"
        message = " ".join(message.split())
        self.shell.forget_running()
        try:
            if candidate.marked is not None:
                try:
                    LeanCommit(self).run(candidate, revert, token, message)
                except LeanApplyError as exc:
                    # FRR refused a command of the lean apply; the old config is back. frr-reload.py
                    # on the device knows more tricks (retrying a "no" with fewer words): let it try.
                    self._upload_for_fallback(candidate, str(exc))
                    self._commit_classic(self.candidate or candidate, revert, token, message)
            else:
                self._commit_classic(candidate, revert, token, message)
        finally:
            self.shell.forget_running()
        self.candidate, self.files, self.startup = None, (), None

    def raise_for(self, result: CommandResult) -> None:
        if result.exit_status == ScriptExit.PENDING:
            raise CommitError(result.details)
        if result.exit_status == ScriptExit.FILES_FAILED:
            raise CommitError(f"a sidecar file was refused; the previous config and files stay:\n{result.details}")
        if result.exit_status == ScriptExit.LOCKED:
            raise LockError(f"another config operation holds {self.options.work_dir}/lock: {result.details}")
        if result.exit_status == ScriptExit.APPLY_FAILED:
            raise CommitError(f"FRR could not apply the candidate; the previous config was restored:\n{result.details}")
        if not result.ok:
            raise CommitError(f"commit failed: {result.details}")

    def _upload_for_fallback(self, candidate: Candidate, reason: str) -> None:
        path = self._remote_candidate
        result = self.shell.script(
            scripts.UPLOAD_AND_CHECK, self.options.work_dir, self.options.vtysh, path, stdin=candidate.text
        )
        if not result.ok:
            raise CommitError(f"FRR refused the change ({reason}) and the candidate could not be uploaded again")
        self.candidate = Candidate(candidate.mode, candidate.text, remote_path=path, marked=candidate.marked)

    def _commit_classic(self, candidate: Candidate, revert: int, token: str, message: str) -> None:
        options = self.options
        result = self.shell.run(
            scripts.locked(
                scripts.CLASSIC_COMMIT,
                options.work_dir,
                options.lock_timeout,
                options.vtysh,
                options.frr_reload,
                options.startup_config,
                candidate.remote_path,
                candidate.mode.value,
                str(revert),
                token,
                self.now(),
                scripts.TIMER,
                message,
            ),
            stdin=scripts.payload(token, **self.commit_blocks(candidate)),
        )
        self.raise_for(result)

    # -- confirm / pending / rollback ---------------------------------------------------------
    def confirm(self) -> None:
        options = self.options
        result = self.shell.run(
            scripts.locked(
                scripts.CONFIRM,
                options.work_dir,
                options.lock_timeout,
                options.vtysh,
                self.now(),
                options.startup_config,
            )
        )
        if result.exit_status == ScriptExit.NO_PENDING:
            raise CommitConfirmException(
                "no commit is waiting for confirmation (never committed with revert_in, already "
                "confirmed, or reverted by its timer)"
            )
        if result.exit_status == ScriptExit.LOCKED:
            raise LockError(f"another config operation holds {options.work_dir}/lock")
        if not result.ok:
            raise CommitConfirmException(f"confirm failed: {result.details}")

    def pending_token(self) -> str:
        return self.shell.pending_token()

    def rollback(self) -> None:
        options = self.options
        self.shell.forget_running()
        result = self.shell.run(
            scripts.locked(
                scripts.ROLLBACK,
                options.work_dir,
                options.lock_timeout,
                options.frr_reload,
                self.now(),
                options.vtysh,
                options.startup_config,
            )
        )
        if result.exit_status == ScriptExit.LOCKED:
            raise LockError(f"another config operation holds {options.work_dir}/lock")
        if not result.ok:
            raise CommitError(f"rollback failed: {result.details}")
