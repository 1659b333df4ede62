"""Nornir task: the location-level health of one site (see :mod:`verify`)."""

from __future__ import annotations

from nornir.core.task import Result, Task

from runbook_wan.facts.models import SiteFacts
from runbook_wan.tasks.connection import device
from runbook_wan.verify.model import SiteHealth, SiteState
from runbook_wan.verify.site_checks import check_site


def verify_site(task: Task, facts: dict[str, SiteFacts]) -> Result:
    site = facts[task.host.name]
    try:
        driver = device(task)
    except Exception as exc:  # noqa: BLE001 - per-site boundary: an unreachable site is "unknown", not a crash
        health = SiteHealth(site=site.site, state=SiteState.UNKNOWN, error=f"unreachable: {exc}")
    else:
        health = check_site(driver, site)
    return Result(host=task.host, result=health, failed=not health.up)
