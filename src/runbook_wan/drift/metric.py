"""``runbook_config_drift`` for the monitoring probe: run the drift check on a timer, set the gauge.

The probe owns its registry and its timer; it calls :func:`refresh_config_drift` every drift
interval (the check takes one NAPALM read per device, so minutes, not seconds)::

    gauge = Gauge(metrics.CONFIG_DRIFT, "...", [metrics.SITE, metrics.REGION], registry=registry)
    refresh_config_drift(gauge, estate, configs_dir, inventory_dir, state_dir, redactor)

1 while a site drifts, 0 while in sync; an unreachable site's series is removed (drift unknown:
reachability has its own alerts). Results are also kept in ``<state>/drift/`` for the page.
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client import Gauge

from runbook_wan.credentials.redact import Redactor
from runbook_wan.drift.check import check_drift
from runbook_wan.drift.model import DriftResult, DriftStatus
from runbook_wan.model.estate import Estate
from runbook_wan.ops import metrics


def drift_values(results: list[DriftResult]) -> dict[str, float | None]:
    """Per site: 1.0 drift, 0.0 in sync, None unknown."""
    values: dict[str, float | None] = {}
    for result in results:
        if result.status is DriftStatus.UNREACHABLE:
            values[result.site] = None
        else:
            values[result.site] = 1.0 if result.status is DriftStatus.DRIFT else 0.0
    return values


def export_drift(gauge: Gauge, estate: Estate, results: list[DriftResult]) -> None:
    """Set ``runbook_config_drift{site, region}`` from results (the gauge's labels: site, region, in that order)."""
    for site, value in drift_values(results).items():
        labels = {metrics.SITE: site, metrics.REGION: estate.sites[site].region}
        if value is None:
            gauge.remove(labels[metrics.SITE], labels[metrics.REGION])  # a no-op if never exported
        else:
            gauge.labels(**labels).set(value)


def refresh_config_drift(
    gauge: Gauge,
    estate: Estate,
    configs_dir: Path,
    inventory_dir: Path,
    state_dir: Path,
    redactor: Redactor,
    *,
    sites: list[str] | None = None,
    workers: int = 10,
) -> list[DriftResult]:
    """Check drift of ``sites`` (default: every site) and export it. Returns the results."""
    chosen = sites if sites is not None else estate.site_ids()
    results = check_drift(
        estate, chosen, configs_dir, inventory_dir, state_dir, redactor, workers=workers, source="probe"
    )
    export_drift(gauge, estate, results)
    return results
