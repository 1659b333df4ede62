"""Running host commands for the lab, with errors that say which command failed and why."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence


class LabCommandError(RuntimeError):
    def __init__(self, argv: Sequence[str], returncode: int, stderr: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = stderr.strip()
        super().__init__(f"command failed (rc {returncode}): {' '.join(argv)}: {self.stderr}")


def run(
    argv: Sequence[str], check: bool = True, input_text: str | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(argv), capture_output=True, text=True, input=input_text, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise LabCommandError(argv, proc.returncode, proc.stderr or proc.stdout)
    return proc


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(["ip", *args], check=check)


def in_netns(
    netns: str, *argv: str, check: bool = True, timeout: float = 60.0, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    return run(["ip", "netns", "exec", netns, *argv], check=check, timeout=timeout, input_text=input_text)


def ip_batch(lines: Sequence[str], netns: str | None = None, force: bool = False) -> None:
    """Run many ``ip`` commands in one process (``ip -batch``), in ``netns`` if given.

    Without ``force`` the first failing line stops the batch and raises; with it, every line runs.
    """
    if not lines:
        return
    opts = ["-force", "-batch", "-"] if force else ["-batch", "-"]
    argv = ["ip", *opts] if netns is None else ["ip", "netns", "exec", netns, "ip", *opts]
    run(argv, input_text="\n".join(lines) + "\n", check=not force)
