"""Human output of a rollout: per-site lines as sites finish, then summary tables."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from runbook_wan.context import MaskedConsole
from runbook_wan.rollout.runner import RolloutResult
from runbook_wan.tasks.outcome import Outcome, SiteReport

STYLE = {
    Outcome.CHANGED: "green",
    Outcome.UNCHANGED: "dim",
    Outcome.CHECKED: "cyan",
    Outcome.ROLLED_BACK: "red",
    Outcome.FAILED: "red",
    Outcome.REVERT_PENDING: "bold red",
    Outcome.UNVERIFIED: "bold red",
    Outcome.NOT_STARTED: "yellow",
}


def site_line(report: SiteReport) -> Text:
    text = Text(f"{report.site:<12} ", style="bold")
    text.append(f"{report.outcome.value:<12}", style=STYLE[report.outcome])
    text.append(f" {report.seconds:6.1f}s")
    if report.reason:
        text.append(f"  {report.reason}")
    if report.hint:
        text.append(f"; hint: {report.hint}", style="dim")
    return text


def print_diffs(result: RolloutResult, console: MaskedConsole) -> None:
    for site in sorted(result.sites):
        report = result.sites[site]
        if not report.device_diff.strip():
            continue
        console.print(Text(f"\n{site}: device diff against running", style="bold"))
        for line in report.device_diff.splitlines():
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            console.print(Text(line, style=style))


def print_summary(result: RolloutResult, console: MaskedConsole) -> None:
    counts = Table(
        title=f"Rollout {result.rollout_id}" + (" (check: nothing committed)" if result.check else ""), show_edge=False
    )
    for outcome in Outcome:
        counts.add_column(outcome.value.replace("_", " "), justify="right")
    counts.add_row(*(str(result.count(o)) for o in Outcome))
    console.print()
    console.print(counts)
    waves = Table(title="Waves", show_edge=False)
    for column in ("wave", "sites", "changed", "unchanged", "failed", "seconds"):
        waves.add_column(column, justify="right")
    for index, wave in enumerate(result.waves):
        reports = [result.sites[s] for s in wave]
        seconds = result.timings.get(f"wave_{index}_s")
        waves.add_row(
            "canary" if index == 0 and not result.resumed else str(index),
            str(len(wave)),
            str(sum(r.outcome is Outcome.CHANGED for r in reports)),
            str(sum(r.outcome is Outcome.UNCHANGED for r in reports)),
            str(sum(r.outcome.counts_as_failure for r in reports)),
            f"{seconds:.1f}" if seconds is not None else "-",
        )
    console.print(waves)
    bad = [r for r in result.sites.values() if r.outcome.counts_as_failure]
    if bad:
        table = Table(title="Failed sites", show_edge=False)
        for column in ("site", "outcome", "status", "reason", "hint"):
            table.add_column(column)
        for r in sorted(bad, key=lambda r: r.site):
            table.add_row(r.site, r.outcome.value, r.status.value, r.reason, r.hint)
        console.print(table)
    for site, found in sorted(result.drift.items()):
        where = "; ".join(found.get("sections") or []) or found.get("error", "")
        console.print(
            Text(f"finding: {site} does not run what it just confirmed ({found['status']}): {where}", style="yellow")
        )
    if result.halted:
        console.print(
            Text(
                f"HALTED: {result.halt_reason}; {result.count(Outcome.NOT_STARTED)} site(s) not started.",
                style="bold red",
            )
        )
    device = result.device_gate or {}
    if device:
        style = "bold red" if device.get("exceeded") and not device.get("override") else "dim"
        console.print(
            Text(
                f"device layer: {len(device.get('changing') or [])} device(s) would change "
                f"(configs: {device.get('config_layer_counted', 0)}); {device.get('verdict', '')}",
                style=style,
            )
        )
    alerting = result.alerting or {}
    if alerting.get("alertmanager"):
        missed = alerting.get("silences_not_set") or []
        line = (
            f"alertmanager: {len(alerting.get('silenced') or [])} site(s) silenced for their change, "
            f"{len(alerting.get('expired_early') or [])} lifted early (verified healthy)"
        )
        if missed or alerting.get("rollout_halted_not_posted"):
            line += f"; NOT posted (Alertmanager did not answer), kept in {alerting.get('outbox')}"
        console.print(Text(line, style="yellow" if missed else "dim"))
    console.print(f"total {result.timings.get('total_s', 0):.1f}s; journal: {result.journal or '-'}", markup=False)
