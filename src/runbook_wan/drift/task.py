"""Nornir task: read one device's running config through NAPALM and compare it (see :mod:`.compare`)."""

from __future__ import annotations

from dataclasses import dataclass

from nornir.core.task import Result, Task

from runbook_wan.credentials.redact import Redactor
from runbook_wan.drift.compare import compare, mask_unknown_secrets
from runbook_wan.drift.model import DriftResult, DriftStatus
from runbook_wan.drift.steered import SteeredSequences
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.tasks.connection import device


@dataclass(frozen=True)
class DriftJob:
    site: str
    #: The intended config, secrets as ``<secret:NAME>`` tokens (``configs/<site>.cfg``, or what a
    #: rollout just pushed).
    intended: str
    platform: PlatformSpec
    checked_at: str
    source: str
    intended_sha256: str | None = None
    #: The edge agent's sequences (from the site's agent policy): their nexthop order is the agent's.
    steered: SteeredSequences | None = None


def _running(task: Task, sanitized: bool) -> str:
    config: str = device(task).get_config(retrieve="running", sanitized=sanitized)["running"]
    return config


def drift_site(task: Task, jobs: dict[str, DriftJob], redactor: Redactor) -> Result:
    job = jobs[task.host.name]

    def unreachable(exc: Exception) -> Result:
        message = redactor.mask(f"unreachable: {type(exc).__name__}: {exc}".strip())
        result = DriftResult(job.site, DriftStatus.UNREACHABLE, job.checked_at, job.source, error=message)
        return Result(host=task.host, result=result)

    try:
        running = redactor.mask(_running(task, sanitized=False))
    except Exception as exc:  # noqa: BLE001 - per-site boundary: an unreachable site is reported, never a crash
        return unreachable(exc)
    result = compare(
        job.site,
        job.intended,
        running,
        job.platform,
        checked_at=job.checked_at,
        source=job.source,
        intended_sha256=job.intended_sha256,
        steered=job.steered,
    )
    if result.status is DriftStatus.DRIFT:
        # The diff will show device lines: take out any secret value the redactor does not know.
        try:
            sanitized = _running(task, sanitized=True)
        except Exception as exc:  # noqa: BLE001 - same boundary; no diff is shown without the sanitized view
            return unreachable(exc)
        result = compare(
            job.site,
            job.intended,
            mask_unknown_secrets(running, redactor.mask(sanitized)),
            job.platform,
            checked_at=job.checked_at,
            source=job.source,
            intended_sha256=job.intended_sha256,
            steered=job.steered,
        )
    return Result(host=task.host, result=result)
