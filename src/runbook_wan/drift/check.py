"""The drift check of a set of sites: intended configs, secrets, one NAPALM read per device, results kept.

:func:`check_drift` is the whole check (``runbook.py drift``, the monitoring probe through
:mod:`.metric`); :func:`run_on` runs it over an open Nornir whose hosts are already connected
(a deploy wave, right after its confirms).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from nornir.core import Nornir

from runbook_wan.credentials.redact import Redactor
from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.credentials.tokens import token_names
from runbook_wan.drift.model import DriftResult, DriftStatus
from runbook_wan.drift.store import DriftStore
from runbook_wan.drift.task import DriftJob, drift_site
from runbook_wan.model.estate import Estate
from runbook_wan.plan.model import site_digest
from runbook_wan.render.writer import SUFFIX, SiteFiles, artifact_path
from runbook_wan.results import Diagnostic, DiagnosticError
from runbook_wan.tasks.fleet import open_fleet

TASK_NAME = "drift"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def intended_files(estate: Estate, configs_dir: Path, sites: list[str]) -> dict[str, SiteFiles]:
    """``configs/<site>.cfg`` of every site and the artifacts its platform has beside it
    (``.nft``, ``.agent.json``); every missing file is reported at once."""
    wanted = {s: [SUFFIX, *(a.suffix for a in estate.platforms[estate.sites[s].platform].artifacts)] for s in sites}
    missing = [artifact_path(configs_dir, s, x) for s, suffixes in wanted.items() for x in suffixes]
    missing = [path for path in missing if not path.is_file()]
    if missing:
        raise DiagnosticError(
            [
                Diagnostic(
                    "drift-no-config",
                    f"{path} not found: nothing to compare the device with",
                    hint="run `runbook.py render` (and commit configs/), or pass --configs DIR",
                )
                for path in missing
            ]
        )
    return {
        s: {x: artifact_path(configs_dir, s, x).read_text(encoding="utf-8") for x in suffixes}
        for s, suffixes in wanted.items()
    }


def register_secrets(configs: dict[str, str], state_dir: Path, redactor: Redactor) -> None:
    """Resolve every secret the configs name, so the device's values are masked as their tokens."""
    lab_secrets = state_dir / "lab" / "secrets.yaml"
    resolver = SecretResolver(redactor, extra_files=[lab_secrets] if lab_secrets.is_file() else [])
    names = sorted({n for text in configs.values() for n in token_names(text)})
    missing = [n for n in names if not resolver.is_set(n)]
    if missing:
        raise DiagnosticError(
            [
                Diagnostic(
                    "drift-secret-missing",
                    f"secret {n!r} is not set: drift compares secret values (masked), so it needs them",
                    hint=resolver.missing(n).hint,
                )
                for n in missing
            ]
        )
    for name in names:
        resolver.lookup(name)  # checked, then registered: the device shows the value, the diff its token


def jobs_for(estate: Estate, sites: dict[str, SiteFiles], source: str) -> dict[str, DriftJob]:
    checked_at = now_iso()
    return {
        site: DriftJob(
            site=site,
            intended=files[SUFFIX],
            platform=estate.platforms[estate.sites[site].platform],
            checked_at=checked_at,
            source=source,
            intended_sha256=site_digest(files),
            files={suffix: text for suffix, text in files.items() if suffix != SUFFIX},
        )
        for site, files in sites.items()
    }


def run_on(nornir: Nornir, jobs: dict[str, DriftJob], redactor: Redactor) -> list[DriftResult]:
    """One result per job, in job order; a host that crashed the task counts as unreachable."""
    selected = nornir.filter(filter_func=lambda host, names=frozenset(jobs): host.name in names)
    aggregated = selected.run(task=drift_site, name=TASK_NAME, jobs=jobs, redactor=redactor, on_failed=True)
    results: list[DriftResult] = []
    for site, job in jobs.items():
        multi = aggregated.get(site)
        found = multi[0].result if multi else None
        if isinstance(found, DriftResult):
            results.append(found)
            continue
        detail = str(multi[0].exception) if multi and multi[0].exception else "no result"
        error = redactor.mask(f"unreachable: {detail}")
        results.append(DriftResult(site, DriftStatus.UNREACHABLE, job.checked_at, job.source, error=error))
    return results


def check_drift(
    estate: Estate,
    sites: list[str],
    configs_dir: Path,
    inventory_dir: Path,
    state_dir: Path,
    redactor: Redactor,
    *,
    workers: int = 20,
    source: str = "drift",
    save: bool = True,
) -> list[DriftResult]:
    """Compare every selected site's running config with ``configs_dir/<site>.cfg`` (and its files
    with the artifacts beside it); keep each result."""
    files = intended_files(estate, configs_dir, sites)
    register_secrets({s: f[SUFFIX] for s, f in files.items()}, state_dir, redactor)
    nornir = open_fleet(estate, sites, inventory_dir, workers)
    try:
        results = run_on(nornir, jobs_for(estate, files, source), redactor)
    finally:
        nornir.close_connections(on_good=True, on_failed=True)
    if save:
        store = DriftStore(state_dir, redactor)
        for result in results:
            store.save(result)
    return results
