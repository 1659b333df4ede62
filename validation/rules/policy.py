"""SD-WAN policies as the sites use them: references, guardrails, SLAs and destinations."""

from __future__ import annotations

from collections.abc import Iterator

from runbook_wan.model.roles import CIRCUIT_ROLES, CircuitRole
from runbook_wan.results import Severity
from runbook_wan.validation.report import ESTATE
from runbook_wan.validation.rules.base import EstateRule, Hit, RuleInput

WIRELESS = CircuitRole.TERTIARY_WIRELESS

#: Loss above this percentage is no service level at all (warning).
MAX_SANE_LOSS_PCT = 10.0
#: Wireless backup rarely delivers one-way latency below this (warning if a class on wireless asks less).
WIRELESS_MIN_LATENCY_MS = 40


def _class_references(data: RuleInput) -> Iterator[Hit]:
    """Every class of a site's policy names segments the site has and circuits it has.

    (The loader already rejects unknown segments with ``ref-segment``; this rule also covers
    estates built in code and reports every class at once.)
    """
    for sid in data.selected:
        site = data.estate.sites[sid]
        policy = data.estate.policies.get(site.policy)
        if policy is None:
            continue
        segments = {seg.name for seg in site.lan_segments}
        for cname, app in policy.classes.items():
            for index, segment in enumerate(app.match.segments):
                if segment not in segments:
                    yield Hit(
                        sid,
                        f"class {cname!r} of policy {policy.policy!r} matches segment {segment!r}, "
                        f"which site {sid!r} does not have",
                        data.policy(policy.policy, ("classes", cname, "match", "segments", index)),
                        f"add a {segment!r} LAN segment to {sid} or give it another policy",
                    )
            for index, role in enumerate(app.path_preference):
                if getattr(site.circuits, role, None) is None:
                    yield Hit(
                        sid,
                        f"class {cname!r} uses circuit {role!r}, which site {sid!r} does not have",
                        data.policy(policy.policy, ("classes", cname, "path_preference", index)),
                        f"use only {', '.join(CIRCUIT_ROLES)}",
                    )


def _steerable(data: RuleInput) -> Iterator[Hit]:
    """Every class can be matched on the platform of each site that uses it.

    A platform that can express none of a class's criteria (e.g. a DSCP-only class on a platform
    whose policy routing cannot match DSCP) never steers the class: it silently follows the default
    route.
    """
    for sid in data.selected:
        site = data.estate.sites[sid]
        policy = data.estate.policies.get(site.policy)
        platform = data.estate.platforms.get(site.platform)
        if policy is None or platform is None:
            continue
        supported = set(platform.capabilities.steering_match)
        for cname, app in policy.classes.items():
            used = {kind for kind in ("segments", "destinations", "dscp") if getattr(app.match, kind)}
            if used and not used & supported:
                yield Hit(
                    sid,
                    f"class {cname!r} matches only by {', '.join(sorted(used))}, which platform "
                    f"{platform.platform!r} of site {sid!r} cannot match; the class is never steered",
                    data.policy(policy.policy, ("classes", cname, "match")),
                    f"add {' or '.join(sorted(supported))} criteria to the class",
                )


def _wireless_guardrails(data: RuleInput) -> Iterator[Hit]:
    """Classes listed in ``guardrails.never_on_wireless`` do not list tertiary_wireless as a path."""
    for name in data.policies_in_use:
        policy = data.estate.policies[name]
        for cname in policy.guardrails.never_on_wireless:
            app = policy.classes.get(cname)
            if app is not None and WIRELESS in app.path_preference:
                index = app.path_preference.index(WIRELESS)
                yield Hit(
                    ESTATE,
                    f"class {cname!r} is guard-railed never_on_wireless but lists {WIRELESS}",
                    data.policy(name, ("classes", cname, "path_preference", index)),
                    f"remove {WIRELESS} from the class's path_preference, or lift the guardrail",
                )


