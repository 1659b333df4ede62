"""``runbook.py backup`` and ``runbook.py rollback``: running-config backups and restores.

``rollback SITE`` (or ``--all``) restores the newest backup that differs from what the device
runs now, i.e. it undoes the last change; ``--to FILE`` restores a given backup. Backups live in
``<state>/backups/<site>/`` with secrets masked; tokens are resolved again for the push.
Exit codes: ``results.exit_codes.BY_COMMAND["backup"|"rollback"]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from runbook_wan.commands.options import intents_options, limit_options, positive_int
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode, exit_codes

if TYPE_CHECKING:
    from nornir.core import Nornir

    from runbook_wan.context import RunContext
    from runbook_wan.model.platform import PlatformSpec


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inventory",
        type=Path,
        default=None,
        metavar="DIR",
        help="inventory folder with hosts.yaml (default: WORKSPACE/inventory)",
    )
    parser.add_argument("--workers", type=positive_int, default=20, metavar="N", help="sites handled in parallel")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    backup = sub.add_parser(
        "backup",
        help="save the running config of each site",
        parents=[intents_options(), limit_options()],
        epilog=exit_codes.epilog("backup"),
    )
    _common(backup)
    backup.set_defaults(handler=run_backup)
    rollback = sub.add_parser(
        "rollback",
        help="restore sites to a backup (default: undo the last change)",
        parents=[intents_options()],
        epilog=exit_codes.epilog("rollback"),
    )
    rollback.add_argument("site", nargs="?", help="site to restore (or --all)")
    rollback.add_argument("--all", action="store_true", help="every site (narrow with --limit)")
    rollback.add_argument("-l", "--limit", metavar="EXPR", help="with --all: sites to act on")
    rollback.add_argument("--to", type=Path, metavar="BACKUP", help="restore this backup file (one site)")
    _common(rollback)
    rollback.set_defaults(handler=run_rollback)


def _fleet(args: argparse.Namespace, limit: str | None) -> tuple[list[str], Nornir, dict[str, PlatformSpec]]:
    """The selected sites, a Nornir over them and each site's platform; the intents are loaded once."""
    from runbook_wan.model.loader import load_estate
    from runbook_wan.selection.limit import select_sites
    from runbook_wan.tasks.fleet import open_fleet

    estate, _ = load_estate(args.intents, args.platforms)
    sites = select_sites(estate, limit)
    platforms = {s: estate.platforms[estate.sites[s].platform] for s in sites}
    return sites, open_fleet(estate, sites, args.inventory, args.workers), platforms


def _report(ctx: RunContext, aggregated: object, sites: list[str]) -> ExitCode:
    from nornir.core.task import AggregatedResult

    assert isinstance(aggregated, AggregatedResult)
    failed = False
    for site in sites:
        multi = aggregated.get(site)
        if multi is None or multi.failed:
            failed = True
            detail = str(multi[0].exception) if multi and multi[0].exception else "no result"
            ctx.out.print(f"{site}: FAILED {detail}", markup=False)
        else:
            ctx.out.print(f"{site}: {multi[0].result}", markup=False)
    return ExitCode.FAILED if failed else ExitCode.OK


def run_backup(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.tasks.backup import BackupStore
    from runbook_wan.tasks.restore import backup_site

    sites, nornir, platforms = _fleet(args, args.limit)
    store = BackupStore(ctx.state_dir / "backups", ctx.redactor)
    try:
        result = nornir.run(task=backup_site, store=store, label="manual", platforms=platforms, on_failed=True)
    finally:
        nornir.close_connections(on_good=True, on_failed=True)
    return _report(ctx, result, sites)


def run_rollback(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.credentials.resolver import SecretResolver
    from runbook_wan.rollout.audit import AuditLog, current_user
    from runbook_wan.tasks.backup import BackupStore
    from runbook_wan.tasks.restore import restore_site

    if bool(args.site) == bool(args.all):
        raise DiagnosticError(
            [
                Diagnostic(
                    "rollback-target",
                    "name one SITE or pass --all",
                    hint="e.g. `rollback chi-021`, or `rollback --all --limit region=west`",
                )
            ]
        )
    if args.to and not args.site:
        raise DiagnosticError(
            [
                Diagnostic(
                    "rollback-to",
                    "--to restores one site's backup",
                    hint="runbook.py rollback SITE --to <state>/backups/SITE/FILE.cfg",
                )
            ]
        )
    if args.to and not args.to.is_file():
        raise DiagnosticError(
            [
                Diagnostic(
                    "rollback-to-missing",
                    f"backup {args.to} not found",
                    hint=f"list them: ls {ctx.state_dir / 'backups' / args.site}",
                )
            ]
        )
    sites, nornir, platforms = _fleet(args, args.site if args.site else args.limit)
    store = BackupStore(ctx.state_dir / "backups", ctx.redactor)
    lab_secrets = ctx.state_dir / "lab" / "secrets.yaml"
    resolver = SecretResolver(ctx.redactor, extra_files=[lab_secrets] if lab_secrets.is_file() else [])
    chosen: dict[str, Path | None] = {args.site: args.to} if args.to else {}
    label = time.strftime("rollback-%Y%m%dT%H%M%S")
    try:
        result = nornir.run(
            task=restore_site,
            store=store,
            resolver=resolver,
            backups=chosen,
            label=label,
            platforms=platforms,
            on_failed=True,
        )
    finally:
        nornir.close_connections(on_good=True, on_failed=True)
    audit = AuditLog(ctx.state_dir / "audit.log", ctx.redactor)
    for site in sites:
        multi = result.get(site)
        audit.append(
            "rollback",
            user=current_user(),
            site=site,
            label=label,
            result="failed" if multi is None or multi.failed else str(multi[0].result),
        )
    return _report(ctx, result, sites)
