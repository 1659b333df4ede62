"""The audit record of a pipeline stage run from the command line (plan, validate, verify).

``report lead-time`` follows a change through these records. Best effort: the commands only read,
so an audit log that cannot be written is a warning, never a failure.
"""

from __future__ import annotations

import argparse

from runbook_wan.context import RunContext


def record(args: argparse.Namespace, ctx: RunContext, event: str, **fields: object) -> None:
    from runbook_wan.rollout.audit import record_stage

    warning = record_stage(ctx.state_dir, ctx.redactor, args.intents, event, **fields)
    if warning:
        ctx.err.print(f"warning: {warning}", markup=False)
