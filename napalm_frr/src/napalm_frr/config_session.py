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
"""

from __future__ import annotations

import re
import shlex
import time
import uuid
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from napalm.base.exceptions import (
    CommitConfirmException,
    CommitError,
    LockError,
    MergeConfigException,
    NapalmException,
    ReplaceConfigException,
)

from napalm_frr import device_scripts as scripts
from napalm_frr.device_scripts import ScriptExit
from napalm_frr.frr_shell import RUNNING_CONFIG, FrrShell
from napalm_frr.reload_diff import format_reload_diff
from napalm_frr.reload_engine import (
    ApplyLine,
    EngineUnavailableError,
    ReloadDiff,
    ReloadEngine,
    closed_form,
    dry_run_text,
)
from napalm_frr.transport import CommandResult

#: compare_config() reuses a running config the session read this recently (the backup's read),
#: instead of reading it again: the commit itself re-reads it under the device lock.
RUNNING_REUSE_S = 30.0
#: A plain commit (no revert_in) is applied like a commit-confirm with this window and confirmed
#: at once: if the controller dies half-way, the device still goes back by itself.
PLAIN_COMMIT_WINDOW_S = 120


class CandidateMode(Enum):
    REPLACE = "replace"
    MERGE = "merge"

    @property
    def error(self) -> type[NapalmException]:
        """The exception NAPALM raises for a bad candidate of this kind."""
        error: type[NapalmException] = ReplaceConfigException if self is CandidateMode.REPLACE else MergeConfigException
        return error


@dataclass(frozen=True)
class Candidate:
    mode: CandidateMode
    text: str
    #: the uploaded file (classic cycle); "" when the candidate stays on the controller (lean)
    remote_path: str = ""
    #: the candidate as the device's ``vtysh -m`` marked it (lean cycle)
    marked: str | None = None


class LeanApplyError(Exception):
    """The lean apply failed on the device (the previous config is back or the timer has it)."""


def _details(result: CommandResult) -> str:
    return (result.stderr.strip() or result.stdout.strip()) or f"exit status {result.exit_status}"


def _normalized(config: str) -> str:
    return "\n".join(line.rstrip() for line in config.strip().splitlines())


def _show_run_block(lines: list[str], start: int) -> str | None:
    for end in range(start, len(lines)):
        if lines[end] == "end":
            return "\n".join(lines[start : end + 1]) + "\n"
    return None


def _first_show_run(output: str) -> str | None:
    """The first running config in an apply's ``vtysh -E`` output: ``show running-config
    no-header`` prints ``frr version ...`` first and ``end`` last."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("frr version ")]
    return _show_run_block(lines, starts[0]) if starts else None


def _last_show_run(output: str) -> str | None:
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("frr version ")]
    return _show_run_block(lines, starts[-1]) if starts else None


def _echoed(output: str, sent: list[str]) -> int:
    """How many of the ``sent`` commands vtysh -E echoed (it echoes each one before running it)."""
    done = 0
    for line in output.splitlines():
        if done < len(sent) and line.endswith("# " + sent[done]):
            done += 1
    return done


#: vtysh -C's parse errors: "line N: % Unknown command[node]: ..." (also incomplete, ambiguous)
_PARSE_ERROR = re.compile(r"^line (\d+): % (?:Unknown command|Ambiguous command|Command incomplete)", re.M)


def _undo_lines(commands: list[ApplyLine]) -> list[str]:
    """``revert.cmds``: ``= command``, ``- delete`` and ``? shorter form`` lines (see
    ``device_scripts._FAST_REVERT``)."""
    lines: list[str] = []
    for command in commands:
        if not command.delete:
            lines.append(f"= {command.text}")
            continue
        head, *shorter = command.variants()
        lines.append(f"- {head.text}")
        lines += [f"? {variant.text}" for variant in shorter]
    return lines


def _plain(text: str) -> ApplyLine:
    return ApplyLine(text, (), False)


def _failure(output: str) -> str:
    """The last few lines of a failed apply: the failing command's echo and FRR's message."""
    return "\n".join(output.strip().splitlines()[-4:])


