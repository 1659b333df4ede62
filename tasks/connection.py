"""The NAPALM driver of a Nornir host (nornir_napalm's ``napalm`` connection plugin)."""

from __future__ import annotations

import time
from typing import Any

from nornir.core.task import Result, Task

from runbook_wan.tasks.faults import connection_lost

CONNECTION = "napalm"


def device(task: Task) -> Any:
    """The host's open NAPALM driver (opened on first use, reused by later steps)."""
    return task.host.get_connection(CONNECTION, task.nornir.config)


def connect(task: Task) -> Result:
    """Open the SSH/API session now, so an unreachable device fails here, before anything else."""
    device(task)
    return Result(host=task.host)


def reopen(task: Task, deadline: float, pause: float = 2.0) -> bool:
    """Open the host's driver again after a lost connection, retrying until ``deadline`` (monotonic).

    The same driver object is reopened (``open()``; a driver whose session is dead must not be
    asked to close it cleanly first, which would wait for the dead session), so what the driver
    knows about the device survives. False when the device stayed unreachable.
    """
    driver = device(task)
    while True:
        try:
            driver.open()
        except Exception as exc:  # noqa: BLE001 - classified just below; anything else is not "unreachable"
            if not connection_lost(exc) or time.monotonic() + pause >= deadline:
                return False
            time.sleep(pause)
        else:
            return True
