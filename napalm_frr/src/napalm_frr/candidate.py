"""A configuration candidate the driver holds (FRR 8.4 has no candidate datastore), and its kind.

Shared by the commit cycles (:mod:`napalm_frr.config_session`, :mod:`napalm_frr.lean_commit`), so
neither imports the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from napalm.base.exceptions import MergeConfigException, NapalmException, ReplaceConfigException


class CandidateMode(Enum):
    REPLACE = "replace"
    MERGE = "merge"

    @property
    def error(self) -> type[NapalmException]:
        """The exception NAPALM raises for a bad candidate of this kind."""
        error: type[NapalmException] = ReplaceConfigException if self is CandidateMode.REPLACE else MergeConfigException
        return error


@dataclass(frozen=True)
class Candidate:
    mode: CandidateMode
    text: str
    #: the uploaded file (classic cycle); "" when the candidate stays on the controller (lean)
    remote_path: str = ""
    #: the candidate as the device's ``vtysh -m`` marked it (lean cycle)
    marked: str | None = None
