"""``runbook.py status`` in a terminal: the estate at a glance, a line per site."""

from __future__ import annotations

import json

from rich.table import Table
from rich.text import Text

from runbook_wan.context import MaskedConsole
from runbook_wan.status.model import EstateView, SteeringSource

_STYLE = {"healthy": "green", "degraded": "yellow", "down": "red", "unknown": "dim"}


def print_terminal(view: EstateView, console: MaskedConsole) -> None:
    table = Table(title=f"{view.estate} ({view.generated_at})", show_edge=False)
    for column in ("site", "state", "circuits", "steered", "last change", "drift", "open incidents", "30-day"):
        table.add_column(column)
    for s in view.sites:
        change = s.last_change
        table.add_row(
            s.site,
            Text(s.state.value, style=_STYLE[s.state.value]),
            Text(" ".join(f"{c.role}:{c.state}" for c in s.circuits)),
            Text(" ".join(f"{k.app_class}→{k.active}" for k in s.steered) or "-"),
            Text(f"{change.rollout_id} {change.commit[:10]} {change.at}" if change else "-"),
            s.drift_state,
            Text(", ".join(f"{i.alertname} ({i.status.value})" for i in s.open_incidents) or "-"),
            "-" if s.availability_30d is None else f"{s.availability_30d * 100:.3f} %",
        )
    console.print(table)
    print_steering(view, console)
    console.print(view.monitoring, markup=False)
    for notice in view.notices:
        console.print(notice, markup=False)
    summary = view.summary()
    console.print(
        f"{summary['sites']} site(s): {summary['healthy']} healthy, {summary['degraded']} degraded, "
        f"{summary['down']} down, {summary['unknown']} unknown; {summary['open_incidents']} open incident(s), "
        f"{summary['drift']} drifting, {summary['rollouts_in_progress']} rollout(s) in progress.",
        markup=False,
    )
    engagement = view.engagement
    if engagement is not None and engagement.paged:
        r = engagement.report
        share = "-" if r.share_met is None else f"{r.share_met * 100:.1f} %"
        console.print(
            f"Engagement ({engagement.days} days): {engagement.paged} paged incident(s), {share} acknowledged within "
            f"{engagement.promise}, median {engagement.took(r.median)}, p90 {engagement.took(r.p90)}, "
            f"{len(engagement.breaches)} breach(es); {len(engagement.waiting)} page(s) waiting for an answer.",
            markup=False,
        )


def to_json(view: EstateView) -> str:
    return json.dumps(view.to_dict(), indent=2, ensure_ascii=False) + "\n"


def print_steering(view: EstateView, console: MaskedConsole) -> None:
    """Every class off its preferred circuit: where it runs, since when, why (the agent's decision);
    and the sites whose agent does not report."""
    steered = [(s, k) for s in view.sites for k in s.steered]
    if steered:
        table = Table(title="SD-WAN classes off their preferred circuit", show_edge=False)
        for column in ("site", "class", "now on", "preferred", "since", "why"):
            table.add_column(column, overflow="fold")
        for site, k in steered:
            table.add_row(site.site, k.app_class, k.active or "-", k.preferred or "-", k.since, Text(k.why))
        console.print(table)
    silent = [s.site for s in view.sites if any(k.source == SteeringSource.AGENT_SILENT for k in s.classes)]
    if silent:
        console.print(f"SD-WAN agent not reporting at {len(silent)} site(s): {', '.join(silent)}", markup=False)
