"""The NAPALM driver of a Nornir host (nornir_napalm's ``napalm`` connection plugin)."""

from __future__ import annotations

from typing import Any

from nornir.core.task import Result, Task

CONNECTION = "napalm"


def device(task: Task) -> Any:
    """The host's open NAPALM driver (opened on first use, reused by later steps)."""
    return task.host.get_connection(CONNECTION, task.nornir.config)


def connect(task: Task) -> Result:
    """Open the SSH/API session now, so an unreachable device fails here, before anything else."""
    device(task)
    return Result(host=task.host)
