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
