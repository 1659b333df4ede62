"""Nornir task: read one device's running config (and its artifact files) through NAPALM and compare
them (see :mod:`.compare`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nornir.core.task import Result, Task

from runbook_wan.credentials.redact import Redactor
from runbook_wan.drift.compare import compare, compare_files, mask_unknown_secrets
from runbook_wan.drift.model import DriftResult, DriftStatus
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.tasks.connection import device
from runbook_wan.tasks.sidecars import read_device_files


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
    #: The platform's artifacts beside the config, by suffix (``.nft``, ``.agent.json``).
    files: dict[str, str] = field(default_factory=dict)


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
        files = read_device_files(device(task), job.platform, list(job.files)) if job.files else {}
    except Exception as exc:  # noqa: BLE001 - per-site boundary: an unreachable site is reported, never a crash
        return unreachable(exc)
    file_hunks = compare_files(job.files, {k: None if v is None else redactor.mask(v) for k, v in files.items()})
    policy = job.files.get(_agent_suffix(job.platform) or "")
    result = compare(
        job.site,
        job.intended,
        running,
        job.platform,
        checked_at=job.checked_at,
        source=job.source,
        intended_sha256=job.intended_sha256,
        agent_policy=policy,
        extra=file_hunks,
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
            agent_policy=policy,
            extra=file_hunks,
        )
    return Result(host=task.host, result=result)


def _agent_suffix(platform: PlatformSpec) -> str | None:
    artifact = platform.artifact("agent_policy")
    return artifact.suffix if artifact is not None else None
