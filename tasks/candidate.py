"""Load the intended config as a replace candidate, diff it, or drop it."""

from __future__ import annotations

from nornir.core.task import Result, Task

from runbook_wan.tasks.connection import device


def load_candidate(task: Task, config: str) -> Result:
    """The device syntax-checks the candidate; nothing is applied yet."""
    device(task).load_replace_candidate(config=config)
    return Result(host=task.host)


def compare_candidate(task: Task) -> Result:
    """The device's own diff of candidate against running; empty means nothing to do."""
    diff = device(task).compare_config() or ""
    return Result(host=task.host, diff=diff, changed=bool(diff.strip()))


def discard_candidate(task: Task) -> Result:
    device(task).discard_config()
    return Result(host=task.host)
