"""``report availability`` output: a row per site against the 100 % promise, then every interval it was not up."""

from __future__ import annotations

import json

from rich.table import Table
from rich.text import Text

from runbook_wan.context import MaskedConsole
from runbook_wan.report.availability import AvailabilityReport, SiteAvailability
from runbook_wan.report.period import duration, iso


def percent(value: float | None) -> str:
    if value is None:
        return "-"
    text = f"{value * 100:.4f}".rstrip("0").rstrip(".")
    return f"{text} %"


def headline(report: AvailabilityReport) -> str:
    unknown = sum(s.unknown_s for s in report.sites)
    text = (
        f"{len(report.sites) - len(report.breached)} of {len(report.sites)} site(s) kept the 100 % promise "
        f"from {iso(report.period.start)} to {iso(report.period.end)}"
    )
    if report.breached:
        text += "; down: " + ", ".join(f"{s.site} {duration(s.down_s)}" for s in report.breached)
    if unknown:
        text += f"; {duration(unknown)} without monitoring data (unknown, not counted as up)"
    return text + "."


def _promise(site: SiteAvailability) -> Text:
    if not site.known_s:
        return Text("no data", style="yellow")
    if not site.promise_kept:
        return Text("breached", style="red")
    if site.unknown_s:
        return Text("kept (data gaps)", style="yellow")
    return Text("kept", style="green")


def print_terminal(report: AvailabilityReport, console: MaskedConsole) -> None:
    table = Table(
        title=f"Availability (source {report.to_dict()['source']}, {report.interval_s:g} s grid)", show_edge=False
    )
    for column in ("site", "region", "availability", "down", "unknown", "coverage", "promise"):
        table.add_column(column)
    for s in report.sites:
        table.add_row(
            s.site,
            s.region,
            percent(s.availability),
            duration(s.down_s),
            duration(s.unknown_s),
            percent(s.coverage),
            _promise(s),
        )
    console.print(table)
    for s in report.sites:
        for i in s.intervals:
            style = "red" if i.state == "down" else "yellow"
            console.print(
                Text(f"{s.site}: {i.state:<7} {iso(i.start)} .. {iso(i.end)} ({duration(i.seconds)})", style=style)
            )
    console.print(headline(report), markup=False)


def to_json(report: AvailabilityReport) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"


def to_markdown(report: AvailabilityReport) -> str:
    out = [
        "### Availability against the 100 % promise\n",
        f"**{headline(report)}**\n",
        "| site | region | availability | down | unknown | coverage |",
        "|---|---|---:|---:|---:|---:|",
    ]
    out += [
        f"| `{s.site}` | {s.region} | {percent(s.availability)} | {duration(s.down_s)} | {duration(s.unknown_s)} "
        f"| {percent(s.coverage)} |"
        for s in report.sites
    ]
    rows = [(s, i) for s in report.sites for i in s.intervals]
    if rows:
        out += ["", "| site | state | from | to | duration |", "|---|---|---|---|---:|"]
        out += [f"| `{s.site}` | {i.state} | {iso(i.start)} | {iso(i.end)} | {duration(i.seconds)} |" for s, i in rows]
    return "\n".join(out) + "\n"
