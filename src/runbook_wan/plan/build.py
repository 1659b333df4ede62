"""Build a :class:`~plan.model.Plan` from rendered configs and a baseline."""

from __future__ import annotations

from runbook_wan.plan.diff import config_diff
from runbook_wan.plan.model import Change, Plan, SitePlan, sha256
from runbook_wan.render.pipeline import RenderResult


def build_plan(result: RenderResult, baseline: dict[str, str], baseline_label: str, limit: str | None) -> Plan:
    sites: list[SitePlan] = []
    for sid in result.selected:
        cfg = result.configs[sid]
        platform = result.estate.platforms[cfg.platform]
        old = baseline.get(sid)
        if old is None:
            hunks = config_diff("", cfg.text, comment=platform.comment)
            sites.append(SitePlan(sid, Change.ADDED, cfg.platform, hunks, None, sha256(cfg.text)))
        elif old == cfg.text:
            sites.append(SitePlan(sid, Change.UNCHANGED, cfg.platform, [], sha256(old), sha256(cfg.text)))
        else:
            hunks = config_diff(old, cfg.text, comment=platform.comment)
            sites.append(SitePlan(sid, Change.CHANGED, cfg.platform, hunks, sha256(old), sha256(cfg.text)))
    if not limit:  # removals are only meaningful over the whole estate
        for sid in sorted(set(baseline) - set(result.configs)):
            hunks = config_diff(baseline[sid], "")
            sites.append(SitePlan(sid, Change.REMOVED, "?", hunks, sha256(baseline[sid]), None))
    sites.sort(key=lambda s: s.site)
    return Plan(sites=sites, baseline=baseline_label, total_sites=len(result.estate.sites), limit=limit)
