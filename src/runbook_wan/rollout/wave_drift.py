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
from runbook_wan.drift.steered import agent_policy_suffix
from runbook_wan.drift.store import DriftStore
from runbook_wan.render.pipeline import RenderResult


def check_wave(
    nornir: Nornir, sites: list[str], rendered: RenderResult, rollout_id: str, state_dir: Path, redactor: Redactor
) -> list[DriftResult]:
    if not sites:
        return []
    policies = {}
    for site in sites:
        suffix = agent_policy_suffix(rendered.estate.platforms[rendered.estate.sites[site].platform])
        if suffix and suffix in rendered.configs[site].sidecars:
            policies[site] = rendered.configs[site].sidecars[suffix]
    configs = {s: rendered.configs[s].text for s in sites}
    jobs = jobs_for(rendered.estate, configs, source=f"deploy {rollout_id}", policies=policies)
    results = run_on(nornir, jobs, redactor)
    store = DriftStore(state_dir, redactor)
    for found in results:
        store.save(found)
    return results
