"""``runbook.py report availability|lead-time``: what was promised, and what happened.

* ``availability``: per site, the share of time it could pass and receive traffic, against the
  100 % promise, with every interval it could not (from Prometheus: the running monitoring stack,
  or ``--prometheus URL``);
* ``lead-time``: per intents change, commit -> plan -> validate -> deploy -> verified, from git and
  the audit log; median and worst against the one-hour promise.

Exit codes: ``results.exit_codes.BY_COMMAND["report"]``.
"""

from __future__ import annotations

import argparse

from runbook_wan.commands.options import format_options, http_url, intents_options, limit_options
from runbook_wan.context import RunContext
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode, exit_codes

HELP = "reports against the promises: availability per site, change lead time, engagement"


def _period_options(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help=f"start: 2026-11-01, 2026-11-01T08:00 (UTC) or an age like 30d (default {default})",
    )
    parser.add_argument("--until", metavar="WHEN", help="end, same forms (default: now)")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("report", help=HELP, description=HELP, epilog=exit_codes.epilog("report"))
    reports = parser.add_subparsers(dest="report", metavar="REPORT", required=True)
    avail = reports.add_parser(
        "availability",
        parents=[intents_options(), limit_options(), format_options()],
        help="per site: share of time up against the 100 %% promise, and every interval it was not",
        description="Per site, the share of time it could pass and receive traffic (any circuit up), from "
        "Prometheus, with every down or unknown interval. No data is 'unknown', never 'up'.",
        epilog=exit_codes.epilog("report"),
    )
    _period_options(avail, "30d")
    avail.add_argument(
        "--prometheus",
        type=http_url,
        metavar="URL",
        help="Prometheus to ask (default: the one `runbook.py monitor up` runs, from <state>/monitor/stack.json)",
    )
    avail.add_argument(
        "--source",
        choices=("auto", "site_up", "circuit_up"),
        default="auto",
        help="runbook:site_up (recording rule) or the raw runbook_circuit_up; auto: the rule when it has data",
    )
    avail.add_argument(
        "--interval",
        type=float,
        metavar="SECONDS",
        help="sampling interval (default: the Prometheus' evaluation or scrape interval)",
    )
    avail.set_defaults(handler=run_availability)
    lead = reports.add_parser(
        "lead-time",
        parents=[intents_options(), format_options()],
        help="per intents change: commit -> plan -> validate -> deploy -> verified, against one hour",
        description="Per commit that changed the intents: the time to plan, validate, deploy start, deployed "
        "and verified, from git and the audit log; median and worst against the one-hour promise.",
        epilog=exit_codes.epilog("report"),
    )
    _period_options(lead, "30d")
    lead.set_defaults(handler=run_lead_time)
    engage = reports.add_parser(
        "engagement",
        parents=[format_options()],
        help="per paged incident: first page -> first acknowledgement by a person, against ten minutes",
        description="Per incident paged in the period: the time from its first page to the first acknowledgement "
        "(or resolve) by a person, who and on which channel; an automatic resolve is not an answer. The share "
        "answered within ten minutes, median and p90, and every breach. Reads STATE/monitor/incidents.sqlite.",
        epilog=exit_codes.epilog("report"),
    )
    _period_options(engage, "30d")
    engage.set_defaults(handler=run_engagement)


def run_availability(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.model.loader import load_estate
    from runbook_wan.report import availability_output as output
    from runbook_wan.report.availability import availability, has_data
    from runbook_wan.report.period import Period
    from runbook_wan.report.prometheus import PrometheusClient, PrometheusError, stack_prometheus_url
    from runbook_wan.selection.limit import select_sites

    period = Period.from_options(args.since, args.until, default_days=30)
    if args.interval is not None and args.interval <= 0:
        raise DiagnosticError([Diagnostic("report-interval", "--interval must be positive", hint="e.g. 15")])
    estate, _ = load_estate(args.intents, args.platforms)
    sites = {s: estate.sites[s].region for s in select_sites(estate, args.limit)}
    url = args.prometheus or stack_prometheus_url(ctx.state_dir)
    if not url:
        raise DiagnosticError(
            [
                Diagnostic(
                    "report-no-prometheus",
                    f"no monitoring data: the monitoring stack is not running ({ctx.state_dir}/monitor/stack.json "
                    "not found) and no --prometheus was given",
                    hint="start it with `runbook.py monitor up`, or pass --prometheus URL of the Prometheus that "
                    "scrapes the probe",
                )
            ]
        )
    with PrometheusClient(url) as client:
        try:
            source = args.source
            if source == "auto":
                source = "site_up" if has_data(client, "site_up", period) else "circuit_up"
            key = "evaluation_interval" if source == "site_up" else "scrape_interval"
            interval = args.interval or client.global_interval(key) or 15.0
            report = availability(client, sites, period, interval, source)
        except PrometheusError as exc:
            raise DiagnosticError(
                [Diagnostic("report-prometheus", str(exc), hint="check the URL, or `runbook.py monitor status`")]
            ) from None
    if not any(s.known_s for s in report.sites):
        raise DiagnosticError(
            [
                Diagnostic(
                    "report-no-data",
                    f"Prometheus at {url} has no {report.to_dict()['source']} data for the selected sites between "
                    f"{args.since or '30 days ago'} and {args.until or 'now'}: nothing to report",
                    hint="check --since/--until, and that Prometheus scrapes the probe (`runbook.py monitor status`)",
                )
            ]
        )
    if args.format == "json":
        ctx.out.write(output.to_json(report))
    elif args.format == "markdown":
        ctx.out.write(output.to_markdown(report))
    else:
        output.print_terminal(report, ctx.out)
    return ExitCode.FAILED if report.breached else ExitCode.OK


def run_lead_time(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.report import lead_time_output as output
    from runbook_wan.report.lead_time import lead_times
    from runbook_wan.report.period import Period
    from runbook_wan.rollout.audit import audit_path

    period = Period.from_options(args.since, args.until, default_days=30)
    report = lead_times(args.intents, audit_path(ctx.state_dir), period)
    if args.format == "json":
        ctx.out.write(output.to_json(report))
    elif args.format == "markdown":
        ctx.out.write(output.to_markdown(report))
    else:
        output.print_terminal(report, ctx.out)
    return ExitCode.OK if report.promise_kept else ExitCode.FAILED


def run_engagement(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.ops.incidents import IncidentStore
    from runbook_wan.ops.stack import incidents_path
    from runbook_wan.report import engagement_output as output
    from runbook_wan.report.engagement import engagement
    from runbook_wan.report.period import Period

    period = Period.from_options(args.since, args.until, default_days=30)
    path = incidents_path(ctx.state_dir)
    if not path.is_file():
        raise DiagnosticError(
            [
                Diagnostic(
                    "report-no-incidents",
                    f"no incident store at {path}: nothing was paged with this --state",
                    hint="the notifier writes it (`runbook.py monitor up` or `runbook.py notify`); "
                    "pass the same --state",
                )
            ]
        )
    report = engagement(IncidentStore(path, readonly=True), period)
    if args.format == "json":
        ctx.out.write(output.to_json(report))
    elif args.format == "markdown":
        ctx.out.write(output.to_markdown(report))
    else:
        output.print_terminal(report, ctx.out)
    return ExitCode.FAILED if report.breached else ExitCode.OK
