"""The pane's lab workspace: a git repository with intents/, configs/ and inventory/, and a lab built from it."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pagekit import REPO

from runbook_wan import cli as runbook
from runbook_wan.lab.api import Lab

PREFIX = "rbtg" + os.environ.get("RUNBOOK_TEST_LAB_TAG", "")
SITES = ("atl-061", "chi-021", "sea-001")


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    )
    return done.stdout.strip()


@dataclass
class Workspace:
    """A git repository with intents/, configs/ and inventory/, and a lab built from it."""

    root: Path
    lab: Lab
    outputs: list[str] = field(default_factory=list)

    @property
    def intents(self) -> Path:
        return self.root / "intents"

    @property
    def configs(self) -> Path:
        return self.root / "configs"

    @property
    def inventory(self) -> Path:
        return self.root / "inventory"

    @property
    def state(self) -> Path:
        return self.root / ".runbook"

    def cli(self, *argv: str) -> tuple[int, str]:
        """runbook.py in a subprocess from the workspace (as an operator runs it); exit code and output."""
        done = subprocess.run(
            [
                "python3",
                str(REPO / "runbook.py"),
                "--no-color",
                "--workspace",
                str(self.root),
                "--state",
                str(self.state),
                *argv,
            ],
            capture_output=True,
            text=True,
            cwd=self.root,
            env={**os.environ, "PYTHONPATH": f"{REPO / 'src'}:{REPO / 'napalm_frr' / 'src'}", "COLUMNS": "200"},
            check=False,
        )
        text = done.stdout + done.stderr
        self.outputs.append(text)
        return done.returncode, text

    def edit(self, relative: str, pattern: str, replacement: str) -> None:
        path = self.intents / relative
        text, count = re.subn(pattern, replacement, path.read_text(), flags=re.MULTILINE)
        assert count, f"{pattern!r} not found in {path}"
        path.write_text(text)

    def render_and_commit(self, message: str, env: dict[str, str] | None = None) -> str:
        assert (
            runbook.main(["--no-color", "render", "--intents", str(self.intents), "--configs", str(self.configs)]) == 0
        )
        git(self.root, "add", "-A", "intents", "configs")
        git(self.root, "commit", "-q", "-m", message, env=env)
        return git(self.root, "rev-parse", "HEAD")

    def ssh(self, site: str, *vtysh: str) -> None:
        """A hand change on the device, over its management SSH like an operator's."""
        args = " ".join("-c " + _quote(c) for c in vtysh)
        subprocess.run(
            [
                "ssh",
                "-i",
                str(self.lab.key_file),
                "-o",
                f"UserKnownHostsFile={self.lab.known_hosts_file}",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "BatchMode=yes",
                "-p",
                "22",
                f"root@{self.lab.management_address(site)}",
                f"vtysh {args}",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def secret_values(self) -> list[str]:
        """Every secret value the lab generated (BGP passwords)."""
        import yaml

        values: list[str] = []
        for path in self.lab.secrets_files:
            values += [str(v) for v in (yaml.safe_load(path.read_text()) or {}).values()]
        assert values, "the lab generated no secret to look for"
        return values


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
