"""Commands on the FRR box: vtysh (text / JSON), device scripts, several shell commands in one exec."""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Mapping
from typing import Any

from napalm.base.exceptions import CommandErrorException

from napalm_frr.device_scripts import shell_command
from napalm_frr.options import DriverOptions
from napalm_frr.parsers.common import json_documents
from napalm_frr.transport import CommandResult, SshTransport


class FrrShell:
    """The driver's view of the box: everything goes through one :class:`SshTransport`."""

    def __init__(self, transport: SshTransport, options: DriverOptions) -> None:
        self.transport = transport
        self.options = options

    def vtysh_command(self, *commands: str) -> str:
        """The shell command line running ``vtysh -c C1 -c C2 ...``."""
        parts = [shlex.quote(self.options.vtysh)]
        for command in commands:
            parts += ["-c", shlex.quote(command)]
        return " ".join(parts)

    def vtysh(self, *commands: str) -> CommandResult:
        return self.transport.run(self.vtysh_command(*commands))

    def vtysh_json(self, *commands: str) -> list[Any]:
        """One parsed JSON document per command; raises when vtysh fails or prints no JSON."""
        result = self.vtysh(*commands)
        if not result.ok:
            raise CommandErrorException(
                f"{' / '.join(commands)} failed (rc {result.exit_status}): {(result.stderr or result.stdout).strip()}"
            )
        try:
            documents = json_documents(result.stdout)
        except ValueError as exc:
            raise CommandErrorException(f"{' / '.join(commands)}: FRR did not answer with JSON: {exc}") from exc
        if len(documents) != len(commands):
            raise CommandErrorException(
                f"{' / '.join(commands)}: expected {len(commands)} JSON documents, got {len(documents)}"
            )
        return documents

    def script(self, script: str, *args: str, stdin: str | None = None, timeout: float | None = None) -> CommandResult:
        return self.transport.run(shell_command(script, *args), stdin=stdin, timeout=timeout)

    def run(self, command: str, timeout: float | None = None) -> CommandResult:
        return self.transport.run(command, timeout=timeout)

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
