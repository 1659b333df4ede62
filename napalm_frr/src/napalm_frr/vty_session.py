"""One interactive vtysh per connection: every ``show`` command of the driver goes to it.

Each ``vtysh`` start costs FRR 40-50 ms of CPU (it builds its whole command tree), so the driver
starts one, on an SSH channel of its own, and keeps it for the connection's life. vtysh reads
commands on stdin when that is not a terminal and echoes them after its prompt. Each command is
framed by two comment lines (``! @@<nonce>b<n>@@`` / ``! @@<nonce>e<n>@@``): vtysh ignores them,
but echoes them, so the output of command *n* is exactly what lies between the two echoes.

Only read-only ``show`` commands go through the session; configuration changes run in the locked
device scripts (:mod:`napalm_frr.device_scripts`), never here.
"""

from __future__ import annotations

import contextlib
import select
import threading
import time
import uuid
from dataclasses import dataclass

import paramiko
from napalm.base.exceptions import CommandTimeoutException, ConnectionClosedException

from napalm_frr.device_scripts import SESSION_MARKER, session_start
from napalm_frr.transport import SshTransport

_READ_CHUNK = 65536


class SessionLostError(ConnectionClosedException):  # type: ignore[misc]  # napalm ships no types
    """The session's vtysh ended (FRR restarted, the channel closed)."""


@dataclass(frozen=True)
class SessionStart:
    """What the session's start line reported, read with the shell's builtins."""

    #: token of the pending commit ("" when none)
    pending: str
    #: the device's UTC offset, e.g. "+0100" ("" when the login shell cannot tell without a process)
    utc_offset: str


class VtySession:
    """A long-lived interactive vtysh on its own channel of the driver's SSH connection."""

    def __init__(self, transport: SshTransport, vtysh: str, work_dir: str, timeout: float) -> None:
        self.transport = transport
        self.vtysh = vtysh
        self.work_dir = work_dir
        self.timeout = timeout
        self._channel: paramiko.Channel | None = None
        self._buffer = b""
        self._nonce = uuid.uuid4().hex[:8]
        self._counter = 0
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        channel = self._channel
        return channel is not None and not channel.closed and not channel.exit_status_ready()

    def start(self) -> SessionStart:
        """Open the channel; returns the pending token and UTC offset the start line read."""
        with self._lock:
            self._close()
            self._channel = self.transport.open_channel(session_start(self.work_dir, self.vtysh), self.timeout)
            self._buffer = b""
            line = self._read_until(SESSION_MARKER.encode(), time.monotonic() + self.timeout, keep_marker=True)
            head, _, rest = (line + self._take_line(time.monotonic() + self.timeout)).partition(SESSION_MARKER.encode())
            del head  # the login's motd or shell noise, if any
            pending, _, offset = rest.decode(errors="replace").strip().partition("|")
            return SessionStart(pending.strip(), offset.strip())

    def run(self, *commands: str, timeout: float | None = None) -> list[str]:
        """The output of each command, in order (vtysh's own text; errors included)."""
        with self._lock:
            if self._channel is None:
                raise SessionLostError("the vtysh session is not started")
            deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
            framed: list[tuple[bytes, bytes]] = []
            lines: list[str] = []
            for command in commands:
                if "\n" in command or "\r" in command:
                    raise ValueError(f"a vtysh command is one line: {command!r}")
                self._counter += 1
                begin = f"@@{self._nonce}b{self._counter}@@"
                end = f"@@{self._nonce}e{self._counter}@@"
                framed.append((begin.encode(), end.encode()))
                lines += [f"! {begin}", command, f"! {end}"]
            try:
                self._channel.sendall(("\n".join(lines) + "\n").encode())
            except (OSError, paramiko.SSHException) as exc:
                raise SessionLostError(f"cannot send to the vtysh session: {exc}") from exc
            return [self._output(begin, end, deadline) for begin, end in framed]

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        channel, self._channel = self._channel, None
        if channel is None:
            return
        with contextlib.suppress(OSError, paramiko.SSHException):
            channel.shutdown_write()  # EOF: vtysh exits
        channel.close()

    # -- reading -------------------------------------------------------------------------------
    def _output(self, begin: bytes, end: bytes, deadline: float) -> str:
        segment = self._read_until(end, deadline, keep_marker=False)
        start = segment.find(begin)
        if start < 0:
            raise SessionLostError("the vtysh session lost track of its commands")
        # segment: ...<prompt>! BEGIN\n<prompt><command>\n<output><prompt>!
        begin_line_start = segment.rfind(b"\n", 0, start) + 1
        prompt = segment[begin_line_start : start - len(b"! ")]
        after_begin = segment.find(b"\n", start)
        echo_end = segment.find(b"\n", after_begin + 1) if after_begin >= 0 else -1
        if echo_end < 0:
            return ""
        body = segment[echo_end + 1 :]
        tail = b"! "
        if body.endswith(prompt + tail):
            body = body[: -len(prompt + tail)]
        elif body.endswith(tail):
            body = body[: -len(tail)]
        return body.decode(errors="replace")

    def _take_line(self, deadline: float) -> bytes:
        return self._read_until(b"\n", deadline, keep_marker=True)

    def _read_until(self, marker: bytes, deadline: float, keep_marker: bool) -> bytes:
        """Bytes up to ``marker`` (included if ``keep_marker``); the rest stays buffered."""
        channel = self._channel
        if channel is None:
            raise SessionLostError("the vtysh session is not started")
        scanned = 0
        while True:
            index = self._buffer.find(marker, scanned)
            if index >= 0:
                cut = index + len(marker)
                data = self._buffer[:cut] if keep_marker else self._buffer[:index]
                self._buffer = self._buffer[cut:]
                return data
            scanned = max(0, len(self._buffer) - len(marker))
            if channel.recv_ready():
                self._buffer += channel.recv(_READ_CHUNK)
                continue
            if channel.closed or channel.eof_received:
                raise SessionLostError("the vtysh session ended")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CommandTimeoutException(f"vtysh session: no answer within {self.timeout:g} s")
            select.select([channel], [], [], min(remaining, 0.5))
