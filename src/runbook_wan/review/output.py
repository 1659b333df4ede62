"""The review for machines (JSON, extending the plan's) and for people at a terminal."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from runbook_wan.context import MaskedConsole
from runbook_wan.model.yaml_source import format_path
from runbook_wan.plan.diff import render_unified
from runbook_wan.plan.output import print_terminal as print_plan_summary
from runbook_wan.plan.output import to_dict as plan_dict
from runbook_wan.results import SourceLocation
from runbook_wan.review.grouping import Grouping
from runbook_wan.review.intent_diff import MISSING
from runbook_wan.review.model import Review


def _at(at: SourceLocation | None) -> dict[str, Any] | None:
    return None if at is None else {"file": at.file, "line": at.line, "path": at.path}


def _value(value: Any) -> Any:
    return None if value is MISSING else value


def _groups(grouping: Grouping) -> list[dict[str, Any]]:
    return [
        {
            "where": g.where,
            "sites": g.sites,
            "lines_added": g.added,
            "lines_removed": g.removed,
            "example_site": g.example_site,
            "example": render_unified(g.examples),
            "abstract": [[" › ".join(key[0]), *(f"{op}{line}" for op, line in key[1])] for key in g.keys],
        }
        for g in grouping.groups
    ]


def to_dict(review: Review) -> dict[str, Any]:
    data = plan_dict(review.plan)
    impact = review.impact
    gate = review.gate
    data["review"] = {
        "baseline": review.baseline,
        "mode": review.mode,
        "intent_note": review.intent_note,
        "timings": review.timings,
        "intent_changes": None
        if impact is None
        else [
            {
                "kind": c.kind,
                "name": c.name,
                "path": format_path(c.path),
                "action": c.action,
                "old": _value(c.old),
                "new": _value(c.new),
                "old_at": _at(c.old_at),
                "new_at": _at(c.new_at),
                "words": c.words(),
                "sites": impact.reach(i),
            }
            for i, c in enumerate(impact.changes)
        ],
        "sites_reached": None
        if impact is None
        else {
            s: {
                "region": i.region,
                "state": i.state,
                "roles": sorted(i.roles),
                "why": [{"via": r.via, "detail": r.detail, "changes": list(r.changes)} for r in i.reasons],
            }
            for s, i in sorted(impact.sites.items())
        },
        "secret_changes": [c.to_dict() for c in review.secrets],
        "secrets_note": review.secrets_note,
        "config_groups": _groups(review.grouping),
        "device_groups": None if review.device is None else _groups(review.device.grouping),
        "gate": {
            "policy": None if gate.policy is None else gate.policy.model_dump(mode="json"),
            "policy_at": _at(gate.policy_at),
            "verdict": "none" if gate.policy is None else "exceeded" if gate.exceeded else "within",
            "blocks": gate.blocks,
            "override": gate.override,
            "counted": gate.counted,
            "onboarding": gate.onboarding,
            "limits": gate.limits,
            "observed": gate.observed,
            "findings": [
                {"rule": f.rule, "message": f.message, "sites": list(f.sites), "at": _at(f.location)}
                for f in gate.findings
            ],
        },
    }
    return data


def to_json(review: Review) -> str:
    return json.dumps(to_dict(review), indent=2) + "\n"


_STYLE = {"+": "green", "-": "red", "@": "cyan"}


def print_terminal(review: Review, console: MaskedConsole) -> None:
    impact = review.impact
    if impact is None:
        console.print(Text(f"intent layer: {review.intent_note}", style="dim"))
    elif impact.changes:
        console.print(Text(f"Intent changes against {review.baseline}:", style="bold"))
        for index, change in enumerate(impact.changes):
            reach = impact.reach(index)
            console.print(f"  {change.words()}", markup=False)
            old = change.old_at.display() if change.old_at else "-"
            new = change.new_at.display() if change.new_at else "-"
            console.print(Text(f"    {old} -> {new}; reaches {len(reach)} site(s)", style="dim"))
    else:
        console.print(Text(f"No intent changes against {review.baseline}.", style="dim"))
    for secret in review.secrets:
        mark = "" if secret.reviewed else " (NOT REVIEWED: not declared in the intents)"
        where = secret.new_at.display() if secret.new_at else secret.source
        console.print(
            Text(
                f"Secret {secret.name}: {secret.what}{mark}; reaches {len(secret.sites)} site(s), "
                f"{secret.session_count} session(s) ({where}); the value is never shown",
                style="bold" if secret.reviewed else "bold red",
            )
        )
    groups = review.grouping.groups
    for number, group in enumerate(groups, 1):
        shown = ", ".join(group.sites[:8]) + (f" ... (+{len(group.sites) - 8})" if len(group.sites) > 8 else "")
        console.print(
            Text(f"\nConfig change {number} of {len(groups)}: {len(group.sites)} site(s): {shown}", style="bold")
        )
        console.print(Text(f"example from {group.example_site}:", style="dim"))
        for line in render_unified(group.examples):
            console.print(Text(line, style=_STYLE.get(line[:1], "")))
    print_plan_summary_only(review, console)


def print_plan_summary_only(review: Review, console: MaskedConsole) -> None:
    """The plan's summary table and headline, then the gate verdict and how configs were obtained."""
    print_plan_summary(review.plan, console, diffs=False)
    style = "bold red" if review.gate.blocks else "yellow" if review.gate.exceeded else "green"
    console.print(Text(review.gate.headline(), style=style))
    for finding in review.gate.findings:
        console.print(Text(f"  {finding.message}", style=style))
    console.print(Text(review.mode, style="dim"))
