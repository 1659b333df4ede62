"""What each device would change: its own diff of the intended config against what it runs.

Used before a rollout's first wave, so the blast-radius gate also counts what the devices will
actually do (a device changed by hand differs from its intended config although ``configs/`` did
not change). Nothing is committed: the candidate is loaded, diffed and discarded; a commit left
pending by an interrupted rollout is reported, not touched (its wave recovers it).
"""

from __future__ import annotations

from dataclasses import dataclass

from nornir.core import Nornir
from nornir.core.task import Result, Task

from runbook_wan.tasks.candidate import Artifacts, load_candidate
from runbook_wan.tasks.connection import device


@dataclass(frozen=True)
class DevicePreview:
    #: The device's own diff (secrets in clear on some platforms: mask before showing it).
    diff: str = ""
    #: A commit is pending on the device (an interrupted rollout): it will change whatever the diff says.
    pending: bool = False
    #: Why the device could not be asked ("" when it answered).
    error: str = ""

    @property
    def changes(self) -> bool:
        return self.pending or bool(self.diff.strip())


def preview_site(task: Task, configs: dict[str, str], artifacts: dict[str, Artifacts] | None = None) -> Result:
    """One device: pending commit?, load the candidate (and its artifacts), diff, discard. Never raises."""
    try:
        driver = device(task)
        pending = bool(driver.has_pending_commit())
        load_candidate(task, configs[task.host.name], (artifacts or {}).get(task.host.name))
        try:
            diff = driver.compare_config() or ""
        finally:
            driver.discard_config()
    except Exception as exc:  # noqa: BLE001 - any failure means "could not ask"; the wave reports it properly
        return Result(host=task.host, result=DevicePreview(error=f"{type(exc).__name__}: {exc}"))
    return Result(host=task.host, result=DevicePreview(diff=diff, pending=pending))


def preview(
    nornir: Nornir, configs: dict[str, str], artifacts: dict[str, Artifacts] | None = None
) -> dict[str, DevicePreview]:
    """Every device of ``configs`` (site -> config to push, secrets resolved; ``artifacts``: each
    site's files to deploy with it), in parallel."""
    selected = nornir.filter(filter_func=lambda host: host.name in configs)
    aggregated = selected.run(task=preview_site, name="preview", configs=configs, artifacts=artifacts)
    found: dict[str, DevicePreview] = {}
    for site in configs:
        multi = aggregated.get(site)
        result = multi[0].result if multi else None
        found[site] = result if isinstance(result, DevicePreview) else DevicePreview(error="no result")
    return found
