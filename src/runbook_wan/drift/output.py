"""Drift output for people (terminal), change records (markdown) and machines (JSON)."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text

from runbook_wan.context import MaskedConsole
from runbook_wan.drift.model import DriftResult, DriftStatus
from runbook_wan.results import ExitCode

DRIFT_FORMAT_VERSION = 1


def exit_code(results: list[DriftResult]) -> ExitCode:
    """3 if any device could not be read (its drift is unknown), else 2 if any drifted, else 0."""
    if any(r.status is DriftStatus.UNREACHABLE for r in results):
        return ExitCode.FAILED
    if any(r.status is DriftStatus.DRIFT for r in results):
        return ExitCode.CHANGES
    return ExitCode.OK


def summary(results: list[DriftResult]) -> dict[str, int]:
    return {status.value: sum(r.status is status for r in results) for status in DriftStatus}


def headline(results: list[DriftResult]) -> str:
    counts = summary(results)
    text = (
        f"{counts['drift']} of {len(results)} site(s) drifted, {counts['in_sync']} in sync, "
        f"{counts['unreachable']} unreachable"
    )
    unreachable = [r.site for r in results if r.status is DriftStatus.UNREACHABLE]
    return text + (f" ({', '.join(unreachable)})" if unreachable else "") + "."


def to_dict(results: list[DriftResult]) -> dict[str, Any]:
    return {
        "format_version": DRIFT_FORMAT_VERSION,
        "summary": summary(results),
        "sites": [r.to_dict() for r in results],
    }


def to_json(results: list[DriftResult]) -> str:
    return json.dumps(to_dict(results), indent=2, ensure_ascii=False) + "\n"


def steered_lines(results: list[DriftResult]) -> list[str]:
    """``chi-021: class voice on secondary_dia (sequences 45/50/55)``: the edge agents' moves (not drift)."""
    return [f"{r.site}: {words}" for r in results for words in r.steered]


def to_markdown(results: list[DriftResult]) -> str:
    out = ["### Runbook drift\n", f"**{headline(results)}**\n"]
    steered = steered_lines(results)
    if steered:
        out += ["Steered by the sites' edge agents (a live order of next hops, not drift):", ""]
        out += [f"- {text}" for text in steered] + [""]
    flagged = [r for r in results if r.status is not DriftStatus.IN_SYNC]
    if flagged:
        out += ["| site | status | + | − | sections |", "|---|---|---:|---:|---|"]
        for r in flagged:
            where = "; ".join(f"`{s}`" for s in r.sections) or r.error.replace("|", "\\|")
            out.append(f"| `{r.site}` | {r.status.value} | {r.lines_added} | {r.lines_removed} | {where} |")
        out.append("")
    for r in results:
        if r.status is DriftStatus.DRIFT:
            out += [
                f"<details><summary><code>{r.site}</code>: drift (+{r.lines_added} −{r.lines_removed})</summary>",
                "",
                "```diff",
                *r.diff,
                "```",
                "</details>",
                "",
            ]
    return "\n".join(out) + "\n"


_STYLE = {"+": "green", "-": "red", "@": "cyan"}
_STATE = {DriftStatus.IN_SYNC: "green", DriftStatus.DRIFT: "yellow", DriftStatus.UNREACHABLE: "red"}


def print_terminal(results: list[DriftResult], console: MaskedConsole) -> None:
    for r in results:
        if r.status is DriftStatus.DRIFT:
            console.print(Text(f"\n{r.site}: drift +{r.lines_added} -{r.lines_removed}", style="bold"))
            for line in r.diff:
                console.print(Text(line, style=_STYLE.get(line[:1], "")))
    table = Table(title="Drift (- in configs/ but not on the device, + on the device only)", show_edge=False)
    for column in ("site", "status", "+", "-", "sections / error"):
        table.add_column(column)
    for r in results:
        table.add_row(
            r.site,
            Text(r.status.value, style=_STATE[r.status]),
            str(r.lines_added),
            str(r.lines_removed),
            Text("; ".join(r.sections) if r.sections else r.error),
        )
    console.print()
    console.print(table)
    for line in steered_lines(results):
        console.print(Text(f"steered (not drift): {line}", style="dim"))
    console.print(headline(results), markup=False)
