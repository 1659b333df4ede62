"""Commands on the FRR box: the vtysh session (show commands), device scripts, shell commands."""

from __future__ import annotations

import shlex
import time
import uuid
from collections.abc import Mapping
from typing import Any

from napalm.base.exceptions import CommandErrorException

from napalm_frr.device_scripts import read_pending, shell_command
from napalm_frr.options import DriverOptions
from napalm_frr.parsers.common import json_documents
from napalm_frr.transport import CommandResult, SshTransport
from napalm_frr.vty_session import SessionLostError, SessionStart, VtySession

RUNNING_CONFIG = "show running-config no-header"


class FrrShell:
    """The driver's view of the box: everything goes through one :class:`SshTransport`.

    ``show`` commands go to one interactive vtysh kept for the connection (:class:`VtySession`);
    everything else is one exec per operation.
    """

    def __init__(self, transport: SshTransport, options: DriverOptions) -> None:
        self.transport = transport
        self.options = options
        self.session = VtySession(transport, options.vtysh, options.work_dir, transport.target.timeout)
        self._utc_offset: str | None = None
        #: (monotonic time, text) of the running config the session read last
        self._running: tuple[float, str] | None = None

    # -- the vtysh session -------------------------------------------------------------------
    def start_session(self) -> SessionStart:
        start = self.session.start()
        if start.utc_offset:
            self._utc_offset = start.utc_offset
        return start

    def show(self, *commands: str) -> list[str]:
        """Each command's output from the session (started on first use, restarted once if lost)."""
        if not self.session.alive:
            self.start_session()
        try:
            return self.session.run(*commands)
        except SessionLostError:
            if not self.transport.is_alive():
                raise
            self.start_session()
            return self.session.run(*commands)

    def vtysh_json(self, *commands: str) -> list[Any]:
        """One parsed JSON document per command; raises when vtysh prints no JSON."""
        documents: list[Any] = []
        for command, output in zip(commands, self.show(*commands), strict=True):
            try:
                found = json_documents(output)
            except ValueError as exc:
                raise CommandErrorException(f"{command}: FRR did not answer with JSON: {output.strip()[:300]}") from exc
            if len(found) != 1:
                raise CommandErrorException(f"{command}: expected one JSON document, got {len(found)}")
            documents.append(found[0])
        return documents

    def running_config(self) -> str:
        """``show running-config no-header`` through the session (and remembered, see below)."""
        (text,) = self.show(RUNNING_CONFIG)
        self._running = (time.monotonic(), text)
        return text

    def recent_running(self, max_age: float) -> str | None:
        """The running config the session read at most ``max_age`` s ago, if nothing was
        committed through this driver since."""
        if self._running is None or time.monotonic() - self._running[0] > max_age:
            return None
        return self._running[1]

    def forget_running(self) -> None:
        self._running = None

    def pending_token(self) -> str:
        """The pending commit's token, read now ("" when none). The first call of a connection
        starts the session, whose start line reads it at no extra cost."""
        if not self.session.alive:
            return self.start_session().pending
        result = self.transport.run(read_pending(self.options.work_dir))
        return result.stdout.strip()

    def utc_offset(self) -> str:
        if self._utc_offset is None:
            if not self.session.alive:
                self.start_session()
            if self._utc_offset is None:
                self._utc_offset = self.run("date +%z").stdout.strip()
        return self._utc_offset

    def close(self) -> None:
        self.session.close()
        self._running = None

    # -- exec per command ---------------------------------------------------------------------
    def vtysh_command(self, *commands: str) -> str:
        """The shell command line running ``vtysh -c C1 -c C2 ...``."""
        parts = [shlex.quote(self.options.vtysh), "-H", "/dev/null"]
        for command in commands:
            parts += ["-c", shlex.quote(command)]
        return " ".join(parts)

    def vtysh(self, *commands: str) -> CommandResult:
        return self.transport.run(self.vtysh_command(*commands))

    def script(self, script: str, *args: str, stdin: str | None = None, timeout: float | None = None) -> CommandResult:
        return self.transport.run(shell_command(script, *args), stdin=stdin, timeout=timeout)

    def run(self, command: str, stdin: str | None = None, timeout: float | None = None) -> CommandResult:
        return self.transport.run(command, stdin=stdin, timeout=timeout)

    def sections(self, commands: Mapping[str, str]) -> dict[str, str]:
        """Run several shell commands in one exec; their stdout by name (stderr is dropped)."""
        marker = f"@@napalm-frr-{uuid.uuid4().hex}@@"
        script = "\n".join(f"echo '{marker}{name}'; ({command}) 2>/dev/null" for name, command in commands.items())
        output = self.transport.run(script).stdout
        found: dict[str, str] = dict.fromkeys(commands, "")
        for chunk in output.split(marker)[1:]:
            name, _, body = chunk.partition("\n")
            if name in found:
                found[name] = body
        return found
