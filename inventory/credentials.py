"""SSH credentials for the inventory: from the environment, else the lab's key-file paths.

``RUNBOOK_SSH_USER`` (default ``root``), ``RUNBOOK_SSH_KEY`` (private key file) and
``RUNBOOK_KNOWN_HOSTS`` (known_hosts file; host keys are always checked) win over the paths in
``hosts.yaml``'s ``ssh:`` block, which ``runbook.py lab up`` writes. Only paths ever appear here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from runbook_wan.inventory.hosts_file import SshPaths
from runbook_wan.results import Diagnostic, DiagnosticError

ENV_USER = "RUNBOOK_SSH_USER"
ENV_KEY = "RUNBOOK_SSH_KEY"
ENV_KNOWN_HOSTS = "RUNBOOK_KNOWN_HOSTS"
DEFAULT_USER = "root"


@dataclass(frozen=True)
class SshCredentials:
    username: str
    key_file: str | None
    known_hosts_file: str | None

    def optional_args(self) -> dict[str, str]:
        """The FRR driver's (and paramiko-based drivers') optional_args for these credentials."""
        args = {}
        if self.key_file:
            args["key_file"] = self.key_file
        if self.known_hosts_file:
            args["known_hosts_file"] = self.known_hosts_file
        return args


def ssh_credentials(environ: Mapping[str, str], lab_paths: SshPaths | None) -> SshCredentials:
    key = environ.get(ENV_KEY) or (lab_paths.key_file if lab_paths else None)
    known = environ.get(ENV_KNOWN_HOSTS) or (lab_paths.known_hosts_file if lab_paths else None)
    problems = []
    for label, env, value in (("SSH key", ENV_KEY, key), ("known_hosts file", ENV_KNOWN_HOSTS, known)):
        if value and not Path(value).expanduser().is_file():
            problems.append(
                Diagnostic(
                    "inventory-credential-file",
                    f"{label} {value} does not exist",
                    hint=f"set {env} to an existing file, or re-run `runbook.py lab up`",
                )
            )
    if problems:
        raise DiagnosticError(problems)
    return SshCredentials(
        username=environ.get(ENV_USER) or DEFAULT_USER,
        key_file=str(Path(key).expanduser()) if key else None,
        known_hosts_file=str(Path(known).expanduser()) if known else None,
    )
