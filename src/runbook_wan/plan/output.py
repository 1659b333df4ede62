"""Plan output for people (terminal), pull requests (markdown) and machines (JSON)."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text

from runbook_wan.context import MaskedConsole
from runbook_wan.plan.diff import render_unified
from runbook_wan.plan.model import Change, Plan

PLAN_FORMAT_VERSION = 1


def to_dict(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": PLAN_FORMAT_VERSION,
        "baseline": plan.baseline,
        "limit": plan.limit,
        "total_sites": plan.total_sites,
        "summary": plan.totals(),
        "touched": plan.touched,
        "sites": [
            {
                "site": s.site,
                "change": s.change.value,
                "platform": s.platform,
                "lines_added": s.added_lines,
                "lines_removed": s.removed_lines,
                "old_sha256": s.old_sha256,
                "new_sha256": s.new_sha256,
                "files": list(s.files),
                "diff": render_unified(s.hunks),
            }
            for s in plan.sites
        ],
    }


def to_json(plan: Plan) -> str:
    return json.dumps(to_dict(plan), indent=2, sort_keys=False) + "\n"


def artifact_counts(plan: Plan) -> dict[str, int]:
    """Sites whose artifact (``.agent.json``, ``.nft``) changes, by suffix; the config (``.cfg``) aside."""
    counts: dict[str, int] = {}
    for s in plan.sites:
        for suffix in s.files:
            if suffix != ".cfg":
                counts[suffix] = counts.get(suffix, 0) + 1
    return dict(sorted(counts.items()))


def artifact_line(plan: Plan) -> str:
    """``artifacts: .agent.json at 12 site(s), .nft at 1 site(s)``, or "" when none changes."""
    counts = artifact_counts(plan)
    return ("artifacts: " + ", ".join(f"{k} at {n} site(s)" for k, n in counts.items())) if counts else ""


def headline(plan: Plan) -> str:
    touched = len(plan.touched)
    scope = f" (limit: {plan.limit})" if plan.limit else ""
    if not touched:
        return f"No changes: {len(plan.sites) + plan.unreached} site(s) match {plan.baseline}{scope}."
    return f"{touched} of {plan.total_sites} sites change against {plan.baseline}{scope}."


def to_markdown(plan: Plan) -> str:
    t = plan.totals()
    out = [
        "### Runbook plan\n",
        f"**{headline(plan)}**\n",
        "| added | changed | removed | unchanged | lines + | lines − |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {t['added']} | {t['changed']} | {t['removed']} | {t['unchanged']} | {t['lines_added']} "
        f"| {t['lines_removed']} |",
        "",
    ]
    changed = [s for s in plan.sites if s.change is not Change.UNCHANGED]
    if changed:
        out += ["| site | change | platform | + | − |", "|---|---|---|---:|---:|"]
        out += [
            f"| `{s.site}` | {s.change.value} | {s.platform} | {s.added_lines} | {s.removed_lines} |" for s in changed
        ]
        out.append("")
    for s in changed:
        out += [
            f"<details><summary><code>{s.site}</code>: {s.change.value} (+{s.added_lines} −{s.removed_lines})"
            "</summary>",
            "",
            "```diff",
            *render_unified(s.hunks),
            "```",
            "</details>",
            "",
        ]
    return "\n".join(out) + "\n"


_STYLE = {"+": "green", "-": "red", "@": "cyan"}


def print_terminal(plan: Plan, console: MaskedConsole, diffs: bool = True) -> None:
    for s in plan.sites:
        if s.change is Change.UNCHANGED or not diffs:
            continue
        files = f" [{', '.join(s.files)}]" if set(s.files) - {".cfg"} else ""
        title = f"\n{s.site} ({s.platform}): {s.change.value} +{s.added_lines} -{s.removed_lines}{files}"
        console.print(Text(title, style="bold"))
        for line in render_unified(s.hunks):
            console.print(Text(line, style=_STYLE.get(line[:1], "")))
    table = Table(title="Plan summary", show_edge=False)
    for column in ("added", "changed", "removed", "unchanged", "lines +", "lines -"):
        table.add_column(column, justify="right")
    t = plan.totals()
    table.add_row(*(str(t[k]) for k in ("added", "changed", "removed", "unchanged", "lines_added", "lines_removed")))
    console.print()
    console.print(table)
    if artifact_line(plan):
        console.print(artifact_line(plan), markup=False)
    console.print(headline(plan), markup=False)
