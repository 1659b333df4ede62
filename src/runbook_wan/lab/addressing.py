"""Addresses the lab adds to what the intents define: management, transit, hosts, core ASN."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from runbook_wan.facts.models import SiteFacts
from runbook_wan.model.estate import Estate
from runbook_wan.results import Diagnostic, DiagnosticError

#: Provider <-> internet-core links: one /30 per provider from the first block that overlaps
#: nothing in the intents.
TRANSIT_CANDIDATES = ("100.127.0.0/24", "100.126.0.0/24", "172.31.254.0/24")
#: Private 4-byte ASN of the internet core (the next free one if an intent uses it).
INTERNET_ASN = 4_200_000_000
#: Offsets tried, in order, for the LAN host address inside a segment (.10 first).
_HOST_OFFSETS = (10, 2, 1, 3)


def management_plan(network: ipaddress.IPv4Network, all_sites: list[str]) -> tuple[dict[str, str], str]:
    """Site -> management address (stable: by position among ALL sites), and the bridge address.

    Site *i* (0-based, sorted ids) gets host *i+1*; the bridge gets the last host.
    """
    hosts = network.num_addresses - 2
    if hosts < len(all_sites) + 1:
        raise DiagnosticError(
            [
                Diagnostic(
                    "lab-mgmt-size",
                    f"management network {network} holds {max(hosts, 0)} hosts; the lab needs {len(all_sites) + 1}",
                    hint="widen estate.management_network in defaults.yaml",
                )
            ]
        )
    plen = network.prefixlen
    mgmt = {sid: f"{network.network_address + 1 + i}/{plen}" for i, sid in enumerate(sorted(all_sites))}
    return mgmt, f"{network.broadcast_address - 1}/{plen}"


def free_network(
    pool: ipaddress.IPv4Network, prefixlen: int, used: list[ipaddress.IPv4Network], skip: int = 0
) -> ipaddress.IPv4Network | None:
    """The first (after ``skip`` free ones) subnet of ``pool`` that overlaps nothing in ``used``."""
    for subnet in pool.subnets(new_prefix=prefixlen):
        if not any(subnet.overlaps(u) for u in used):
            if skip == 0:
                return subnet
            skip -= 1
    return None


def host_address(router_address: str) -> str:
    """The LAN host's address on a segment: .10 unless that is the router or outside the subnet."""
    iface = ipaddress.IPv4Interface(router_address)
    net = iface.network
    for offset in _HOST_OFFSETS:
        if offset >= net.num_addresses - 1:
            continue
        candidate = net.network_address + offset
        if candidate != iface.ip:
            return f"{candidate}/{net.prefixlen}"
    raise DiagnosticError(
        [
            Diagnostic(
                "lab-lan-size",
                f"LAN {net} has no room for a lab host next to {iface.ip}",
                hint="LAN segments need at least a /30",
            )
        ]
    )


def _intent_networks(estate: Estate, facts: Iterable[SiteFacts]) -> list[ipaddress.IPv4Network]:
    nets = [p.address_block for p in estate.providers.values()]
    nets.append(estate.settings.management_network)
    for site in facts:
        nets += [ipaddress.IPv4Network(lan.network) for lan in site.lan_segments]
        nets.append(ipaddress.IPv4Network(f"{site.router_id}/32"))
        for cls in site.classes:
            nets += [ipaddress.IPv4Network(d) for d in cls.destinations]
    reach = estate.settings.reachability
    nets += [ipaddress.IPv4Network(f"{a}/32") for a in (reach.hub, reach.saas, estate.settings.discard_address)]
    return nets


def transit_links(estate: Estate, facts: dict[str, SiteFacts], providers: list[str]) -> dict[str, tuple[str, str]]:
    """Provider -> (provider-side, internet-side) addresses of its link to the internet core."""
    used = _intent_networks(estate, facts.values())
    for candidate in TRANSIT_CANDIDATES:
        block = ipaddress.IPv4Network(candidate)
        if any(block.overlaps(n) for n in used):
            continue
        subnets = list(block.subnets(new_prefix=30))
        if len(subnets) < len(providers):
            break
        return {
            pid: (f"{net.network_address + 1}/30", f"{net.network_address + 2}/30")
            for pid, net in zip(providers, subnets, strict=False)
        }
    raise DiagnosticError(
        [
            Diagnostic(
                "lab-transit",
                "no free block for the lab's provider-to-core links (tried " + ", ".join(TRANSIT_CANDIDATES) + ")",
                hint="the intents use all of these ranges; free one of them",
            )
        ]
    )


def internet_asn(estate: Estate) -> int:
    used = {p.asn for p in estate.providers.values()} | {s.asn for s in estate.sites.values()}
    asn = INTERNET_ASN
    while asn in used:
        asn += 1
    return asn


def class_targets(facts: Iterable[SiteFacts], given: list[str]) -> dict[str, str]:
    """Class destination prefix -> one host address inside it (a hub/SaaS address inside counts)."""
    known = [ipaddress.IPv4Address(a) for a in given]
    targets: dict[str, str] = {}
    for site in facts:
        for dest in sorted({d for cls in site.classes for d in cls.destinations}):
            if dest in targets:
                continue
            net = ipaddress.IPv4Network(dest)
            inside = next((a for a in known if a in net), None)
            if inside is None:
                inside = net.network_address + (1 if net.num_addresses > 2 else 0)
                known.append(inside)
            targets[dest] = str(inside)
    return dict(sorted(targets.items()))
