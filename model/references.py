"""Cross-file references: every name a site or policy uses must exist.

These run after each object validated on its own; they report all broken references at once.
"""

from __future__ import annotations

import difflib

from model.estate import Estate
from model.types import CIRCUIT_ROLES
from results import Diagnostic


def _did_you_mean(name: str, known: list[str], noun: str) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    shown = ", ".join(sorted(known)[:8]) or "none"
    return f"known {noun}: {shown}"


def check_references(estate: Estate, broken: set[tuple[str, str]] | None = None) -> list[Diagnostic]:
    """Report names that are used but not defined. ``broken`` objects exist but failed validation."""
    broken = broken or set()
    out: list[Diagnostic] = []
    for sid, site in sorted(estate.sites.items()):
        if site.region not in estate.regions and ("region", site.region) not in broken:
            out.append(Diagnostic("ref-region", f"unknown region {site.region!r}",
                                  location=estate.locate("site", sid, ("region",)),
                                  hint=_did_you_mean(site.region, list(estate.regions), "regions")))
        if site.platform not in estate.platforms:
            out.append(Diagnostic("ref-platform", f"unknown platform {site.platform!r}",
                                  location=estate.locate("site", sid, ("platform",)),
                                  hint=_did_you_mean(site.platform, list(estate.platforms), "platforms")))
        for role in CIRCUIT_ROLES:
            provider = getattr(site.circuits, role).provider
            if provider not in estate.providers and ("provider", provider) not in broken:
                out.append(Diagnostic("ref-provider", f"unknown provider {provider!r}",
                                      location=estate.locate("site", sid, ("circuits", role, "provider")),
                                      hint=_did_you_mean(provider, list(estate.providers), "providers")))
        policy = estate.policies.get(site.policy)
        if policy is None and ("policy", site.policy) in broken:
            continue
        if policy is None:
            out.append(Diagnostic("ref-policy", f"unknown policy {site.policy!r}",
                                  location=estate.locate("site", sid, ("policy",)),
                                  hint=_did_you_mean(site.policy, list(estate.policies), "policies")))
            continue
        segments = {seg.name for seg in site.lan_segments}
        for cname, app in policy.classes.items():
            for index, segment in enumerate(app.match.segments):
                if segment not in segments:
                    out.append(Diagnostic(
                        "ref-segment",
                        f"policy {policy.policy!r} class {cname!r} matches segment {segment!r}, "
                        f"which site {sid!r} does not have",
                        location=estate.locate("site", sid, ("lan_segments",)),
                        hint=f"add a {segment!r} LAN segment to the site or use another policy "
                             f"(segment referenced at {estate.locate('policy', policy.policy, ('classes', cname, 'match', 'segments', index)).display()})",
                    ))
    for pname, policy in sorted(estate.policies.items()):
        for index, cname in enumerate(policy.guardrails.never_on_wireless):
            if cname not in policy.classes:
                out.append(Diagnostic("ref-class", f"unknown class {cname!r}",
                                      location=estate.locate("policy", pname,
                                                             ("guardrails", "never_on_wireless", index)),
                                      hint=_did_you_mean(cname, list(policy.classes), "classes")))
    return out
