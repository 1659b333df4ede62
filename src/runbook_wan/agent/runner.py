"""The only place the agent starts processes: ``vtysh`` commands and long-running ``fping``.

The agent gets a :class:`Runner`; the real one is :class:`SystemRunner`. Unit tests pass a runner
that replays RECORDED fping and vtysh output instead (``tests/agent/``), so decisions, parsing
and FRR actions are tested without a router.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass
from typing import Protocol

#: Read at most this much of a probe's output per call (a second of fping output is ~1 KB).
READ_CHUNK = 65536


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


class Stream(Protocol):
    """A running probe process whose output lines are read without blocking."""

    @property
    def pid(self) -> int: ...

    def read_lines(self) -> list[str]: ...

    def alive(self) -> bool: ...

    def stop(self) -> None: ...


class Runner(Protocol):
    def run(self, argv: list[str], timeout: float = 10.0) -> Completed: ...

    def spawn(self, argv: list[str]) -> Stream: ...


class ProcessStream:
    """A child process; its stdout is non-blocking and split into complete lines."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self._proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert self._proc.stdout is not None
        self._fd = self._proc.stdout.fileno()
        os.set_blocking(self._fd, False)
        self._partial = b""

    @property
    def pid(self) -> int:
        return self._proc.pid

    def read_lines(self) -> list[str]:
        data = b""
        while True:
            try:
                chunk = os.read(self._fd, READ_CHUNK)
            except BlockingIOError:
                break
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        if not data:
            return []
        data = self._partial + data
        *complete, self._partial = data.split(b"\n")
        return [line.decode("utf-8", "replace") for line in complete]

    def alive(self) -> bool:
        return self._proc.poll() is None

    def stop(self) -> None:
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=2)
        if self._proc.stdout is not None:
            self._proc.stdout.close()


class SystemRunner:
    def run(self, argv: list[str], timeout: float = 10.0) -> Completed:
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return Completed(124, "", f"{argv[0]} did not answer within {timeout:.0f} s")
        except OSError as exc:
            return Completed(127, "", f"{argv[0]}: {exc.strerror}")
        return Completed(proc.returncode, proc.stdout, proc.stderr)

    def spawn(self, argv: list[str]) -> Stream:
        return ProcessStream(argv)
