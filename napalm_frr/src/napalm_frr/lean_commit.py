"""The lean commit of a replace candidate: one vtysh under the device lock, then verified.

The diff comes from frr-reload.py's own logic on the controller
(:mod:`napalm_frr.reload_engine`); the device script (``device_scripts.LEAN_COMMIT``) writes the
rollback point and the undo commands, arms the revert timer and ``exec``s one ``vtysh -E -c``
that prints the running config before, the commands and the running config after. From that
output the controller checks the rollback point, retries deletes FRR refused (frr-reload's
shorter forms), runs frr-reload's second pass when the result differs from the candidate, and
for a plain commit confirms at once.
"""

from __future__ import annotations

import re
import shlex
from typing import Protocol

from napalm.base.exceptions import CommitError

from napalm_frr import device_scripts as scripts
from napalm_frr.candidate import Candidate
from napalm_frr.device_scripts import ScriptExit
from napalm_frr.frr_shell import RUNNING_CONFIG, FrrShell
from napalm_frr.options import DriverOptions
from napalm_frr.reload_engine import ApplyLine, ReloadDiff, ReloadEngine, dry_run_text
from napalm_frr.transport import CommandResult

#: A plain commit (no revert_in) is applied like a commit-confirm with this window and confirmed
#: at once: if the controller dies half-way, the device still goes back by itself.
PLAIN_COMMIT_WINDOW_S = 120


class Session(Protocol):
    """What the lean commit uses of :class:`napalm_frr.config_session.ConfigSession`."""

    shell: FrrShell
    options: DriverOptions

    def engine(self) -> ReloadEngine | None: ...
    def running(self) -> str: ...
    def as_marked(self, running: str) -> str: ...
    def raise_for(self, result: CommandResult) -> None: ...
    def now(self) -> str: ...
    def rollback(self) -> None: ...
    def confirm(self) -> None: ...
    def commit_blocks(self, candidate: Candidate) -> dict[str, list[str]]: ...


class LeanApplyError(Exception):
    """The lean apply failed on the device (the previous config is back or the timer has it)."""


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


class LeanCommit:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.shell = session.shell
        self.options = session.options

    def run(self, candidate: Candidate, revert: int, token: str, message: str) -> None:
        """Apply the diff with one vtysh under the device lock, with the timer armed first (a plain
        commit gets a safety window and is confirmed here), then verify what the device runs."""
        engine = self.session.engine()
        assert engine is not None and candidate.marked is not None
        running = self.session.running()
        diff = engine.diff(candidate.marked, self.session.as_marked(running))
        commands = [_plain("configure"), *self.parsable_deletes(diff.commands()), _plain("end")]
        sent = [RUNNING_CONFIG, *(c.text for c in commands), RUNNING_CONFIG]
        # what undoes it: the same logic from the candidate back to the running config (for the timer)
        undo = _undo_lines(engine.diff(self.session.as_marked(running), candidate.marked).commands())
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
                self.session.now(),
                scripts.TIMER,
                message,
            ),
            stdin=scripts.payload(
                token,
                rollback=running.splitlines(),
                revert_cmds=undo,
                apply=sent,
                **self.session.commit_blocks(candidate),
            ),
        )
        if result.exit_status in (
            ScriptExit.PENDING,
            ScriptExit.LOCKED,
            ScriptExit.BAD_PAYLOAD,
            ScriptExit.FILES_FAILED,
        ):
            self.session.raise_for(result)
        if result.exit_status == ScriptExit.APPLY_FAILED:  # the timer could not start: nothing changed
            raise LeanApplyError(result.details)
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
            residue = engine.diff(candidate.marked, self.session.as_marked(after))
            if not residue.empty:
                self._second_pass(engine, candidate, after, diff, token)
        except CommitError:
            if not revert:
                self.session.rollback()  # a plain commit leaves nothing pending behind
            raise
        if not revert:
            self.session.confirm()  # a plain commit: stop the safety timer and save

    def parsable_deletes(self, commands: list[ApplyLine]) -> list[ApplyLine]:
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
                self.session.rollback()
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
                self.session.rollback()
                self.session.raise_for(result)

    def _set_rollback(self, config: str, token: str) -> None:
        options = self.options
        result = self.shell.run(
            scripts.locked(scripts.SET_ROLLBACK, options.work_dir, options.lock_timeout, options.startup_config, token),
            stdin=scripts.payload(token, rollback=config.splitlines()),
        )
        self.session.raise_for(result)

    def _second_pass(
        self, engine: ReloadEngine, candidate: Candidate, after: str, first: ReloadDiff, token: str
    ) -> None:
        """frr-reload's second pass: add what a delete took along, and the first pass's adds."""
        assert candidate.marked is not None
        again = engine.second_pass(candidate.marked, self.session.as_marked(after), first)
        apply = ["configure", *(c.text for c in again.commands(deletes=False)), "end"]
        options = self.options
        result = self.shell.run(
            scripts.locked(scripts.LEAN_FIXUP, options.work_dir, options.lock_timeout, options.vtysh, token),
            stdin=scripts.payload(token, apply=apply),
        )
        if not result.ok:
            raise CommitError(f"second apply pass failed:\n{_failure(result.stdout) or result.details}")
