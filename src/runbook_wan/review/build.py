"""Build a review: load both states, trace the change, render what it reaches, diff, group, gate.

Baselines:

* ``against=REF``: the intents and ``configs/`` as committed at a git ref (a PR against main);
* no ref: the intents at ``HEAD`` (when in git) and ``configs/`` on disk (a working-tree change);
* ``snapshot=(intents, configs)``: folders holding an earlier state (deploy: what was last deployed).

Cached: a plan against the configs on disk (no ``--against``, not deploy's) renders only the sites
the build cache cannot prove unchanged (:mod:`runbook_wan.build`): a one-site edit in a 10,000-site
estate renders one site, whatever else differs from ``HEAD``. The intent layer still compares with
``HEAD``.

Incremental: when the change is known (an intent baseline in git) and nothing else that shapes a
config differs from the baseline (templates, platforms, the rendering code, and for a working-
tree plan ``configs/`` itself), only the sites the change reaches are rendered; every other site
renders exactly as its committed config by construction. When only site files changed, only
those files are even read, on both sides, so a one-site change in a 10,000-site estate loads one
site. Anything else (``--full``, ``--limit`` with a shared change, a template change) renders all.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import runbook_wan
from runbook_wan.build.cache import read_manifest
from runbook_wan.build.engine import BuildRequest, BuildResult, build
from runbook_wan.model.estate import Estate
from runbook_wan.model.loader import load_estate
from runbook_wan.model.platform import DEFAULT_PLATFORMS_DIR, artifact_suffixes
from runbook_wan.model.yaml_source import display_path
from runbook_wan.plan.baseline import read_baseline
from runbook_wan.plan.build import build_plan
from runbook_wan.plan.model import Change, Plan
from runbook_wan.render.environment import DEFAULT_TEMPLATES_DIR
from runbook_wan.render.pipeline import RenderResult, render_sites
from runbook_wan.render.renderer import RenderedConfig
from runbook_wan.render.writer import SUFFIX, read_site_files
from runbook_wan.results import Diagnostic, DiagnosticError, SourceLocation
from runbook_wan.review.gate import GateInput, GateVerdict, evaluate
from runbook_wan.review.gitref import Repo
from runbook_wan.review.grouping import group_hunks
from runbook_wan.review.impact import Impact, analyse
from runbook_wan.review.model import Review
from runbook_wan.review.secrets import SecretChange, declared
from runbook_wan.selection.limit import select_sites

#: Package code whose change alters rendered configs (checked against the ref when it is in the repo).
RENDER_CODE = tuple(
    Path(runbook_wan.__file__).resolve().parent / d for d in ("model", "facts", "render", "credentials")
)
NOTHING_DEPLOYED = "no deployed record"
#: Intent folders every site inherits from (read whole even for a one-site change).
SHARED = ("defaults.yaml", "regions", "providers", "policies")


@dataclass(frozen=True)
class ReviewRequest:
    intents: Path
    configs: Path
    templates: Path = DEFAULT_TEMPLATES_DIR
    platforms: Path = DEFAULT_PLATFORMS_DIR
    limit: str | None = None
    against: str | None = None
    full: bool = False
    override: str | None = None
    #: This machine's index of file digests (the build cache reads fewer files with it).
    build_index: Path | None = None
    #: This machine's compiled templates (a small plan does not compile every section again).
    compiled_templates: Path | None = None
    #: An earlier state in folders, instead of git: (intents, configs).
    snapshot: tuple[Path, Path] | None = None
    snapshot_label: str = "the last deployed state"
    #: Secret changes found by comparing values (deploy); None: the ones the intents declare.
    secrets: list[SecretChange] | None = None
    #: Why secret values were (not) compared, for the report.
    secrets_note: str = ""


@dataclass
class _Sides:
    old: Estate | None
    new: Estate | None  # None: not loaded yet (full render loads it)
    note: str = ""
    incremental: bool = False
    partial: bool = False
    why_full: str = ""


def _relabel(estate: Estate, shown_as: str, label: str) -> None:
    """Old-side locations read ``main:intents/...`` instead of a temporary folder."""
    for layer in estate.layers.values():
        layer.origins = {
            path: ((label + file[len(shown_as) :]) if file.startswith(shown_as) else file, line)
            for path, (file, line) in layer.origins.items()
        }


def _load_old(folder: Path, platforms: Path, label: str, site_files: set[str] | None) -> tuple[Estate | None, str]:
    try:
        estate, _ = load_estate(folder, platforms, site_files=site_files)
    except DiagnosticError as exc:
        return (
            None,
            f"the intents at {label} do not load ({len(exc.diagnostics)} error(s)), so there is no intent layer",
        )
    _relabel(estate, display_path(folder), label)
    return estate, ""


def _count_site_files(folder: Path) -> int:
    """Site files in ``folder/sites`` (directory entries only: no stat per file)."""
    sites = folder / "sites"
    if not sites.is_dir():
        return 0
    with os.scandir(sites) as entries:
        return sum(1 for e in entries if e.name.endswith((".yaml", ".yml")) and e.is_file())


def _git_sides(req: ReviewRequest, tmp: Path, need_full_render: bool, intent_only: bool = False) -> _Sides:
    """The intent baseline from git. ``intent_only``: the configs come from elsewhere (the build cache),
    so what differs besides the intents (templates, code, configs/) does not make the load whole."""
    ref = req.against or "HEAD"
    repo = Repo.open(req.intents, ref, required=req.against is not None)
    if repo is None:
        return _Sides(None, None, "the intents are not in a git repository, so there is no intent layer")
    rel = repo.rel(req.intents)
    if rel is None:
        return _Sides(None, None, "the intents folder is outside the git repository")
    why_full = ""
    if req.full:
        why_full = "--full"
    elif need_full_render:
        why_full = "every site is validated"
    elif intent_only:
        pass
    elif not repo.unchanged(r for p in (req.templates, req.platforms, *RENDER_CODE) if (r := repo.rel(p))):
        why_full = f"templates, platforms or rendering code differ from {ref}"
    elif req.against is None and not _configs_at_head(repo, req.configs):
        why_full = "configs/ differs from HEAD, so it is not the rendering of HEAD's intents"
    prefix = f"{rel}/sites/" if rel != "." else "sites/"
    changed = {} if why_full or req.limit else repo.changed(rel)
    partial = not why_full and not req.limit and all(path.startswith(prefix) for path in changed)
    label = f"{ref}:{rel}" if rel != "." else f"{ref}:"
    if partial:
        names = {PurePosixPath(p).name for p in changed}
        shared = [f"{rel}/{s}" if rel != "." else s for s in SHARED]
        repo.extract(repo.listing([*shared, *(p for p in changed if changed[p] != "A")]), tmp)
        old, note = _load_old(tmp / rel, req.platforms, label, names)
        if old is not None:
            new, _ = load_estate(req.intents, req.platforms, site_files=names)
            return _Sides(old, new, note, incremental=True, partial=True)
        return _Sides(None, None, note, why_full="the intent baseline does not load")
    files = repo.listing([rel])
    if not files:
        note = f"there are no intents at {ref} yet, so every site is new"
        return _Sides(None, None, note, why_full=why_full or note)
    repo.extract(files, tmp)
    old, note = _load_old(tmp / rel, req.platforms, label, None)
    incremental = old is not None and not why_full
    return _Sides(old, None, note, incremental, False, why_full or ("" if old else "no intent baseline"))


def _configs_at_head(repo: Repo, configs: Path) -> bool:
    rel = repo.rel(configs)
    return rel is not None and repo.unchanged([rel])


def _cached(req: ReviewRequest, rendered: RenderResult | None) -> tuple[RenderResult, BuildResult] | None:
    """The sites the build cache cannot prove unchanged, rendered in memory (a plain plan only)."""
    if req.against is not None or req.snapshot is not None or req.full or rendered is not None:
        return None
    manifest = read_manifest(req.configs)
    if manifest is None or not manifest.current:  # nothing proven: the git baseline does better
        return None
    request = BuildRequest(
        req.intents,
        req.configs,
        None,
        req.templates,
        req.platforms,
        req.limit,
        mode="memory",
        index=req.build_index,
        compiled=req.compiled_templates,
        manifest=manifest,
    )
    built = build(request)
    assert built.shared is not None
    configs = {}
    facts = {}
    for sid, outcome in built.outcomes.items():
        assert outcome.facts is not None
        own = f"{sid}{SUFFIX}"
        sidecars = {name[len(sid) :]: text for name, text in outcome.texts.items() if name != own}
        configs[sid] = RenderedConfig(sid, outcome.platform, outcome.texts[own], sidecars)
        facts[sid] = outcome.facts
    estate = built.shared.estate({}, {})
    return RenderResult(estate, facts, configs, selected=sorted(configs)), built


def build_review(req: ReviewRequest, rendered: RenderResult | None = None) -> Review:
    """Review the change from the baseline to the working intents. ``rendered``: a full render to reuse."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    cached = _cached(req, rendered)
    if cached is not None:
        timings["render_s"] = round(time.perf_counter() - started, 3)
    sides = _sides(req, rendered, cached is not None)
    if cached is not None and sides.new is None and sides.old is None:
        new = cached[0].estate  # no intent layer: the estate's settings are all the gate needs
    else:
        new = sides.new or (rendered.estate if rendered is not None else load_estate(req.intents, req.platforms)[0])
    timings["load_s"] = round(time.perf_counter() - started, 3)
    step = time.perf_counter()
    impact = analyse(sides.old, new) if sides.old is not None else None
    timings["impact_s"] = round(time.perf_counter() - step, 3)
    total = _count_site_files(req.intents) if sides.partial else len(new.sites)
    step = time.perf_counter()
    regions: dict[str, str] | None = None
    if cached is not None:
        result, built = cached
        total, regions = len(built.regions), built.regions
        mode = _cached_mode(built)
    else:
        result, mode = _render(req, rendered, sides, new, impact, total)
    timings.setdefault("render_s", round(time.perf_counter() - step, 3))
    step = time.perf_counter()
    plan = _cached_plan(req, cached) if cached is not None else _plan(req, result, impact, sides, total)
    timings["diff_s"] = round(time.perf_counter() - step, 3)
    old = sides.old
    secrets = _secrets(req, impact, old, new, result, cached is not None)
    gate = _gate(req, plan, impact, old, new, total, sides.partial, secrets, regions)
    changed = {s.site: s.hunks for s in plan.sites if s.change is not Change.UNCHANGED}
    grouping = group_hunks(changed, result.facts)
    timings["total_s"] = round(time.perf_counter() - started, 3)
    if req.snapshot:
        baseline = req.snapshot_label
    else:
        baseline = req.against or ("HEAD" if sides.old is not None else plan.baseline)
    note = req.secrets_note or (
        "secret values are compared by deploy (the secrets source is not read here): this shows the rotations "
        "the intents declare"
    )
    return Review(
        baseline,
        plan,
        grouping,
        gate,
        impact,
        sides.note,
        mode,
        timings=timings,
        facts=result.facts,
        secrets=secrets,
        secrets_note=note,
    )


