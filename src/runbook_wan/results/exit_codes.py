"""Process exit codes of ``runbook.py``: what each means, in general and per command.

This module is the one place where exit codes are explained. ``--help`` epilogs
(:func:`epilog`) and ``docs/exit-codes.md`` (:func:`markdown`) are generated from it; a test
keeps the doc in step. ``plan`` follows ``terraform plan -detailed-exitcode``: 0 no change,
2 changes, 1 error.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes that mean something to CI."""

    OK = 0
    #: Bad input (intents, options, usage) or a validation finding at error level; nothing was touched.
    ERROR = 1
    #: ``plan``/``deploy --check``: the run succeeded and there are changes to apply.
    CHANGES = 2
    #: ``deploy``/``verify``/``rollback``: some sites failed (and were rolled back) or are down.
    FAILED = 3
    #: ``deploy``: the rollout halted on its failure threshold; some sites were not started.
    HALTED = 4
    #: ``deploy``: another rollout holds the lock.
    LOCKED = 5
    #: ``deploy``: a site lost its connection during or after its commit and could not be rolled
    #: back; its device restores the old config by its own revert timer (not verified).
    REVERT_PENDING = 6
    #: ``plan``/``validate --against``/``deploy``: the change exceeds the blast-radius gate
    #: (``estate.change_policy``) and nobody passed ``--allow-wide-change REASON``.
    WIDE_CHANGE = 7
    #: Interrupted by the user (SIGINT).
    INTERRUPTED = 130


#: The general meaning of each code.
MEANING: dict[ExitCode, str] = {
    ExitCode.OK: "success; nothing to do or everything done",
    ExitCode.ERROR: "error before anything was touched: bad input, bad usage, or an error-level finding",
    ExitCode.CHANGES: "the run succeeded and found changes to apply",
    ExitCode.FAILED: "some sites failed or are down",
    ExitCode.HALTED: "the rollout halted on its failure threshold",
    ExitCode.LOCKED: "another rollout holds the lock",
    ExitCode.REVERT_PENDING: "a site could not be rolled back; its device restores its old config by its revert timer",
    ExitCode.WIDE_CHANGE: "the change exceeds the blast-radius gate (estate.change_policy); nothing was touched",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}

_E = ExitCode
#: Per command: the codes it uses and what each means there. Every command also exits 130 on Ctrl-C.
BY_COMMAND: dict[str, dict[ExitCode, str]] = {
    "render": {
        _E.OK: "configs written (--check: they are up to date)",
        _E.CHANGES: "--check: a committed output differs from what the intents render to; nothing written",
        _E.ERROR: "bad input; nothing written",
    },
    "docs": {_E.OK: "site pages written", _E.ERROR: "bad input; nothing written"},
    "plan": {
        _E.OK: "no change",
        _E.CHANGES: "changes to apply",
        _E.WIDE_CHANGE: "changes that exceed the blast-radius gate (no --allow-wide-change)",
        _E.ERROR: "bad input",
    },
    "validate": {
        _E.OK: "no error-level finding (warnings allowed)",
        _E.ERROR: "errors found, the intents do not load, or a requested check could not run",
        _E.WIDE_CHANGE: "with --against: no error, but the change exceeds the blast-radius gate",
    },
    "deploy": {
        _E.OK: "every site fine",
        _E.ERROR: "invalid input or validation error; no device touched",
        _E.CHANGES: "--check found changes",
        _E.FAILED: "some sites failed (each on its old config, or left unverified: see the report)",
        _E.HALTED: "halted by the failure threshold",
        _E.LOCKED: "another rollout holds the lock",
        _E.REVERT_PENDING: "some site lost its connection mid-commit; its device reverts by itself within --revert-in "
        "seconds (wins over 3 and 4)",
        _E.WIDE_CHANGE: "the pending change exceeds the blast-radius gate (config or device layer), or pushes a "
        "secret value review did not see; no device touched",
    },
    "verify": {
        _E.OK: "every selected site is up",
        _E.FAILED: "some site is down or unreachable",
        _E.ERROR: "bad input",
    },
    "backup": {_E.OK: "done", _E.FAILED: "some site failed", _E.ERROR: "bad input"},
    "rollback": {_E.OK: "done", _E.FAILED: "some site failed", _E.ERROR: "bad input"},
    "lab": {
        _E.OK: "ok",
        _E.ERROR: "bad input, or the lab could not be built (nothing left running)",
        _E.FAILED: "the lab is up but some node is not ready or healthy (up, status)",
    },
    "schema": {_E.OK: "schemas written"},
    "probe": {
        _E.OK: "stopped cleanly (with --once: every circuit answered)",
        _E.ERROR: "bad input, or no lab to measure from",
        _E.FAILED: "--once: some circuit did not answer",
    },
    "monitor": {
        _E.OK: "done (status: every service running)",
        _E.ERROR: "bad input or a service did not start; nothing left running",
        _E.FAILED: "status: some service is not running",
    },
    "notify": {
        _E.OK: "stopped by SIGTERM after serving",
        _E.ERROR: "bad input (intents, secrets, listen address); nothing started",
    },
    "incidents": {
        _E.OK: "listed, acknowledged or resolved",
        _E.ERROR: "no incident store, unknown incident, or not in a state that allows the action",
    },
    "drift": {
        _E.OK: "every selected device runs its configs/<site>.cfg",
        _E.CHANGES: "some device drifted (its running config differs)",
        _E.FAILED: "some device could not be reached or read (named in the output)",
        _E.ERROR: "bad input (no configs/<site>.cfg, a secret not set); no device read",
    },
    "report": {
        _E.OK: "the promise was kept (every site up all the known time; every change verified within one hour; "
        "every page answered by a person within ten minutes)",
        _E.FAILED: "the promise was broken: a site was down, a change took (or is open) longer than one hour, or a "
        "page was not answered within ten minutes",
        _E.ERROR: "bad input, or no data source (no monitoring stack, not a git repository, no incident store)",
    },
    "status": {
        _E.OK: "shown, written (--html) or served until stopped",
        _E.ERROR: "bad input: intents, access.yaml, output path, or a non-loopback bind without login and TLS",
    },
    "users": {
        _E.OK: "done",
        _E.ERROR: "bad input: unknown user or region, a name taken, a short password; nothing changed",
    },
    "audit": {_E.OK: "shown", _E.ERROR: "bad input (--since)"},
}


def epilog(command: str | None = None) -> str:
    """One line for ``--help``: ``Exit codes: 0 no change, 2 changes to apply, 1 bad input.``"""
    codes = BY_COMMAND[command] if command else MEANING
    return "Exit codes: " + ", ".join(f"{int(code)} {text}" for code, text in codes.items()) + "."


def markdown() -> str:
    """``docs/exit-codes.md``."""
    lines = [
        "# Exit codes",
        "",
        "<!-- generated from src/runbook_wan/results/exit_codes.py by `runbook.py schema`; do not edit -->",
        "",
        "| code | name | meaning |",
        "|---|---|---|",
        *(f"| {int(code)} | `{code.name}` | {text} |" for code, text in MEANING.items()),
        "",
        "## Per command",
        "",
        "| command | codes |",
        "|---|---|",
        *(
            f"| `{command}` | " + "<br>".join(f"{int(c)}: {t}" for c, t in codes.items()) + " |"
            for command, codes in BY_COMMAND.items()
        ),
        "",
    ]
    return "\n".join(lines)
