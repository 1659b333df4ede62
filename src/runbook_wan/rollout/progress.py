"""Live progress of a rollout: a Nornir processor feeding a rich progress bar per wave."""

from __future__ import annotations

from collections.abc import Callable

from nornir.core.inventory import Host
from nornir.core.task import AggregatedResult, MultiResult, Task

from runbook_wan.tasks.outcome import SiteReport

DEPLOY_TASK = "deploy_site"


class SiteDone:
    """Nornir processor: calls ``on_done(report)`` when a host finishes the per-site task."""

    def __init__(self, on_done: Callable[[SiteReport], None]) -> None:
        self.on_done = on_done

    # Nornir calls these positionally; only a finished per-site task matters here.
    def task_started(self, _task: Task) -> None:
        return None

    def task_completed(self, _task: Task, _result: AggregatedResult) -> None:
        return None

    def task_instance_started(self, _task: Task, _host: Host) -> None:
        return None

    def task_instance_completed(self, task: Task, _host: Host, result: MultiResult) -> None:
        if task.name == DEPLOY_TASK and result and isinstance(result[0].result, SiteReport):
            self.on_done(result[0].result)

    def subtask_instance_started(self, _task: Task, _host: Host) -> None:
        return None

    def subtask_instance_completed(self, _task: Task, _host: Host, _result: MultiResult) -> None:
        return None
