"""Load the intended config as a replace candidate (with the platform's artifact files), diff it, or drop it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nornir.core.task import Result, Task

from runbook_wan.model.platform import PlatformSpec
from runbook_wan.render.live_steering import SteeredGroup, adopt_live_order
from runbook_wan.tasks.connection import device
from runbook_wan.tasks.sidecars import load_sidecars


@dataclass(frozen=True)
class Artifacts:
    """A site's artifact files to deploy with its config: suffix -> text (None: must not exist)."""

    platform: PlatformSpec
    files: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def agent_policy(self) -> str | None:
        artifact = self.platform.artifact("agent_policy")
        return self.files.get(artifact.suffix) if artifact is not None else None


def load_candidate(task: Task, config: str, artifacts: Artifacts | None = None) -> Result:
    """The device syntax-checks the candidate (and checks each artifact file); nothing is applied yet.

    Where the site runs an edge agent, the candidate keeps the order the agent gave each steering
    group's next hops (:mod:`runbook_wan.render.live_steering`): a deploy never undoes a move; the
    config saved for the next restart is ``config`` itself, in the rendered order. The result lists
    the groups found steered.
    """
    driver = device(task)
    candidate, steered = config, list[SteeredGroup]()
    if artifacts is not None and artifacts.agent_policy is not None:
        agent = artifacts.platform.artifact("agent_policy")
        running = driver.get_config(retrieve="running")["running"]
        candidate, steered = adopt_live_order(config, running, artifacts.agent_policy, agent.steers if agent else None)
    driver.load_replace_candidate(config=candidate)
    if artifacts is not None:
        load_sidecars(driver, artifacts.platform, artifacts.files, startup=config if steered else None)
    return Result(host=task.host, result=steered)


def compare_candidate(task: Task) -> Result:
    """The device's own diff of candidate against running (and of each artifact file); empty means nothing to do."""
    diff = device(task).compare_config() or ""
    return Result(host=task.host, diff=diff, changed=bool(diff.strip()))


def discard_candidate(task: Task) -> Result:
    device(task).discard_config()
    return Result(host=task.host)
