"""The three circuits of a site: diverse providers, the right media, sane bandwidth and preference."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from runbook_wan.model.roles import CIRCUIT_ROLES, ROLES, CircuitRole
from runbook_wan.results import Severity
from runbook_wan.validation.rules.base import EstateRule, Hit, RuleInput

#: What each circuit role must be: (allowed provider kinds, allowed media).
ROLE_MEDIA: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    role.value: (spec.provider_kinds, spec.media) for role, spec in ROLES.items()
}


def _diverse_providers(data: RuleInput) -> Iterator[Hit]:
    """Primary and secondary come from different providers, and wireless from a third.

    Two circuits from one provider share its failures (an outage, a fibre cut in its network), so
    they are not a backup for each other.
    """
    for sid in data.estate.site_ids():
        circuits = data.estate.sites[sid].circuits
        seen: dict[str, str] = {}
        for role in CIRCUIT_ROLES:
            provider = getattr(circuits, role).provider
            if provider in seen:
                yield Hit(
                    sid,
                    f"{role} and {seen[provider]} both use provider {provider!r}",
                    data.site(sid, ("circuits", role, "provider")),
                    "order each circuit from a different provider",
                )
            else:
                seen[provider] = role


def _kind_matches_role(data: RuleInput) -> Iterator[Hit]:
    """Primary is fiber, secondary broadband and tertiary wireless (LTE or 5G), in provider and media."""
    for sid in data.estate.site_ids():
        for role in CIRCUIT_ROLES:
            circuit = getattr(data.estate.sites[sid].circuits, role)
            kinds, media = ROLE_MEDIA[role]
            provider = data.estate.providers.get(circuit.provider)
            if provider is not None and provider.kind not in kinds:
                yield Hit(
                    sid,
                    f"{role} uses {provider.kind} provider {provider.provider!r}; "
                    f"{role} must be {'/'.join(sorted(kinds))}",
                    data.site(sid, ("circuits", role, "provider")),
                    f"use a {'/'.join(sorted(kinds))} provider for {role}",
                )
            if circuit.media not in media:
                yield Hit(
                    sid,
                    f"{role} media is {circuit.media}; {role} must be {'/'.join(sorted(media))}",
                    data.site(sid, ("circuits", role, "media")),
                    f"set media to one of {', '.join(sorted(media))}",
                )


def _bandwidth_order(data: RuleInput) -> Iterator[Hit]:
    """Bandwidth falls with preference: secondary <= primary, and wireless is the smallest.

    A warning, not an error: a faster secondary can be a deliberate choice, but usually means the
    roles or the numbers were swapped.
    """
    for sid in data.estate.site_ids():
        c = data.estate.sites[sid].circuits
        primary, secondary, wireless = (
            c.primary_dia.bandwidth_mbps,
            c.secondary_dia.bandwidth_mbps,
            c.tertiary_wireless.bandwidth_mbps,
        )
        if secondary > primary:
            yield Hit(
                sid,
                f"secondary_dia ({secondary} Mb/s) is faster than primary_dia ({primary} Mb/s)",
                data.site(sid, ("circuits", CircuitRole.SECONDARY_DIA, "bandwidth_mbps")),
                "swap the roles if the broadband line is the better circuit, or check the numbers",
            )
        if wireless > min(primary, secondary):
            yield Hit(
                sid,
                f"tertiary_wireless ({wireless} Mb/s) is not the smallest circuit "
                f"(primary {primary}, secondary {secondary})",
                data.site(sid, ("circuits", CircuitRole.TERTIARY_WIRELESS, "bandwidth_mbps")),
                "check the committed rate of the wireless plan",
            )


def _local_preference_order(data: RuleInput) -> Iterator[Hit]:
    """Default-route local preference strictly falls: primary > secondary > wireless."""
    for sid in data.estate.site_ids():
        routing = data.estate.sites[sid].routing
        for better, worse in itertools.pairwise(CIRCUIT_ROLES):
            high = getattr(routing, better).local_preference
            low = getattr(routing, worse).local_preference
            if low >= high:
                yield Hit(
                    sid,
                    f"local_preference of {worse} ({low}) is not below {better} ({high}); "
                    f"traffic would not prefer {better}",
                    data.site(sid, ("routing", worse, "local_preference")),
                    "use e.g. 200 / 150 / 100 for primary / secondary / wireless",
                )


def _prepend_order(data: RuleInput) -> Iterator[Hit]:
    """Outbound AS-path prepends grow with each backup circuit, so return traffic prefers primary."""
    for sid in data.estate.site_ids():
        routing = data.estate.sites[sid].routing
        for better, worse in itertools.pairwise(CIRCUIT_ROLES):
            fewer = getattr(routing, better).as_path_prepend
            more = getattr(routing, worse).as_path_prepend
            if more < fewer:
                yield Hit(
                    sid,
                    f"as_path_prepend of {worse} ({more}) is below {better} ({fewer}); "
                    f"return traffic would prefer {worse}",
                    data.site(sid, ("routing", worse, "as_path_prepend")),
                    "use e.g. 0 / 1 / 3 for primary / secondary / wireless",
                )


def _bfd_faster_than_hold(data: RuleInput) -> Iterator[Hit]:
    """BFD detects a dead circuit well before the BGP hold timer does (else BFD adds nothing)."""
    for sid in data.estate.site_ids():
        site = data.estate.sites[sid]
        if not any(getattr(site.circuits, role).bfd for role in CIRCUIT_ROLES):
            continue
        detect_ms = site.bfd.interval_ms * site.bfd.multiplier
        if detect_ms >= site.bgp.hold * 1000:
            yield Hit(
                sid,
                f"BFD detection time {detect_ms} ms is not below the BGP hold time {site.bgp.hold} s",
                data.site(sid, ("bfd", "interval_ms")),
                "lower bfd interval_ms/multiplier (e.g. 300 ms x 3) or raise the hold time",
            )


RULES: tuple[EstateRule, ...] = (
    EstateRule("R008-diverse-providers", Severity.ERROR, _diverse_providers),
    EstateRule("R009-provider-kind-matches-role", Severity.ERROR, _kind_matches_role),
    EstateRule("R014-bandwidth-order", Severity.WARNING, _bandwidth_order),
    EstateRule("R018-local-preference-order", Severity.ERROR, _local_preference_order),
    EstateRule("R019-prepend-order", Severity.WARNING, _prepend_order),
    EstateRule("R020-bfd-faster-than-hold", Severity.WARNING, _bfd_faster_than_hold),
)