def _sides(req: ReviewRequest, rendered: RenderResult | None, cached: bool) -> _Sides:
    with tempfile.TemporaryDirectory(prefix="runbook-review-") as tmp:
        if req.snapshot is not None and not req.snapshot[0].is_dir():
            note = f"nothing was deployed from this state yet, so every site is being onboarded ({NOTHING_DEPLOYED})"
            return _Sides(None, None, note, why_full="deploy renders every site")
        if req.snapshot is not None:
            old, note = _load_old(req.snapshot[0], req.platforms, "deployed:intents", None)
            return _Sides(old, None, note, why_full="deploy renders every site")
        return _git_sides(req, Path(tmp), need_full_render=rendered is not None, intent_only=cached)


def _secrets(
    req: ReviewRequest, impact: Impact | None, old: Estate | None, new: Estate, result: RenderResult, cached: bool
) -> list[SecretChange]:
    if req.secrets is not None:
        return req.secrets
    if impact is None or old is None:
        return []
    rendered = {sid: cfg.text for sid, cfg in result.configs.items()}
    return declared(impact, new, _OnDisk(rendered, req.configs) if cached else rendered)


class _OnDisk(dict[str, str]):
    """Rendered configs, and for a site the cache proved unchanged its config on disk (the same text)."""

    def __init__(self, rendered: dict[str, str], folder: Path) -> None:
        super().__init__(rendered)
        self.folder = folder

    def get(self, site: str, default: str | None = None) -> str | None:  # type: ignore[override]
        if site in self:
            return self[site]
        try:
            return (self.folder / f"{site}{SUFFIX}").read_text(encoding="utf-8")
        except OSError:
            return default


