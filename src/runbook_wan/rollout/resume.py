"""Continue an interrupted rollout from its journal."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbook_wan.results import Diagnostic, DiagnosticError
from runbook_wan.rollout.journal import journal_path, read_journal, rollouts_dir
from runbook_wan.tasks.outcome import Outcome


@dataclass
class PriorRun:
    rollout_id: str
    header: dict[str, Any]
    outcomes: dict[str, Outcome]

    @property
    def waves(self) -> list[list[str]]:
        return [list(w) for w in self.header["waves"]]

    @property
    def hashes(self) -> dict[str, str]:
        return dict(self.header["sha256"])


def load_prior(state: Path, rollout_id: str) -> PriorRun:
    path = journal_path(state, rollout_id)
    records = list(read_journal(path))
    header = next((r for r in records if r.get("kind") == "rollout"), None)
    if header is None:
        known = sorted(p.name for p in rollouts_dir(state).glob("*") if p.is_dir())
        raise DiagnosticError(
            [
                Diagnostic(
                    "resume-unknown",
                    f"no rollout {rollout_id!r} in {rollouts_dir(state)}",
                    hint="known rollouts: " + (", ".join(known[-5:]) or "none"),
                )
            ]
        )
    if header.get("check"):
        raise DiagnosticError(
            [
                Diagnostic(
                    "resume-check",
                    f"rollout {rollout_id} was a --check run",
                    hint="a check changes nothing; just run deploy",
                )
            ]
        )
    outcomes = {r["site"]: Outcome(r["outcome"]) for r in records if r.get("kind") == "site"}
    return PriorRun(rollout_id, header, outcomes)


def check_unchanged(prior: PriorRun, hashes: dict[str, str]) -> None:
    """A resumed rollout pushes exactly what the original one planned."""
    changed = sorted(s for s, digest in prior.hashes.items() if hashes.get(s) != digest)
    if changed:
        raise DiagnosticError(
            [
                Diagnostic(
                    "resume-changed",
                    f"the rendered configs changed since rollout {prior.rollout_id} started: {', '.join(changed[:10])}",
                    hint="resume only continues the same change; start a new rollout (runbook.py deploy) instead",
                )
            ]
        )