class ConfigSession:
    """One driver's candidate plus the device-wide commit state (pending confirm, rollback point)."""

    def __init__(self, shell: FrrShell) -> None:
        self.shell = shell
        self.options = shell.options
        self.session_id = uuid.uuid4().hex[:12]
        self.candidate: Candidate | None = None
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

    def _now(self) -> str:
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
            raise mode.error(f"cannot write the candidate to {path} on the device: {_details(result)}")
        if not result.ok:
            self.shell.run(f"rm -f {shlex.quote(path)}")
            raise mode.error(f"FRR rejected the candidate (vtysh -C, nothing applied):\n{_details(result)}")
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
        details = _details(every) if not every.ok else _details(result)
        raise mode.error(f"FRR rejected the candidate (vtysh -C, nothing applied):\n{details}")

    def _running(self) -> str:
        """The running config: the one the session read moments ago (the backup's), else read now."""
        return self.shell.recent_running(RUNNING_REUSE_S) or self.shell.running_config()

    def _as_marked(self, running: str) -> str:
        if closed_form(running):
            return running
        result = self.shell.run(f"{shlex.quote(self.options.vtysh)} -H /dev/null -m -f -", stdin=running)
        if not result.ok:
            raise CommitError(f"cannot read the running config: {_details(result)}")
        return result.stdout

    def lean_diff(self) -> ReloadDiff | None:
        """frr-reload's view of what the commit would change (lean cycle only)."""
        engine, candidate = self.engine(), self.candidate
        if engine is None or candidate is None or candidate.marked is None:
            return None
        return engine.diff(candidate.marked, self._as_marked(self._running()))

    def compare(self) -> str:
        """The readable diff running -> candidate; ``""`` without candidate or when nothing changes."""
        candidate = self.candidate
        if candidate is None:
            return ""
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
            raise candidate.mode.error(f"frr-reload.py --test failed: {_details(result)}")
        return format_reload_diff(result.stdout, candidate.text)

    def discard(self) -> None:
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
                    self._commit_lean(candidate, revert, token, message)
                except LeanApplyError as exc:
                    # FRR refused a command of the lean apply; the old config is back. frr-reload.py
                    # on the device knows more tricks (retrying a "no" with fewer words): let it try.
                    self._upload_for_fallback(candidate, str(exc))
                    self._commit_classic(self.candidate or candidate, revert, token, message)
            else:
                self._commit_classic(candidate, revert, token, message)
        finally:
            self.shell.forget_running()
        self.candidate = None

    def _raise_for(self, result: CommandResult) -> None:
        if result.exit_status == ScriptExit.PENDING:
            raise CommitError(_details(result))
        if result.exit_status == ScriptExit.LOCKED:
            raise LockError(f"another config operation holds {self.options.work_dir}/lock: {_details(result)}")
        if result.exit_status == ScriptExit.APPLY_FAILED:
            raise CommitError(
                f"FRR could not apply the candidate; the previous config was restored:\n{_details(result)}"
            )
        if not result.ok:
            raise CommitError(f"commit failed: {_details(result)}")

    def _commit_lean(self, candidate: Candidate, revert: int, token: str, message: str) -> None:
        """Apply the diff with one vtysh under the device lock, with the timer armed first (a plain
        commit gets a safety window and is confirmed here), then verify what the device runs."""
        engine = self.engine()
        assert engine is not None and candidate.marked is not None
        running = self._running()
        diff = engine.diff(candidate.marked, self._as_marked(running))
        commands = [_plain("configure"), *self._parsable_deletes(diff.commands()), _plain("end")]
        sent = [RUNNING_CONFIG, *(c.text for c in commands), RUNNING_CONFIG]
        # what undoes it: the same logic from the candidate back to the running config (for the timer)
        undo = _undo_lines(engine.diff(self._as_marked(running), candidate.marked).commands())
        options = self.options
        result = self.shell.run(
            scripts.locked(
                scripts.LEAN_COMMIT,
                options.work_dir,
                options.lock_timeout,
                options.vtysh,
                options.frr_reload,
                options.startup_config,
                str(revert),
                str(revert or PLAIN_COMMIT_WINDOW_S),
                token,
                self._now(),
                scripts.TIMER,
                message,
            ),
            stdin=scripts.payload(token, rollback=running.splitlines(), revert_cmds=undo, apply=sent),
        )
        if result.exit_status in (ScriptExit.PENDING, ScriptExit.LOCKED, ScriptExit.BAD_PAYLOAD):
            self._raise_for(result)
        if result.exit_status == ScriptExit.APPLY_FAILED:  # the timer could not start: nothing changed
            raise LeanApplyError(_details(result))
        output = result.stdout
        before = _first_show_run(output)
        try:
            if not result.ok:
                output = self._retry_refused_delete(commands, output, sent, token)
            after = _last_show_run(output)
            if before is None or after is None:
                raise CommitError(f"commit applied, but its output could not be read:\n{_failure(output)}")
            if _normalized(before) != _normalized(running):
                # someone changed the box between our read and the lock: keep the true rollback point
                self._set_rollback(before, token)
            residue = engine.diff(candidate.marked, self._as_marked(after))
            if not residue.empty:
                self._second_pass(engine, candidate, after, diff, token)
        except CommitError:
            if not revert:
                self.rollback()  # a plain commit leaves nothing pending behind
            raise
        if not revert:
            self.confirm()  # a plain commit: stop the safety timer and save

    def _parsable_deletes(self, commands: list[ApplyLine]) -> list[ApplyLine]:
        """Each delete in the first form FRR's parser accepts, among those frr-reload would try.

        FRR 8.4 refuses some deletes as written (``no description LAN users``: only ``no
        description`` parses); frr-reload retries each with one word less, one vtysh per try. Here
        one ``vtysh -C`` (parse only, nothing applied) checks every form of every delete at
        once, and the apply uses the first that parses. Refusals by a daemon, which parsing
        cannot foresee, are still retried by :meth:`_retry_refused_delete`.
        """
        deletes = [c for c in commands if c.delete]
        if not deletes:
            return commands
        text, where = dry_run_text(deletes)
        result = self.shell.run(f"{shlex.quote(self.options.vtysh)} -H /dev/null -C -f /dev/stdin", stdin=text)
        refused = {int(m.group(1)) for m in _PARSE_ERROR.finditer(result.stderr)}
        chosen: dict[int, ApplyLine] = {}
        for number, (index, variant) in sorted(where.items()):
            if index not in chosen and number not in refused:
                chosen[index] = deletes[index].variants()[variant]
        positions = {id(d): i for i, d in enumerate(deletes)}
        return [chosen.get(positions[id(c)], c) if c.delete else c for c in commands]

    def _retry_refused_delete(self, commands: list[ApplyLine], output: str, sent: list[str], token: str) -> str:
        """FRR refused a command and vtysh stopped there (the timer is armed, the lock was freed).
        If it was a delete, do what frr-reload does: drop its last word and go on from there;
        otherwise restore the old config now."""
        offset = 1  # the first apply starts with "show running-config"
        while True:
            done = _echoed(output, sent)
            index = done - 1 - offset
            failing = commands[index] if 0 <= index < len(commands) else None
            shorter = failing.shortened() if failing is not None else None
            if failing is None or shorter is None:
                self.rollback()
                raise LeanApplyError(_failure(output))
            commands = [_plain("configure"), *(_plain(c) for c in failing.context), shorter, *commands[index + 1 :]]
            sent = [*(c.text for c in commands), RUNNING_CONFIG]
            offset = 0
            options = self.options
            result = self.shell.run(
                scripts.locked(scripts.LEAN_FIXUP, options.work_dir, options.lock_timeout, options.vtysh, token),
                stdin=scripts.payload(token, apply=sent),
            )
            output = result.stdout
            if result.ok:
                return output
            if result.exit_status in (ScriptExit.LOCKED, ScriptExit.BAD_PAYLOAD):
                self.rollback()
                self._raise_for(result)

    def _set_rollback(self, config: str, token: str) -> None:
        options = self.options
        result = self.shell.run(
            scripts.locked(scripts.SET_ROLLBACK, options.work_dir, options.lock_timeout, options.startup_config, token),
            stdin=scripts.payload(token, rollback=config.splitlines()),
        )
        self._raise_for(result)

    def _second_pass(
        self, engine: ReloadEngine, candidate: Candidate, after: str, first: ReloadDiff, token: str
    ) -> None:
        """frr-reload's second pass: add what a delete took along, and the first pass's adds."""
        assert candidate.marked is not None
        again = engine.second_pass(candidate.marked, self._as_marked(after), first)
        apply = ["configure", *(c.text for c in again.commands(deletes=False)), "end"]
        options = self.options
        result = self.shell.run(
            scripts.locked(scripts.LEAN_FIXUP, options.work_dir, options.lock_timeout, options.vtysh, token),
            stdin=scripts.payload(token, apply=apply),
        )
        if not result.ok:
            raise CommitError(f"second apply pass failed:\n{_failure(result.stdout) or _details(result)}")

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
                self._now(),
                scripts.TIMER,
                message,
            )
        )
        self._raise_for(result)

    # -- confirm / pending / rollback ---------------------------------------------------------
    def confirm(self) -> None:
        options = self.options
        result = self.shell.run(
            scripts.locked(scripts.CONFIRM, options.work_dir, options.lock_timeout, options.vtysh, self._now())
        )
        if result.exit_status == ScriptExit.NO_PENDING:
            raise CommitConfirmException(
                "no commit is waiting for confirmation (never committed with revert_in, already "
                "confirmed, or reverted by its timer)"
            )
        if result.exit_status == ScriptExit.LOCKED:
            raise LockError(f"another config operation holds {options.work_dir}/lock")
        if not result.ok:
            raise CommitConfirmException(f"confirm failed: {_details(result)}")

    def pending_token(self) -> str:
        return self.shell.pending_token()

    def rollback(self) -> None:
        options = self.options
        self.shell.forget_running()
        result = self.shell.run(
            scripts.locked(
                scripts.ROLLBACK, options.work_dir, options.lock_timeout, options.frr_reload, self._now(), options.vtysh
            )
        )
        if result.exit_status == ScriptExit.LOCKED:
            raise LockError(f"another config operation holds {options.work_dir}/lock")
        if not result.ok:
            raise CommitError(f"rollback failed: {_details(result)}")
