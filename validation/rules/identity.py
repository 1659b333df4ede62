"""Who a site is: ids, names, loopbacks, ASNs and circuit ids must be unique and well chosen."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path

from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.model.yaml_source import PathKey
from runbook_wan.results import Severity
from runbook_wan.validation.report import ESTATE
from runbook_wan.validation.rules.base import EstateRule, Hit, RuleInput

#: RFC 6996 private AS numbers (16-bit and 32-bit ranges).
PRIVATE_ASN_RANGES: tuple[tuple[int, int], ...] = ((64512, 65534), (4200000000, 4294967294))


def _duplicates(
    data: RuleInput, value: Callable[[str], Hashable], path: PathKey, noun: str, hint: str
) -> Iterator[Hit]:
    """One hit per site whose ``value`` another site also has."""
    owners: dict[Hashable, list[str]] = defaultdict(list)
    for sid in data.estate.site_ids():
        owners[value(sid)].append(sid)
    for key, sids in owners.items():
        if len(sids) < 2:
            continue
        for sid in sids:
            others = ", ".join(s for s in sids if s != sid)
            yield Hit(sid, f"{noun} {key} of site {sid!r} is also used by {others}", data.site(sid, path), hint)


def _site_id_matches_file(data: RuleInput) -> Iterator[Hit]:
    """Each site's id equals its file name, so one id names one file.

    The loader rejects two files with the same ``site:`` value; this rule closes the other gap: a
    copied file (``chi-022.yaml``) that still says ``site: chi-021`` would shadow the original.
    """
    for sid in data.estate.site_ids():
        where = data.site(sid, ("site",))
        stem = Path(where.file).stem
        if not where.file.startswith("<") and stem != sid:
            yield Hit(
                sid,
                f"site id {sid!r} is written in {Path(where.file).name}; ids must match file names",
                where,
                f"rename the file to {sid}.yaml or set `site: {stem}`",
            )


def _unique_loopback(data: RuleInput) -> Iterator[Hit]:
    """Every site has its own loopback (also its BGP router id)."""
    yield from _duplicates(
        data,
        lambda s: data.estate.sites[s].loopback.ip,
        ("loopback",),
        "loopback",
        "give each site its own /32 (the estate uses 10.255.0.<store>/32)",
    )


def _unique_asn(data: RuleInput) -> Iterator[Hit]:
    """Every site has its own BGP AS number (a shared one makes providers drop our routes as loops)."""
    yield from _duplicates(
        data,
        lambda s: data.estate.sites[s].asn,
        ("asn",),
        "ASN",
        "give each site its own private ASN (the estate uses 65000 + store number)",
    )


def _private_asn(data: RuleInput) -> Iterator[Hit]:
    """Site ASNs come from the private ranges 64512-65534 or 4200000000-4294967294 (RFC 6996)."""
    for sid in data.estate.site_ids():
        asn = data.estate.sites[sid].asn
        if not any(low <= asn <= high for low, high in PRIVATE_ASN_RANGES):
            yield Hit(
                sid,
                f"site ASN {asn} is not a private AS number",
                data.site(sid, ("asn",)),
                "use 64512-65534 or 4200000000-4294967294",
            )


def _provider_asn_differs(data: RuleInput) -> Iterator[Hit]:
    """A site's ASN differs from every provider's ASN (eBGP to a peer with our own ASN never comes up)."""
    by_asn = {p.asn: name for name, p in data.estate.providers.items()}
    for sid in data.estate.site_ids():
        site = data.estate.sites[sid]
        if site.asn in by_asn:
            yield Hit(
                sid,
                f"site ASN {site.asn} is the ASN of provider {by_asn[site.asn]!r}",
                data.site(sid, ("asn",)),
                "pick a private ASN no provider uses",
            )


def _unique_circuit_id(data: RuleInput) -> Iterator[Hit]:
    """Circuit ids are unique across the estate (a copied site file that keeps them misroutes tickets)."""
    owners: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sid in data.estate.site_ids():
        for role in CIRCUIT_ROLES:
            owners[getattr(data.estate.sites[sid].circuits, role).circuit_id].append((sid, role))
    for cid, uses in owners.items():
        if len(uses) < 2:
            continue
        for sid, role in uses:
            others = ", ".join(f"{s} {r}" for s, r in uses if (s, r) != (sid, role))
            yield Hit(
                sid,
                f"circuit id {cid!r} ({role}) is also used by {others}",
                data.site(sid, ("circuits", role, "circuit_id")),
                "copy the provider's circuit id from the order or contract",
            )


def _unique_site_name(data: RuleInput) -> Iterator[Hit]:
    """Human site names are unique, so alerts and tickets name one store."""
    yield from _duplicates(
        data,
        lambda s: data.estate.sites[s].name.strip().lower(),
        ("name",),
        "name",
        "make the name unique, e.g. add the store number",
    )


def _unused_objects(data: RuleInput) -> Iterator[Hit]:
    """Providers and policies that no site uses (stale intent, or a site that forgot to use them)."""
    if set(data.selected) != set(data.estate.sites):
        return  # only meaningful over the whole estate
    used_providers = set(data.providers_in_use)
    for name in sorted(set(data.estate.providers) - used_providers):
        yield Hit(
            ESTATE,
            f"provider {name!r} is not used by any site",
            data.provider(name, ("provider",)),
            "delete the file or reference it from a site or region",
        )
    for name in sorted(set(data.estate.policies) - set(data.policies_in_use)):
        yield Hit(
            ESTATE,
            f"policy {name!r} is not used by any site",
            data.policy(name, ("policy",)),
            "delete the file or set `policy:` on the sites that should use it",
        )


RULES: tuple[EstateRule, ...] = (
    EstateRule("R001-unique-site-id", Severity.ERROR, _site_id_matches_file),
    EstateRule("R002-unique-site-loopback", Severity.ERROR, _unique_loopback),
    EstateRule("R003-unique-site-asn", Severity.ERROR, _unique_asn),
    EstateRule("R004-private-site-asn", Severity.ERROR, _private_asn),
    EstateRule("R005-provider-asn-not-site-asn", Severity.ERROR, _provider_asn_differs),
    EstateRule("R022-unique-circuit-id", Severity.ERROR, _unique_circuit_id),
    EstateRule("R023-unused-intent-objects", Severity.INFO, _unused_objects),
    EstateRule("R024-unique-site-name", Severity.WARNING, _unique_site_name),
)
