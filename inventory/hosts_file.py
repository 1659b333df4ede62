"""``<inventory dir>/hosts.yaml``: the management address of each site (and, for the lab, where
its SSH key and known_hosts file are).

Written by ``runbook.py lab up``; for a real estate, written by hand or by an IPAM export. It is
git-ignored and never holds credentials, only paths to key files::

    written_by: runbook lab rb          # only when the lab wrote it
    ssh:                                # optional
      key_file: /abs/path/id_ed25519
      known_hosts_file: /abs/path/known_hosts
    hosts:
      chi-021: {hostname: 198.18.0.15}
      sea-001: {hostname: 198.18.0.61, port: 22}
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from runbook_wan.results import Diagnostic, DiagnosticError, SourceLocation

HOSTS_FILE = "hosts.yaml"
LAB_MARK = "runbook lab"


class HostEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hostname: str = Field(description="Management address (or DNS name) to connect to.")
    port: int | None = Field(default=None, ge=1, le=65535)


class SshPaths(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_file: str | None = None
    known_hosts_file: str | None = None


class HostsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    written_by: str | None = None
    ssh: SshPaths | None = None
    hosts: dict[str, HostEntry] = Field(default_factory=dict)


def hosts_path(inventory_dir: Path) -> Path:
    return inventory_dir / HOSTS_FILE


def read_hosts_file(inventory_dir: Path) -> HostsFile:
    """The hosts file, or an empty one if it does not exist; bad content is a clear error."""
    path = hosts_path(inventory_dir)
    if not path.is_file():
        return HostsFile()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return HostsFile.model_validate(data)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise DiagnosticError(
            [
                Diagnostic(
                    "hosts-file-syntax",
                    f"{path} is not valid YAML",
                    location=SourceLocation(str(path), (line or 0) + 1),
                    hint="fix the YAML, or delete the file and run `runbook.py lab up` to rewrite it",
                )
            ]
        ) from None
    except ValidationError as exc:
        raise DiagnosticError(
            [
                Diagnostic(
                    "hosts-file-schema",
                    f"{path}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}",
                    location=SourceLocation(str(path)),
                    hint="expected `hosts: {SITE: {hostname: ADDRESS}}` and optionally "
                    "`ssh: {key_file, known_hosts_file}`",
                )
                for err in exc.errors()
            ]
        ) from None


def write_hosts_file(inventory_dir: Path, content: HostsFile, header: str) -> Path:
    inventory_dir.mkdir(parents=True, exist_ok=True)
    path = hosts_path(inventory_dir)
    text = "".join(f"# {line}\n" for line in header.splitlines())
    text += yaml.safe_dump(content.model_dump(exclude_none=True), sort_keys=False, default_flow_style=False)
    fd, tmp = tempfile.mkstemp(dir=inventory_dir, prefix=".hosts.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    Path(tmp).chmod(0o644)
    Path(tmp).replace(path)
    return path


def lab_mark(prefix: str) -> str:
    return f"{LAB_MARK} {prefix}"


def remove_if_written_by(path: Path, prefix: str) -> bool:
    """Delete a hosts file the lab ``prefix`` wrote (never one written by hand)."""
    if not path.is_file():
        return False
    try:
        written_by = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("written_by")
    except (yaml.YAMLError, AttributeError):
        return False
    if written_by != lab_mark(prefix):
        return False
    path.unlink()
    return True
