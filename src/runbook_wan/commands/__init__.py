"""CLI commands of ``runbook.py``: one module per command (group), registered below in order."""

from __future__ import annotations

#: Module names under ``commands`` that define ``register(subparsers)``; order = help order
#: (the order of the pipeline: render -> plan -> validate -> deploy -> verify).
COMMAND_MODULES: tuple[str, ...] = (
    "cmd_render",
    "cmd_docs",
    "cmd_plan",
    "cmd_validate",
    "cmd_deploy",
    "cmd_verify",
    "cmd_drift",
    "cmd_report",
    "cmd_status",
    "cmd_users",
    "cmd_audit",
    "cmd_restore",
    "cmd_lab",
    "cmd_schema",
    "cmd_probe",
    "cmd_monitor",
    "cmd_notify",
    "cmd_incidents",
)

#: Commands whose module is not ``cmd_<command>`` (one module registers both).
_MODULE_OF: dict[str, str] = {"backup": "cmd_restore", "rollback": "cmd_restore"}


def module_of(command: str) -> str | None:
    """The module under ``commands`` that registers ``command``, or None for no such command.

    The CLI imports only that module for a command line that names one, so ``render`` does not pay
    for importing every other command (and what it imports) on each run.
    """
    if command in _MODULE_OF:
        return _MODULE_OF[command]
    module = f"cmd_{command}"  # "restore" names no command: its module registers backup and rollback
    return module if module in COMMAND_MODULES and module not in _MODULE_OF.values() else None
