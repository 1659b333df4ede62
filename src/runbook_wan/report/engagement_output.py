"""``report engagement`` output: a table per incident (first page -> first answer), and JSON/markdown."""

from __future__ import annotations

import json

from rich.table import Table
from rich.text import Text

from runbook_wan.context import MaskedConsole
from runbook_wan.report.engagement import EngagementReport, Standing
from runbook_wan.report.period import duration, iso

_STYLES = {Standing.MET: "green", Standing.BREACHED: "red", Standing.PENDING: "yellow", Standing.CLEARED: "dim"}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


def _dur(value: float | None) -> str:
    return "-" if value is None else duration(value)


def headline(report: EngagementReport) -> str:
    if not report.incidents:
        return f"No incident paged in {iso(report.period.start)} .. {iso(report.period.end)}."
    met, breached = len(report.of(Standing.MET)), len(report.of(Standing.BREACHED))
    text = (
        f"{len(report.incidents)} paged incident(s): {met} answered within {duration(report.promise_seconds)}, "
        f"{breached} breached, {len(report.of(Standing.PENDING))} pending, {len(report.of(Standing.CLEARED))} "
        f"cleared by themselves; met {_pct(report.share_met)}, median {_dur(report.median)}, p90 {_dur(report.p90)}."
    )
    if report.breached:
        text += " Breaches: " + ", ".join(e.incident_id for e in report.of(Standing.BREACHED)) + "."
    return text


def print_terminal(report: EngagementReport, console: MaskedConsole) -> None:
    if report.incidents:
        table = Table(title="Engagement: first page -> first answer by a person", show_edge=False)
        for column in ("incident", "alert", "where", "first page", "answered", "by", "via", "took", "standing"):
            table.add_column(column)
        for e in report.incidents:
            took = e.seconds if e.seconds is not None else e.waiting
            table.add_row(
                e.incident_id,
                e.alertname,
                Text(e.where),
                iso(e.first_page),
                iso(e.answered_at) if e.answered_at else "-",
                Text(e.by or "-"),
                e.via or "-",
                _dur(took) + ("" if e.seconds is not None or took is None else " (waiting)"),
                Text(e.standing.value, style=_STYLES[e.standing]),
            )
        console.print(table)
    console.print(headline(report), markup=False)


def to_json(report: EngagementReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def to_markdown(report: EngagementReport) -> str:
    out = ["### Engagement (ten-minute promise)\n", f"**{headline(report)}**\n"]
    if report.incidents:
        out.append("| incident | alert | where | first page | answered | by | via | took | standing |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for e in report.incidents:
            answered = iso(e.answered_at) if e.answered_at else "-"
            row = [e.incident_id, e.alertname, e.where, iso(e.first_page), answered, e.by or "-", e.via or "-"]
            row += [_dur(e.seconds if e.seconds is not None else e.waiting), e.standing.value]
            out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        out.append("")
    return "\n".join(out)
