"""Pinned plans: what was reviewed (``plan --out FILE``) is exactly what is pushed."""

from __future__ import annotations

import json
from pathlib import Path

from runbook_wan.results import Diagnostic, DiagnosticError


def check_pinned(plan_file: Path, hashes: dict[str, str]) -> None:
    """Every site to deploy must be in the plan with the same rendered-config hash."""
    try:
        plan = json.loads(plan_file.read_text())
        pinned = {s["site"]: s.get("new_sha256") for s in plan["sites"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DiagnosticError(
            [
                Diagnostic(
                    "plan-file",
                    f"cannot read plan {plan_file}: {exc}",
                    hint="pass a file written by `runbook.py plan --out FILE`",
                )
            ]
        ) from None
    missing = sorted(s for s in hashes if s not in pinned)
    differ = sorted(s for s, digest in hashes.items() if s in pinned and pinned[s] != digest)
    problems = []
    if missing:
        problems.append(
            Diagnostic(
                "plan-not-covered",
                f"sites not in the reviewed plan: {', '.join(missing[:10])}",
                hint="re-run plan over these sites and have it reviewed, or narrow --limit",
            )
        )
    if differ:
        problems.append(
            Diagnostic(
                "plan-drift",
                f"configs differ from the reviewed plan for: {', '.join(differ[:10])}",
                hint="the intents or templates changed after review; run plan again and review the new diff",
            )
        )
    if problems:
        raise DiagnosticError(problems)
