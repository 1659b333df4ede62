"""The four outcomes every check, task and step reports (after ANTA's result semantics)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Outcome of one unit of work.

    * ``success``: the network (or input) is as intended.
    * ``failure``: it is not; the finding is about the network or the intent.
    * ``error``: the tool could not decide (unreachable device, crash, timeout).
    * ``skipped``: not applicable or not supported here.
    """

    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def is_bad(self) -> bool:
        return self in (Status.FAILURE, Status.ERROR)
