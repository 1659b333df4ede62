"""Cross-file references: every name a site or policy uses must exist.

These run after each object validated on its own; they report all broken references at once.
Objects in ``broken`` exist but failed validation: references to them are not "unknown".
"""

from __future__ import annotations

import difflib

from runbook_wan.model.estate import Estate
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.model.site import Site
from runbook_wan.results import Diagnostic

Broken = set[tuple[str, str]]


def _did_you_mean(name: str, known: list[str], noun: str) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    shown = ", ".join(sorted(known)[:8]) or "none"
    return f"known {noun}: {shown}"


def _unknown(
    estate: Estate, sid: str, kind: str, name: str, path: tuple[str, ...], known: list[str], noun: str
) -> Diagnostic:
    return Diagnostic(
        f"ref-{kind}",
        f"unknown {kind} {name!r}",
        location=estate.locate("site", sid, path),
        hint=_did_you_mean(name, known, noun),
    )


def _site_names(estate: Estate, sid: str, site: Site, broken: Broken) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if site.region not in estate.regions and ("region", site.region) not in broken:
        out.append(_unknown(estate, sid, "region", site.region, ("region",), list(estate.regions), "regions"))
    if site.platform not in estate.platforms and ("platform", site.platform) not in broken:
        out.append(_unknown(estate, sid, "platform", site.platform, ("platform",), list(estate.platforms), "platforms"))
    for role in CIRCUIT_ROLES:
        provider = getattr(site.circuits, role).provider
        if provider not in estate.providers and ("provider", provider) not in broken:
            out.append(
                _unknown(
                    estate,
                    sid,
                    "provider",
                    provider,
                    ("circuits", role, "provider"),
                    list(estate.providers),
                    "providers",
                )
            )
    if site.policy not in estate.policies and ("policy", site.policy) not in broken:
        out.append(_unknown(estate, sid, "policy", site.policy, ("policy",), list(estate.policies), "policies"))
    return out


def segment_users(estate: Estate) -> dict[str, set[str]]:
    """Policy -> the LAN segment names of the sites that use it."""
    users: dict[str, set[str]] = {}
    for site in estate.sites.values():
        users.setdefault(site.policy, set()).update(seg.name for seg in site.lan_segments)
    return users


def segments_nobody_has(estate: Estate, users: dict[str, set[str]]) -> tuple[list[Diagnostic], set[tuple[str, str]]]:
    """A segment a policy matches that no site using the policy has: a typo in the policy.

    Reported once, at the policy's line, with "did you mean" among those sites' segments (not
    once per site, at each site, pointing the wrong way). ``users``: :func:`segment_users` of the
    whole estate. Returns the diagnostics and the (policy, segment) pairs they cover.
    """
    out: list[Diagnostic] = []
    covered: set[tuple[str, str]] = set()
    for pname, policy in sorted(estate.policies.items()):
        if pname not in users:
            continue
        known = users[pname]
        for cname, app in policy.classes.items():
            for index, segment in enumerate(app.match.segments):
                if segment in known or (pname, segment) in covered:
                    continue
                covered.add((pname, segment))
                out.append(
                    Diagnostic(
                        "ref-segment",
                        f"class {cname!r} matches segment {segment!r}, which no site using policy {pname!r} has",
                        location=estate.locate("policy", pname, ("classes", cname, "match", "segments", index)),
                        hint=_did_you_mean(segment, sorted(known), "segments of those sites"),
                    )
                )
    return out, covered


def _site_segments(estate: Estate, sid: str, site: Site) -> list[tuple[tuple[str, str], Diagnostic]]:
    """Segments the site's policy matches that the site lacks, each with its (policy, segment) pair."""
    policy = estate.policies.get(site.policy)
    if policy is None:
        return []
    segments = {seg.name for seg in site.lan_segments}
    out: list[tuple[tuple[str, str], Diagnostic]] = []
    for cname, app in policy.classes.items():
        for index, segment in enumerate(app.match.segments):
            if segment in segments:
                continue
            used_at = estate.locate("policy", policy.policy, ("classes", cname, "match", "segments", index))
            problem = Diagnostic(
                "ref-segment",
                f"policy {policy.policy!r} class {cname!r} matches segment {segment!r}, "
                f"which site {sid!r} does not have",
                location=estate.locate("site", sid, ("lan_segments",)),
                hint=f"add a {segment!r} LAN segment to the site or use another policy "
                f"(segment referenced at {used_at.display()})",
            )
            out.append(((policy.policy, segment), problem))
    return out


def site_references(
    estate: Estate, sid: str, site: Site, broken: Broken
) -> tuple[list[Diagnostic], list[tuple[tuple[str, str], Diagnostic]]]:
    """One site's unknown names, and the policy segments it lacks (each with its (policy, segment)
    pair: a pair no site of the policy has is reported once at the policy instead)."""
    return _site_names(estate, sid, site, broken), _site_segments(estate, sid, site)


def guardrail_classes(estate: Estate) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for pname, policy in sorted(estate.policies.items()):
        for index, cname in enumerate(policy.guardrails.never_on_wireless):
            if cname not in policy.classes:
                out.append(
                    Diagnostic(
                        "ref-class",
                        f"unknown class {cname!r}",
                        location=estate.locate("policy", pname, ("guardrails", "never_on_wireless", index)),
                        hint=_did_you_mean(cname, list(policy.classes), "classes"),
                    )
                )
    return out


def check_references(estate: Estate, broken: Broken | None = None) -> list[Diagnostic]:
    """Report names that are used but not defined."""
    broken = broken or set()
    out, covered = segments_nobody_has(estate, segment_users(estate))
    for sid, site in sorted(estate.sites.items()):
        names, segments = site_references(estate, sid, site, broken)
        out += names + [problem for pair, problem in segments if pair not in covered]
    return out + guardrail_classes(estate)