def _cached_mode(built: BuildResult) -> str:
    proven = len(built.selected) - len(built.built)
    how = f"{proven} proven unchanged by the build cache" if proven or not built.cache_note else built.cache_note
    return f"cached: {len(built.built)} of {len(built.selected)} sites re-rendered; {how}"


def _render(
    req: ReviewRequest, rendered: RenderResult | None, sides: _Sides, new: Estate, impact: Impact | None, total: int
) -> tuple[RenderResult, str]:
    if rendered is not None:
        return rendered, f"full: every selected site rendered ({sides.why_full or 'validation'})"
    if sides.incremental and impact is not None:
        selected = set(select_sites(new, req.limit)) if req.limit else set(new.sites)
        targets = sorted(s for s in impact.sites if s in new.sites and s in selected)
        result = render_sites(new, targets, templates_dir=req.templates)
        scope = len(selected) if not sides.partial else total
        return result, f"incremental: {len(targets)} of {scope} sites re-rendered (the ones the change reaches)"
    result = render_sites(new, select_sites(new, req.limit), templates_dir=req.templates)
    return result, f"full: every selected site rendered ({sides.why_full or 'no intent baseline'})"


def _cached_plan(req: ReviewRequest, cached: tuple[RenderResult, BuildResult]) -> Plan:
    """The built sites against their configs on disk; the proven ones unchanged; removed sites."""
    result, built = cached
    removed: set[str] = set()
    if req.limit is None and req.configs.is_dir():
        removed = {p.name.removesuffix(SUFFIX) for p in req.configs.glob(f"*{SUFFIX}")} - set(built.regions)
    suffixes = artifact_suffixes(result.estate.platforms)
    baseline = read_baseline(req.configs, None, sites=set(result.selected) | removed, suffixes=suffixes)
    plan = build_plan(result, baseline, f"{req.configs}/", req.limit)
    plan.total_sites = len(built.regions)
    plan.unreached = len(built.selected) - len(built.built)
    return plan


