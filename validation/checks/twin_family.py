"""Family 3 (``--twin``): the survivability proof in the FRR lab, one result per site x scenario."""

from __future__ import annotations

from pathlib import Path

from runbook_wan.model.platform import artifact_suffixes
from runbook_wan.plan.baseline import read_baseline
from runbook_wan.results import Diagnostic, Status
from runbook_wan.validation.checks.base import ValidationContext, ValidationOptions
from runbook_wan.validation.report import ESTATE, CheckResult, skipped
from runbook_wan.validation.twin.proof import TwinMatrix, run_proof

CHECK = "twin"


def touched_sites(ctx: ValidationContext, against: str | None) -> list[str]:
    """Sites whose rendered files (config, artifacts) differ from the baseline (configs/ on disk, or at a git ref)."""
    suffixes = artifact_suffixes(ctx.rendered.estate.platforms)
    baseline = read_baseline(ctx.options.configs_dir, against, suffixes=suffixes)
    return [s for s in ctx.sites if baseline.get(s) != ctx.rendered.configs[s].files]


class TwinFamily:
    name = "twin"
    title = "twin survivability proof in the FRR lab"

    def __init__(self) -> None:
        self.matrix: TwinMatrix | None = None

    def enabled(self, options: ValidationOptions) -> bool:
        return bool(options.extras.get("twin"))

    def run(self, ctx: ValidationContext) -> list[CheckResult]:
        extras = ctx.options.extras
        against = extras.get("against")
        sites = list(ctx.sites) if extras.get("twin_all") else touched_sites(ctx, str(against) if against else None)
        if not sites:
            return [
                skipped(
                    CHECK,
                    ESTATE,
                    "no site's config changed against the baseline; nothing to prove (use --all to prove every site)",
                )
            ]
        platforms = ctx.rendered.estate.platforms
        bootable = [s for s in sites if platforms[ctx.rendered.facts[s].platform].runs_in_lab]
        results = [
            skipped(CHECK, s, f"platform {ctx.rendered.facts[s].platform} cannot run in the FRR lab")
            for s in sites
            if s not in bootable
        ]
        if not bootable:
            return results
        state_dir = Path(str(extras.get("state_dir", ".runbook"))) / "twin"
        progress = extras.get("progress")
        names = extras.get("twin_scenarios") or ()
        self.matrix = run_proof(
            ctx.rendered,
            bootable,
            state_dir,
            progress if callable(progress) else None,
            tuple(str(n) for n in names) if isinstance(names, tuple | list) else (),
        )
        for (site, scenario), cell in sorted(self.matrix.cells.items()):
            where = ctx.rendered.estate.locate("site", site)
            diagnostics = tuple(
                Diagnostic(
                    f"twin-{scenario}",
                    f"{scenario}: {problem}",
                    location=where,
                    hint=f"reproduce: runbook.py lab up --configs DIR --limit {site}, "
                    f"then runbook.py lab fail {site} ...",
                )
                for problem in cell.problems
            )
            steered = sum(s.ok for s in cell.steering)
            message = (
                f"hub {'ok' if cell.hub_s is not None else 'unreachable'}, "
                f"saas {'ok' if cell.saas_s is not None else 'unreachable'}, "
                f"{steered}/{len(cell.steering)} classes steered as intended"
                + (f", all back {cell.returned_s:.0f} s after it ended" if cell.returned_s is not None else "")
            )
            results.append(
                CheckResult(
                    f"{CHECK}.{scenario}", site, Status.SUCCESS if cell.ok else Status.FAILURE, diagnostics, message
                )
            )
        return results
