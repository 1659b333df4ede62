"""``report lead-time`` output: a table per change (time after commit of each stage), and JSON/markdown."""

from __future__ import annotations

import json

from rich.table import Table
from rich.text import Text

from runbook_wan.context import MaskedConsole
from runbook_wan.report.lead_time import STAGES, Change, LeadTimeReport
from runbook_wan.report.period import duration, iso

_TITLES = {
    "plan": "plan",
    "validate": "validate",
    "deploy_start": "deploy start",
    "deployed": "deployed",
    "verified": "verified",
}


def headline(report: LeadTimeReport) -> str:
    promise = duration(report.promise_s)
    if not report.changes:
        return f"No intents change in {iso(report.period.start)} .. {iso(report.period.end)}."
    na = f", {len(report.not_applicable)} reaching nothing that runs" if report.not_applicable else ""
    text = (
        f"{len(report.changes)} change(s): {len(report.done)} verified, {len(report.open)} open{na}; "
        f"median {duration(report.median_s)}, worst {duration(report.worst_s)} (promise: {promise})."
    )
    if report.overdue:
        text += f" {len(report.overdue)} over the promise: " + ", ".join(c.commit.short for c in report.overdue) + "."
    return text


def _reaches(change: Change) -> str:
    reach = change.reach
    if reach is None:
        return "-"
    if reach.kind == "devices":
        return f"{len(reach.sites)} site(s)" + (" + monitoring" if reach.monitoring else "")
    return {"monitoring": "monitoring", "none": "nothing that runs", "unknown": "every site (unknown)"}[reach.kind]


def _after(change: Change, stage: str) -> str:
    at = change.stages.get(stage)
    return "-" if at is None else "+" + duration((at - change.commit.committed_at).total_seconds())


def _state(change: Change, report: LeadTimeReport) -> str:
    if not change.applicable:
        return "not applicable (reaches no device, no monitoring)"
    if change.open:
        waiting = f" (waiting for {', '.join(change.pending[:4])}{' ...' if len(change.pending) > 4 else ''})"
        state = "OPEN, over the promise" if change.overdue(report.now) else "open"
        return state + (waiting if change.pending else "")
    return "over the promise" if change.overdue(report.now) else "within the promise"


def print_terminal(report: LeadTimeReport, console: MaskedConsole) -> None:
    if report.changes:
        console.print(_table(report))
    if report.baseline:
        console.print(f"({report.baseline} earlier change(s) predate the audit log and are not counted.)", markup=False)
    console.print(headline(report), markup=False)


def _table(report: LeadTimeReport) -> Table:
    table = Table(title="Change lead time (time after the commit)", show_edge=False)
    for column in ("commit", "subject", "committed", "reaches", *(_TITLES[s] for s in STAGES), "lead", "state"):
        table.add_column(column)
    for change in report.changes:
        state = _state(change, report)
        table.add_row(
            change.commit.short,
            Text(change.commit.subject[:48]),
            iso(change.commit.committed_at),
            _reaches(change),
            *(_after(change, s) for s in STAGES),
            duration(change.lead_seconds(report.now)),
            Text(state, style="red" if "over the" in state else ("yellow" if change.open else "green")),
        )
    return table


def to_json(report: LeadTimeReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def to_markdown(report: LeadTimeReport) -> str:
    out = ["### Change lead time\n", f"**{headline(report)}**\n"]
    if report.changes:
        out += [
            "| commit | subject | committed | reaches | "
            + " | ".join(_TITLES[s] for s in STAGES)
            + " | lead | state |",
            "|---|---|---|---|" + "---:|" * len(STAGES) + "---:|---|",
        ]
        for c in report.changes:
            subject = c.commit.subject.replace("|", "\\|")
            out.append(
                f"| `{c.commit.short}` | {subject} | {iso(c.commit.committed_at)} | {_reaches(c)} | "
                + " | ".join(_after(c, s) for s in STAGES)
                + f" | {duration(c.lead_seconds(report.now))} | {_state(c, report)} |"
            )
    return "\n".join(out) + "\n"
