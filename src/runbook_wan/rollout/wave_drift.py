"""Drift right after a wave's confirms: a site that does not run what it just confirmed is a finding.

Runs the drift check (:mod:`runbook_wan.drift`) over the wave's open connections for every site
that ended confirmed or unchanged, against the config the rollout pushed; keeps each result in
``<state>/drift/`` (the status page shows it) and returns them.
"""

from __future__ import annotations

from pathlib import Path

from nornir.core import Nornir

from runbook_wan.credentials.redact import Redactor
from runbook_wan.drift.check import jobs_for, run_on
from runbook_wan.drift.model import DriftResult
from runbook_wan.drift.store import DriftStore
from runbook_wan.render.pipeline import RenderResult


def check_wave(
    nornir: Nornir, sites: list[str], rendered: RenderResult, rollout_id: str, state_dir: Path, redactor: Redactor
) -> list[DriftResult]:
    if not sites:
        return []
    jobs = jobs_for(rendered.estate, {s: rendered.configs[s].files for s in sites}, source=f"deploy {rollout_id}")
    results = run_on(nornir, jobs, redactor)
    store = DriftStore(state_dir, redactor)
    for found in results:
        store.save(found)
    return results
