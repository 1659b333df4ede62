"""CLI commands of ``runbook.py``: one module per command (group), registered below in order."""

from __future__ import annotations

#: Module names under ``commands`` that define ``register(subparsers)``; order = help order.
COMMAND_MODULES: tuple[str, ...] = (
    "cmd_render",
    "cmd_plan",
    "cmd_schema",
    "cmd_lab",
    "cmd_validate",
)
