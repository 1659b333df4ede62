"""Nornir tasks behind ``runbook.py backup`` and ``runbook.py rollback``.

A backup holds the running config and the platform's artifact files beside it; a restore puts both
back in one commit (a file the backup does not hold is removed), keeping an edge agent's current
order of next hops (see :func:`runbook_wan.tasks.candidate.load_candidate`).
"""

from __future__ import annotations

from pathlib import Path

from nornir.core.task import Result, Task

from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.tasks.backup import BackupStore, backup_running
from runbook_wan.tasks.candidate import Artifacts, load_candidate
from runbook_wan.tasks.connection import device

#: Seconds the device waits for our confirm after a restore; we confirm as soon as we can talk to it.
RESTORE_REVERT_IN = 60


#: How many recent backups ``rollback`` considers when looking for the one before the last change.
SEARCH_DEPTH = 10


def restore_site(
    task: Task,
    store: BackupStore,
    resolver: SecretResolver,
    backups: dict[str, Path | None],
    label: str,
    platforms: dict[str, PlatformSpec] | None = None,
) -> Result:
    """Push a backup (tokens resolved), commit with a revert timer, and confirm once we still reach it.

    Without an explicit backup, the newest one the *device* says differs from its running config
    is used (the device's own diff, so formatting and masking cannot fool the choice).
    """
    driver = device(task)
    platform = (platforms or {}).get(task.host.name)
    explicit = backups.get(task.host.name)
    candidates = [explicit] if explicit else list(reversed(store.backups(task.host.name)))[:SEARCH_DEPTH]
    for path in candidates:
        files = Artifacts(platform, store.files_of(path, platform)) if platform and platform.artifacts else None
        load_candidate(task, resolver.resolve_text(path.read_text()), files)
        diff = driver.compare_config() or ""
        if not diff.strip():
            driver.discard_config()
            continue
        backup_running(task, store, f"before-{label}", platform)
        driver.commit_config(message=f"runbook {label} to {path.name}", revert_in=RESTORE_REVERT_IN)
        driver.confirm_commit()
        return Result(host=task.host, result=f"restored {path.name}", diff=diff, changed=True)
    what = "the given backup" if explicit else f"none of the last {len(candidates)} backup(s)"
    return Result(host=task.host, result=f"nothing to do: {what} differs from the running config", changed=False)


def backup_site(task: Task, store: BackupStore, label: str, platforms: dict[str, PlatformSpec] | None = None) -> Result:
    record = backup_running(task, store, label, (platforms or {}).get(task.host.name)).result
    return Result(host=task.host, result=str(record.path))