def _plan(req: ReviewRequest, result: RenderResult, impact: Impact | None, sides: _Sides, total: int) -> Plan:
    # Artifacts the platforms declare, now and at the baseline (a dropped artifact shows as removed).
    suffixes = artifact_suffixes({**(sides.old.platforms if sides.old else {}), **result.estate.platforms})
    if req.snapshot is not None:
        baseline = read_site_files(req.snapshot[1], suffixes)
        label = req.snapshot_label
    else:
        label = f"{req.configs}/ at {req.against}" if req.against else f"{req.configs}/"
        if sides.incremental and impact is not None:
            wanted = set(result.selected) | {s for s, i in impact.sites.items() if i.state == "removed"}
            baseline = read_baseline(req.configs, req.against, sites=wanted, suffixes=suffixes)
        else:
            baseline = read_baseline(req.configs, req.against, suffixes=suffixes)
    plan = build_plan(result, baseline, label, req.limit)
    plan.total_sites = total
    if sides.incremental and impact is not None:
        scope = total if sides.partial or not req.limit else len(select_sites(result.estate, req.limit))
        plan.unreached = max(0, scope - len(result.selected))
    return plan


def _region_sizes(req: ReviewRequest, new: Estate, partial: bool) -> Callable[[], dict[str, int]]:
    def sizes() -> dict[str, int]:
        estate = load_estate(req.intents, req.platforms)[0] if partial else new
        return dict(Counter(site.region for site in estate.sites.values()))

    return sizes


def _gate(
    req: ReviewRequest,
    plan: Plan,
    impact: Impact | None,
    old: Estate | None,
    new: Estate,
    total: int,
    partial: bool,
    secrets: list[SecretChange],
    regions: dict[str, str] | None = None,
) -> GateVerdict:
    """``regions``: every site's region when the caller knows them (a cached plan), else from the estates."""

    def region(site: str) -> str:
        if regions is not None and site in regions:
            return regions[site]
        for estate in (new, old):
            if estate is not None and site in estate.sites:
                return estate.sites[site].region
        return "?"

    counted = {s.site: region(s.site) for s in plan.sites if s.change in (Change.CHANGED, Change.REMOVED)}
    onboarding = [s.site for s in plan.sites if s.change is Change.ADDED]
    # A secret rotation changes what those sites' devices run although their configs do not change.
    for change in secrets:
        counted |= {site: region(site) for site in change.sites if site not in onboarding}
    holder = old if old is not None and old.settings.change_policy is not None else new
    policy = holder.settings.change_policy
    shown = new if new.settings.change_policy is not None else holder

    def locate(key: str) -> SourceLocation | None:
        return shown.locate("defaults", "defaults", ("estate", "change_policy", key))

    sizes = (lambda: dict(Counter(regions.values()))) if regions is not None else _region_sizes(req, new, partial)
    given = GateInput(counted, onboarding, total, sizes, impact)
    return evaluate(policy, locate(""), given, req.override, locate)


def override_reason(text: str | None) -> str | None:
    """``--allow-wide-change REASON``: a reason is required, and it is one line of plain words."""
    if text is None:
        return None
    reason = " ".join(text.split())
    if len(reason) < 3:
        raise DiagnosticError(
            [
                Diagnostic(
                    "wide-change-reason",
                    "--allow-wide-change needs a reason (it is recorded in the audit log)",
                    hint="e.g. --allow-wide-change 'CHG-1234: move SaaS to fiber, approved by the network lead'",
                )
            ]
        )
    return reason
