"""Process exit codes of ``runbook.py``. Every command documents which ones it uses."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes that mean something to CI.

    ``plan`` follows ``terraform plan -detailed-exitcode``: 0 no change, 2 changes, 1 error.
    """

    OK = 0
    #: Bad input (intents, options) or a validation finding at error level; nothing was touched.
    ERROR = 1
    #: ``plan``/``deploy --check``: the run succeeded and there are changes to apply.
    CHANGES = 2
    #: ``deploy``/``verify``/``rollback``: some sites failed (and were rolled back) or are down.
    FAILED = 3
    #: ``deploy``: the rollout halted on its failure threshold; some sites were not started.
    HALTED = 4
    #: ``deploy``: another rollout holds the lock.
    LOCKED = 5
    #: Interrupted by the user (SIGINT).
    INTERRUPTED = 130
