"""Commit with a device-side revert timer, confirm, and roll back."""

from __future__ import annotations

from nornir.core.task import Result, Task

from runbook_wan.tasks.connection import device


def commit_candidate(task: Task, revert_in: int, message: str) -> Result:
    """Apply the candidate; the device reverts by itself after ``revert_in`` s unless confirmed."""
    device(task).commit_config(message=message, revert_in=revert_in)
    return Result(host=task.host, changed=True)


def confirm(task: Task) -> Result:
    device(task).confirm_commit()
    return Result(host=task.host)


def has_pending_commit(task: Task) -> Result:
    return Result(host=task.host, result=bool(device(task).has_pending_commit()))


def rollback(task: Task) -> Result:
    """Back to the config before the last commit (a pending commit is reverted at once)."""
    device(task).rollback()
    return Result(host=task.host, changed=True)


def replace_and_commit(task: Task, config: str, message: str) -> Result:
    """Push a whole config and commit it (used by ``runbook.py rollback --to BACKUP``)."""
    driver = device(task)
    driver.load_replace_candidate(config=config)
    diff = driver.compare_config() or ""
    if not diff.strip():
        driver.discard_config()
        return Result(host=task.host, diff="", changed=False)
    driver.commit_config(message=message)
    return Result(host=task.host, diff=diff, changed=True)
