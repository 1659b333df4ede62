"""What happened to each site in a rollout, with the evidence for it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from runbook_wan.results import Status


class Outcome(StrEnum):
    """Where the site ended. Each label is only used when it was verified on the device."""

    #: Committed, health gate passed, confirmed: the site runs its new, verified config.
    CHANGED = "changed"
    #: The device already ran this config; nothing was committed.
    UNCHANGED = "unchanged"
    #: ``--check``: the device's own diff was recorded; nothing was committed.
    CHECKED = "checked"
    #: A rollback ran (ours, or the device's revert timer) and the device's own diff against the
    #: backup is empty: the site runs its old config.
    ROLLED_BACK = "rolled_back"
    #: Failed before the commit (unreachable, candidate rejected), or the commit did not apply
    #: (verified): the device was not changed.
    FAILED = "failed"
    #: The connection was lost during or after the commit and could not be re-established: the
    #: device's revert timer restores the old config by itself unless the commit is confirmed
    #: (nothing will confirm it). Not verified.
    REVERT_PENDING = "revert_pending"
    #: A rollback ran but the device's running config could not be shown to equal the backup.
    UNVERIFIED = "unverified"
    #: The rollout halted before this site's wave.
    NOT_STARTED = "not_started"

    @property
    def status(self) -> Status:
        """The default status of the outcome (a :class:`SiteReport` may say failure vs error)."""
        return {
            Outcome.CHANGED: Status.SUCCESS,
            Outcome.UNCHANGED: Status.SUCCESS,
            Outcome.CHECKED: Status.SUCCESS,
            Outcome.ROLLED_BACK: Status.FAILURE,
            Outcome.FAILED: Status.ERROR,
            Outcome.REVERT_PENDING: Status.ERROR,
            Outcome.UNVERIFIED: Status.ERROR,
            Outcome.NOT_STARTED: Status.SKIPPED,
        }[self]

    @property
    def done(self) -> bool:
        """Finished for good: a resumed rollout skips it."""
        return self in (Outcome.CHANGED, Outcome.UNCHANGED)

    @property
    def counts_as_failure(self) -> bool:
        return self in (Outcome.ROLLED_BACK, Outcome.FAILED, Outcome.REVERT_PENDING, Outcome.UNVERIFIED)


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
    #: What to do about a failed site (every failure has one).
    hint: str = ""
    #: ANTA's distinction for a failed site: FAILURE when a check failed (the health gate), ERROR
    #: when an exception stopped the work (unreachable, device refused, connection lost).
    fault: Status | None = None
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

    @property
    def status(self) -> Status:
        return self.fault if self.fault is not None and self.outcome.counts_as_failure else self.outcome.status

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        data["status"] = self.status.value
        data["fault"] = self.fault.value if self.fault is not None else None
        for step in data["steps"]:
            step["status"] = str(step["status"])
        return data
