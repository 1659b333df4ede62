"""Build a :class:`~plan.model.Plan` from rendered sites and a baseline.

A site is its config and its platform's artifacts (``.nft``, ``.agent.json``): it changes when any
of its files does, and its hunks cover every file (each artifact hunk carries its suffix).
"""

from __future__ import annotations

from runbook_wan.model.platform import PlatformSpec
from runbook_wan.plan.diff import Hunk, config_diff
from runbook_wan.plan.model import Change, Plan, SitePlan, site_digest
from runbook_wan.render.pipeline import RenderResult
from runbook_wan.render.writer import SUFFIX, SiteFiles


def _comment(platform: PlatformSpec | None, suffix: str) -> str:
    if platform is None:
        return "!"
    if suffix == SUFFIX:
        return platform.comment
    return next((a.comment for a in platform.artifacts if a.suffix == suffix), "#")


def site_hunks(old: SiteFiles, new: SiteFiles, platform: PlatformSpec | None) -> tuple[list[Hunk], list[str]]:
    """Hunks of every file that differs (the config first), and those files' suffixes."""
    hunks: list[Hunk] = []
    changed: list[str] = []
    for suffix in sorted({*old, *new}, key=lambda s: (s != SUFFIX, s)):
        before, after = old.get(suffix, ""), new.get(suffix, "")
        if before == after:
            continue
        changed.append(suffix)
        file = "" if suffix == SUFFIX else suffix
        hunks += config_diff(before, after, comment=_comment(platform, suffix), file=file)
    return hunks, changed


def build_plan(result: RenderResult, baseline: dict[str, SiteFiles], baseline_label: str, limit: str | None) -> Plan:
    sites: list[SitePlan] = []
    for sid in result.selected:
        cfg = result.configs[sid]
        platform = result.estate.platforms[cfg.platform]
        new = cfg.files
        old = baseline.get(sid)
        if old is None:
            hunks, files = site_hunks({}, new, platform)
            sites.append(SitePlan(sid, Change.ADDED, cfg.platform, hunks, None, site_digest(new), files))
        elif old == new:
            sites.append(SitePlan(sid, Change.UNCHANGED, cfg.platform, [], site_digest(old), site_digest(new)))
        else:
            hunks, files = site_hunks(old, new, platform)
            sites.append(SitePlan(sid, Change.CHANGED, cfg.platform, hunks, site_digest(old), site_digest(new), files))
    if not limit:  # removals are only meaningful over the whole estate
        for sid in sorted(set(baseline) - set(result.configs)):
            hunks, files = site_hunks(baseline[sid], {}, None)
            sites.append(SitePlan(sid, Change.REMOVED, "?", hunks, site_digest(baseline[sid]), None, files))
    sites.sort(key=lambda s: s.site)
    return Plan(sites=sites, baseline=baseline_label, total_sites=len(result.estate.sites), limit=limit)
