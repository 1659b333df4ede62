"""Sidecar files: files that belong with the FRR config and are committed with it.

A router's behaviour is not only ``frr.conf``: a firewall ruleset that marks packets for policy
routing, or the policy file of a daemon that steers traffic, must change together with the config
and roll back together with it. A :class:`SidecarFile` is such a file: its path on the device, its
new content (or ``None``: the file must not exist), and shell commands that check it before
anything changes, activate it once in place, and deactivate it when a rollback removes a file that
did not exist before, plus a pid file whose process is sent ``SIGHUP`` after the file changed.

They ride with a replace candidate (``driver.extensions.load_sidecars``): ``compare_config`` adds
each changed file's unified diff after the config's, ``commit_config`` installs them in the same
locked device script as the config, after the revert timer is armed, and the timer, ``rollback``
and a failed commit put back every file the commit changed (see :mod:`napalm_frr.device_scripts`).
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from napalm.base.exceptions import ReplaceConfigException

#: Separates the fields of a file's line in the device's manifest (never in a path or command).
US = "\x1f"
_PATH = re.compile(r"^/[A-Za-z0-9_./@+-]{1,255}$")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class SidecarFile:
    """A file committed with the config. Commands are shell commands; ``{path}`` is replaced by the
    file's path (quoted): for ``check``, by a temporary copy of the new content."""

    path: str
    #: The new content; None: the file must not exist (a rollback to a state without it).
    text: str | None
    check: str | None = None
    apply: str | None = None
    remove: str | None = None
    #: Pid file of a process to send SIGHUP after the file changed (ignored when it names no process).
    signal: str | None = None

    def problems(self) -> list[str]:
        found = []
        if not _PATH.fullmatch(self.path) or "/../" in self.path or self.path.endswith("/.."):
            found.append(f"{self.path!r}: a sidecar path must be absolute, plain characters, no '..'")
        for name in ("check", "apply", "remove", "signal"):
            value = getattr(self, name)
            if value is not None and (not value.strip() or _CONTROL.search(value)):
                found.append(f"{self.path}: {name} must be one line without control characters")
        if self.signal is not None and not _PATH.fullmatch(self.signal):
            found.append(f"{self.path}: signal must be an absolute pid file path")
        if self.text is not None and "\x00" in self.text:
            found.append(f"{self.path}: a sidecar file is text (it holds a NUL byte)")
        return found

    def command(self, name: str, path: str | None = None) -> str:
        """The ``check``/``apply``/``remove`` command with ``{path}`` filled in ("" when unset)."""
        template = getattr(self, name) or ""
        return template.replace("{path}", shlex.quote(path or self.path))


def validate(files: Sequence[SidecarFile]) -> None:
    """Raise NAPALM's ``ReplaceConfigException`` naming every problem (nothing reaches the device)."""
    problems = [p for f in files for p in f.problems()]
    paths = [f.path for f in files]
    problems += [f"{p}: given twice" for p in sorted({p for p in paths if paths.count(p) > 1})]
    if problems:
        raise ReplaceConfigException("bad sidecar files: " + "; ".join(problems))


def _lines(text: str) -> list[str]:
    """A file's content as the device scripts carry it: lines, each sent with its newline."""
    return text.splitlines()


def normalized(text: str | None) -> str | None:
    """What the device will hold for ``text``: every line ends with a newline."""
    if text is None:
        return None
    return "".join(f"{line}\n" for line in _lines(text))


def manifest_line(file: SidecarFile) -> str:
    """``path US present US apply US remove US signal``: how the commit scripts see a file."""
    present = "0" if file.text is None else "1"
    return US.join([file.path, present, file.command("apply"), file.command("remove"), file.signal or ""])


def commit_blocks(files: Sequence[SidecarFile]) -> dict[str, list[str]]:
    """The ``files`` manifest block and one content block per file, for ``device_scripts.payload``."""
    blocks: dict[str, list[str]] = {"files": [manifest_line(f) for f in files]}
    for index, file in enumerate(files):
        blocks[f"file{index}"] = _lines(file.text or "")
    return blocks


def check_blocks(files: Sequence[SidecarFile], work_dir: str, session: str) -> tuple[dict[str, list[str]], int]:
    """The payload of ``device_scripts.CHECK_FILES`` (files with a check command only) and their count."""
    checked = [f for f in files if f.check and f.text is not None]
    blocks: dict[str, list[str]] = {"files": []}
    for index, file in enumerate(checked):
        temp = f"{work_dir}/check-{session}-{index}"
        blocks["files"].append(US.join([temp, file.command("check", temp), file.path]))
    for index, file in enumerate(checked):
        blocks[f"file{index}"] = _lines(file.text or "")
    return blocks, len(checked)


def file_diff(path: str, running: str | None, candidate: str | None) -> str:
    """A unified diff of one file, device -> candidate ("" when equal): ``--- PATH`` / ``+++ PATH``."""
    old, new = normalized(running), normalized(candidate)
    if old == new:
        return ""
    lines = difflib.unified_diff(
        (old or "").splitlines(), (new or "").splitlines(), fromfile=path, tofile=path, lineterm="", n=2
    )
    body = list(lines)
    if old is None:
        body[0] = f"--- {path}\t(absent)"
    if new is None:
        body[1] = f"+++ {path}\t(removed)"
    return "\n".join(body) + "\n"
