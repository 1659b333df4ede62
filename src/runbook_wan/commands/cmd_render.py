"""``runbook.py render``: write ``configs/<site>.cfg`` for the selected sites, and ``monitoring/``.

Only the sites whose inputs changed since the last render are built (the build cache beside the
configs, :mod:`runbook_wan.build.cache`); ``--full`` builds every site; ``--check`` writes nothing
and exits 2 when a committed output is not what the intents render to (CI runs it).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING

from runbook_wan.commands.options import configs_options, intents_options, limit_options, positive_int
from runbook_wan.results import ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.context import RunContext

HELP = "render intents into device configs (and their artifacts) under configs/ and monitoring config under monitoring/"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "render",
        help=HELP,
        description=HELP,
        parents=[intents_options(), limit_options(), configs_options()],
        epilog=exit_codes.epilog("render"),
    )
    parser.add_argument(
        "--monitoring",
        type=Path,
        default=None,
        metavar="DIR",
        help="generated Prometheus/Alertmanager files (default: monitoring/ next to the configs folder); "
        "written only when the whole estate is rendered",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="build every site, ignoring the build cache (configs/.render-cache.jsonl) that proves unchanged sites",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 2 and list the files when the committed configs/ or monitoring/ are not what "
        "the intents render to (CI)",
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="worker processes (default: one per core when many sites are built)",
    )
    parser.set_defaults(handler=run)


def monitoring_dir(args: argparse.Namespace) -> Path:
    return Path(args.monitoring) if args.monitoring is not None else Path(args.configs).parent / "monitoring"


def _fingerprints(ctx: RunContext) -> Callable[[Collection[str]], dict[str, str]] | None:
    """Keyed fingerprints of secret values, when the fingerprint key is set (else None: a render
    needs no secret, and a missing key or an unreadable secrets file must not stop it)."""
    from runbook_wan.credentials.fingerprints import KEY_SECRET, Fingerprinter
    from runbook_wan.credentials.resolver import SecretResolver
    from runbook_wan.results import DiagnosticError

    resolver = SecretResolver(ctx.redactor)
    try:
        key = resolver.lookup(KEY_SECRET)
    except DiagnosticError:
        return None
    if key is None:
        return None
    printer = Fingerprinter(key.encode("utf-8"))

    def of(names: Collection[str]) -> dict[str, str]:
        found = {}
        for name in names:
            try:
                value = resolver.lookup(name)
            except DiagnosticError:
                value = None
            found[name] = printer.of(name, value) if value is not None else "unset"
        return found

    return of


def _warn(ctx: RunContext, count: int) -> None:
    if count:
        ctx.err.print(f"{count} warning(s); `runbook.py validate` lists them", markup=False)


def run(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.atomic_files import check_outputs
    from runbook_wan.build.cache import FILE_NAME
    from runbook_wan.build.engine import BuildRequest, build
    from runbook_wan.build.secrets import RECORD
    from runbook_wan.build.stat_index import INDEX
    from runbook_wan.render.environment import compiled_templates_dir

    monitoring = monitoring_dir(args)
    if args.check:
        check_outputs(inputs=[(args.configs, "--configs"), (monitoring, "--monitoring")])
    else:
        check_outputs(folders=[(args.configs, "--configs"), (monitoring, "--monitoring")])
    request = BuildRequest(
        intents=args.intents,
        configs=args.configs,
        monitoring=None if args.limit else monitoring,
        templates=args.templates,
        platforms=args.platforms,
        limit=args.limit,
        full=args.full,
        mode="check" if args.check else "write",
        jobs=args.jobs,
        on_warnings=lambda count: _warn(ctx, count),
        fingerprints=_fingerprints(ctx),
        secrets_record=ctx.state_dir / RECORD,
        index=ctx.state_dir / INDEX,
        compiled=compiled_templates_dir(ctx.state_dir),
    )
    result = build(request)
    for name in result.leftovers:
        ctx.err.print(f"note: removed {args.configs.parent / name}/, left by a render that was killed", markup=False)
    if result.unfinished:
        ctx.err.print(
            f"note: removed {len(result.unfinished)} unfinished file(s) in {args.configs}/ "
            f"({', '.join(result.unfinished[:3])}{', ...' if len(result.unfinished) > 3 else ''}), "
            "left by a render that was killed",
            markup=False,
        )
    cache = args.configs / FILE_NAME
    reused = len(result.selected) - len(result.built)
    how = f"{reused} proven unchanged by the build cache ({cache})" if reused else result.cache_note
    how = how or "every site's inputs changed since the last render"
    if args.check:
        for path in result.stale:
            ctx.out.print(f"stale: {path}", markup=False)
        if result.cache_stale:
            ctx.err.print(
                f"note: the build cache {cache} is out of date; `runbook.py render` refreshes it", markup=False
            )
        if result.stale:
            ctx.out.print(
                f"{len(result.stale)} file(s) differ from what the intents render to: run `runbook.py render` "
                "and commit the result",
                markup=False,
            )
            return ExitCode.CHANGES
        ctx.out.print(
            f"up to date: {len(result.selected)} site(s) in {args.configs}/"
            + ("" if args.limit else f" and {monitoring}/")
            + f" match the intents (built {len(result.built)}; {how})",
            markup=False,
        )
        return ExitCode.OK
    ctx.out.print(
        f"rendered {len(result.selected)} site(s) into {args.configs}/: "
        f"{len(result.written)} written, {len(result.unchanged)} unchanged, {len(result.removed)} removed",
        markup=False,
    )
    if result.monitoring is not None:
        ctx.out.print(
            f"monitoring for {len(result.selected)} site(s) in {monitoring}/: "
            f"{len(result.monitoring)} of {result.monitoring_files} file(s) changed",
            markup=False,
        )
    ctx.out.print(f"built {len(result.built)} site(s) with {result.processes} process(es); {how}", markup=False)
    return ExitCode.OK