def _sla_thresholds(data: RuleInput) -> Iterator[Hit]:
    """SLA thresholds are plausible: jitter below latency, loss at most 10 %, and reachable on wireless."""
    for name in data.policies_in_use:
        for cname, app in data.estate.policies[name].classes.items():
            sla = app.sla
            where = data.policy(name, ("classes", cname, "sla"))
            if sla.jitter_ms > sla.latency_ms:
                yield Hit(
                    ESTATE,
                    f"class {cname!r}: jitter {sla.jitter_ms} ms exceeds latency {sla.latency_ms} ms",
                    where,
                    "jitter is a variation of latency; check the two numbers",
                )
            if sla.loss_pct > MAX_SANE_LOSS_PCT:
                yield Hit(
                    ESTATE,
                    f"class {cname!r}: loss threshold {sla.loss_pct} % is above "
                    f"{MAX_SANE_LOSS_PCT:g} %, so the SLA never fails",
                    where,
                    "real-time classes use about 1 %, bulk at most 5 %",
                )
            if WIRELESS in app.path_preference and sla.latency_ms < WIRELESS_MIN_LATENCY_MS:
                yield Hit(
                    ESTATE,
                    f"class {cname!r} may use wireless but asks for {sla.latency_ms} ms latency, "
                    f"below what LTE/5G delivers (~{WIRELESS_MIN_LATENCY_MS} ms)",
                    where,
                    "relax the latency or keep the class off wireless",
                )


def _destinations_not_local(data: RuleInput) -> Iterator[Hit]:
    """Class destination prefixes do not lie inside the site's own LANs or loopback.

    Traffic to the site's own prefixes is kept local before any class rule, so such a
    destination never matches (and suggests a typo in the prefix). A destination that covers
    them (a catch-all class on 0.0.0.0/0) is fine: the site's own traffic still stays local.
    """
    for sid in data.selected:
        site = data.estate.sites[sid]
        policy = data.estate.policies.get(site.policy)
        if policy is None:
            continue
        local = [(seg.name, seg.address.network) for seg in site.lan_segments]
        local.append(("loopback", site.loopback.network))
        for cname, app in policy.classes.items():
            for index, dest in enumerate(app.match.destinations):
                for what, net in local:
                    if dest.subnet_of(net):
                        yield Hit(
                            sid,
                            f"class {cname!r} destination {dest} lies inside site {sid!r} {what} {net}",
                            data.policy(policy.policy, ("classes", cname, "match", "destinations", index)),
                            "class destinations are remote services; use their prefix",
                        )


def _unique_segments(data: RuleInput) -> Iterator[Hit]:
    """Within a site, LAN segment names and VLAN ids are unique."""
    for sid in data.selected:
        names: dict[str, int] = {}
        vlans: dict[int, int] = {}
        for index, seg in enumerate(data.estate.sites[sid].lan_segments):
            if seg.name in names:
                yield Hit(
                    sid,
                    f"LAN segment name {seg.name!r} is used twice",
                    data.site(sid, ("lan_segments", index)),
                    "policies match segments by name; rename one",
                )
            if seg.vlan in vlans:
                yield Hit(
                    sid,
                    f"VLAN {seg.vlan} is used by two LAN segments",
                    data.site(sid, ("lan_segments", index, "vlan")),
                    "give each segment its own VLAN",
                )
            names.setdefault(seg.name, index)
            vlans.setdefault(seg.vlan, index)


#: Provider kinds whose BGP sessions must be authenticated (business fibre DIA requires MD5).
PASSWORD_REQUIRED_KINDS: frozenset[str] = frozenset({"fiber"})


def _bgp_password_secret(data: RuleInput) -> Iterator[Hit]:
    """Providers that require BGP authentication (fiber DIA) reference a password secret.

    The value is never in the intents: ``bgp_password: {secret: NAME}``.
    """
    for name in data.providers_in_use:
        provider = data.estate.providers[name]
        if provider.kind in PASSWORD_REQUIRED_KINDS and provider.bgp_password is None:
            yield Hit(
                ESTATE,
                f"{provider.kind} provider {name!r} requires a BGP password but none is set",
                data.provider(name, ("provider",)),
                f"add `bgp_password: {{secret: bgp-{name}}}`",
            )


RULES: tuple[EstateRule, ...] = (
    EstateRule("R010-class-references-exist", Severity.ERROR, _class_references),
    EstateRule("R011-class-steerable-on-platform", Severity.ERROR, _steerable),
    EstateRule("R012-wireless-guardrails", Severity.ERROR, _wireless_guardrails),
    EstateRule("R015-sla-thresholds", Severity.WARNING, _sla_thresholds),
    EstateRule("R016-bgp-password-secret", Severity.ERROR, _bgp_password_secret),
    EstateRule("R017-class-destinations-not-local", Severity.ERROR, _destinations_not_local),
    EstateRule("R021-unique-segments", Severity.ERROR, _unique_segments),
)
