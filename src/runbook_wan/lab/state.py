"""``<state>/lab/lab.json``: the running lab's record (topology plus what ``down`` must undo).

Written before anything is created, so a crash half-way through ``up`` still leaves ``down`` a
complete list of what may exist.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from runbook_wan.lab.device import LabLayout
from runbook_wan.lab.topology import SiteNode, Topology
from runbook_wan.results import Diagnostic, DiagnosticError

LAB_SUBDIR = "lab"


class LabRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topology: Topology
    created: str  # ISO 8601, UTC
    #: The ``--state`` folder (absolute); runtime files are under ``<state_dir>/lab``.
    state_dir: str
    intents: str
    #: Folder of rendered configs the sites booted with; None = day-0 configs.
    configs: str | None
    #: Files holding secrets the lab resolved (besides env and the user's secrets file).
    secrets_files: list[str]
    #: Where ``up`` wrote the Nornir hosts file, if it did.
    hosts_file: str | None
    #: Kernel settings ``up`` raised and their previous values (restored by ``down``).
    sysctl_restore: dict[str, str] = {}
    #: Every site runs the SD-WAN edge agent (``lab up`` without ``--no-agents``).
    agents: bool = True

    @property
    def prefix(self) -> str:
        return self.topology.prefix

    @property
    def layout(self) -> LabLayout:
        return layout(Path(self.state_dir))

    def site(self, site: str) -> SiteNode:
        node = self.topology.sites.get(site)
        if node is None:
            raise DiagnosticError(
                [
                    Diagnostic(
                        "lab-unknown-site",
                        f"site {site!r} is not in the lab",
                        hint="lab sites: " + ", ".join(sorted(self.topology.sites)),
                    )
                ]
            )
        return node


def layout(state_dir: Path) -> LabLayout:
    return LabLayout(state_dir.resolve() / LAB_SUBDIR)


def save(record: LabRecord, lab_layout: LabLayout) -> None:
    lab_layout.ensure()
    fd, tmp = tempfile.mkstemp(dir=lab_layout.root, prefix=".lab.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(record.model_dump_json(indent=2) + "\n")
    Path(tmp).replace(lab_layout.record)


def load_optional(state_dir: Path) -> LabRecord | None:
    path = layout(state_dir).record
    if not path.is_file():
        return None
    return LabRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))


def load(state_dir: Path) -> LabRecord:
    """The running lab, or a clear error when there is none."""
    record = load_optional(state_dir)
    if record is None:
        raise DiagnosticError(
            [
                Diagnostic(
                    "lab-not-running",
                    f"no lab found under {layout(state_dir).root}",
                    hint="start one with `runbook.py lab up` (or pass the --state it was started with)",
                )
            ]
        )
    return record


def remove(lab_layout: LabLayout) -> None:
    lab_layout.record.unlink(missing_ok=True)
