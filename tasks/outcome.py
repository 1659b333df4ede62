"""What happened to each site in a rollout, with the evidence for it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from runbook_wan.results import Status


class Outcome(StrEnum):
    #: Committed, health gate passed, confirmed.
    CHANGED = "changed"
    #: The device already ran this config; nothing was committed.
    UNCHANGED = "unchanged"
    #: ``--check``: the device's own diff was recorded; nothing was committed.
    CHECKED = "checked"
    #: Committed, gate failed (or an error after commit): the old config was restored and verified.
    ROLLED_BACK = "rolled_back"
    #: Failed before any commit (unreachable, candidate rejected): the device was not changed.
    FAILED = "failed"
    #: The rollout halted before this site's wave.
    NOT_STARTED = "not_started"

    @property
    def status(self) -> Status:
        return {
            Outcome.CHANGED: Status.SUCCESS,
            Outcome.UNCHANGED: Status.SUCCESS,
            Outcome.CHECKED: Status.SUCCESS,
            Outcome.ROLLED_BACK: Status.FAILURE,
            Outcome.FAILED: Status.ERROR,
            Outcome.NOT_STARTED: Status.SKIPPED,
        }[self]

    @property
    def done(self) -> bool:
        """Finished for good: a resumed rollout skips it."""
        return self in (Outcome.CHANGED, Outcome.UNCHANGED)

    @property
    def counts_as_failure(self) -> bool:
        return self in (Outcome.ROLLED_BACK, Outcome.FAILED)


@dataclass
class StepRecord:
    name: str
    status: Status
    seconds: float
    detail: str = ""


@dataclass
class SiteReport:
    site: str
    outcome: Outcome = Outcome.NOT_STARTED
    reason: str = ""
    wave: int | None = None
    steps: list[StepRecord] = field(default_factory=list)
    #: The device's own diff against its running config (secrets masked).
    device_diff: str = ""
    #: What the health gate saw on its last poll.
    gate: dict[str, Any] = field(default_factory=dict)
    backup: str | None = None
    sha256_before: str | None = None
    sha256_after: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        data["status"] = self.outcome.status.value
        for step in data["steps"]:
            step["status"] = str(step["status"])
        return data
