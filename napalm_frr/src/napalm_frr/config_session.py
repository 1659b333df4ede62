"""The candidate / commit / commit-confirm / rollback life cycle on an FRR box.

FRR 8.4 has no candidate datastore, so the candidate is a file on the device
(``<work_dir>/candidate-<session>.conf``), syntax-checked with ``vtysh -C -f`` when loaded.

* replace: ``frr-reload.py --test`` diffs it, ``frr-reload.py --reload`` applies it (and saves).
* merge: the diff is ``frr-reload.py --test`` of running + candidate; the commit applies the
  candidate with ``vtysh -f`` (FRR's own "copy file running") and saves with ``write memory``.
* commit-confirm: the commit script checkpoints running, applies, then starts a detached timer
  process on the device that reloads the checkpoint unless ``confirm`` removes the pending token
  first (see :mod:`napalm_frr.device_scripts`).
"""

from __future__ import annotations

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
from napalm_frr.frr_shell import FrrShell
from napalm_frr.reload_diff import format_reload_diff
from napalm_frr.transport import CommandResult


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
    remote_path: str


def _details(result: CommandResult) -> str:
    return (result.stderr.strip() or result.stdout.strip()) or f"exit status {result.exit_status}"


class ConfigSession:
    """One driver's candidate plus the device-wide commit state (pending confirm, rollback point)."""

    def __init__(self, shell: FrrShell) -> None:
        self.shell = shell
        self.options = shell.options
        self.session_id = uuid.uuid4().hex[:12]
        self.candidate: Candidate | None = None

    @property
    def _remote_candidate(self) -> str:
        return f"{self.options.work_dir}/candidate-{self.session_id}.conf"

    def prepare(self) -> None:
        """Create the work dir on the device (and drop candidates abandoned for over a day)."""
        result = self.shell.script(scripts.PREPARE, self.options.work_dir)
        if not result.ok:
            raise NapalmException(f"cannot create {self.options.work_dir} on the device: {_details(result)}")

    def load(self, mode: CandidateMode, filename: str | None, config: str | None) -> None:
        """Upload and syntax-check a candidate; on error raise ``mode.error`` with FRR's text."""
        if filename is not None:
            try:
                text = Path(filename).read_text()
            except OSError as exc:
                raise mode.error(f"cannot read candidate file {filename}: {exc}") from exc
        elif config is not None:
            text = config
        else:
            raise mode.error("no candidate given: pass filename= or config=")
        path = self._remote_candidate
        result = self.shell.script(
            scripts.UPLOAD_AND_CHECK, self.options.work_dir, self.options.vtysh, path, stdin=text
        )
        if result.exit_status == ScriptExit.WORK_DIR:
            raise mode.error(f"cannot write the candidate to {path} on the device: {_details(result)}")
        if not result.ok:
            self.discard()
            raise mode.error(f"FRR rejected the candidate (vtysh -C, nothing applied):\n{_details(result)}")
        self.candidate = Candidate(mode, text, path)

    def compare(self) -> str:
        """The readable diff running -> candidate; ``""`` without candidate or when nothing changes."""
        candidate = self.candidate
        if candidate is None:
            return ""
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

    def commit(self, message: str, revert_in: int | None) -> None:
        candidate = self.candidate
        if candidate is None:
            raise ReplaceConfigException(
                "no candidate loaded: call load_replace_candidate() or load_merge_candidate() first"
            )
        if revert_in is not None and int(revert_in) < 1:
            raise CommitConfirmException(f"revert_in must be at least 1 second, got {revert_in}")
        token = f"{self.session_id}-{int(time.time())}"
        options = self.options
        result = self.shell.script(
            scripts.COMMIT,
            options.work_dir,
            str(options.lock_timeout),
            options.vtysh,
            options.frr_reload,
            options.startup_config,
            candidate.remote_path,
            candidate.mode.value,
            str(int(revert_in or 0)),
            token,
            " ".join(message.split()),
        )
        if result.exit_status == ScriptExit.PENDING:
            raise CommitError(_details(result))
        if result.exit_status == ScriptExit.LOCKED:
            raise LockError(_details(result))
        if result.exit_status == ScriptExit.APPLY_FAILED:
            raise CommitError(
                f"FRR could not apply the candidate; the previous config was restored:\n{_details(result)}"
            )
        if not result.ok:
            raise CommitError(f"commit failed: {_details(result)}")
        self.candidate = None

    def confirm(self) -> None:
        result = self.shell.script(
            scripts.CONFIRM, self.options.work_dir, str(self.options.lock_timeout), self.options.vtysh
        )
        if result.exit_status == ScriptExit.NO_PENDING:
            raise CommitConfirmException(
                "no commit is waiting for confirmation (never committed with revert_in, already "
                "confirmed, or reverted by its timer)"
            )
        if not result.ok:
            raise CommitConfirmException(f"confirm failed: {_details(result)}")

    def pending_token(self) -> str:
        result = self.shell.script(scripts.PENDING, self.options.work_dir)
        if not result.ok:
            raise CommitConfirmException(f"cannot read the commit-confirm state: {_details(result)}")
        return result.stdout.strip()

    def discard(self) -> None:
        self.candidate = None
        if self.shell.transport.is_alive():
            self.shell.run(f"rm -f {shlex.quote(self._remote_candidate)}")

    def rollback(self) -> None:
        result = self.shell.script(
            scripts.ROLLBACK, self.options.work_dir, str(self.options.lock_timeout), self.options.frr_reload
        )
        if result.exit_status == ScriptExit.LOCKED:
            raise LockError(_details(result))
        if not result.ok:
            raise CommitError(f"rollback failed: {_details(result)}")
