"""eBGP to each circuit's provider edge: preference by role, no transit, tracking prefixes."""

from __future__ import annotations

from runbook_wan.facts import naming
from runbook_wan.facts.addressing import prefix_fact
from runbook_wan.facts.models import (
    BfdProfileFact,
    BgpFact,
    CircuitFact,
    NeighborFact,
    PrefixList,
    PrefixListEntry,
    RouteMap,
    RouteMapEntry,
)
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.model.site import Site


def prefix_lists(site: Site, circuits: list[CircuitFact]) -> list[PrefixList]:
    site_prefixes = [str(seg.address.network) for seg in site.lan_segments] + [str(site.loopback.network)]
    lists = [
        PrefixList(
            name=naming.PL_DEFAULT,
            description="default route from the provider edge",
            entries=[PrefixListEntry(seq=5, action="permit", prefix="0.0.0.0/0")],
        ),
        PrefixList(
            name=naming.PL_SITE,
            description="prefixes this site originates; nothing else leaves",
            entries=[PrefixListEntry(seq=5 * (i + 1), action="permit", prefix=p) for i, p in enumerate(site_prefixes)],
        ),
    ]
    lists += [
        PrefixList(
            name=naming.pl_tracking(c.role),
            description=f"{c.provider} tracking address",
            entries=[PrefixListEntry(seq=5, action="permit", prefix=f"{c.tracking_address}/32")],
        )
        for c in circuits
    ]
    return lists


def route_maps(site: Site, circuits: list[CircuitFact]) -> list[RouteMap]:
    maps: list[RouteMap] = []
    for c in circuits:
        maps.append(
            RouteMap(
                name=naming.rm_in(c.role),
                entries=[
                    RouteMapEntry(
                        seq=10,
                        action="permit",
                        description="default route",
                        match_prefix_list=naming.PL_DEFAULT,
                        set_local_preference=c.local_preference,
                    ),
                    RouteMapEntry(
                        seq=20,
                        action="permit",
                        description="provider tracking address",
                        match_prefix_list=naming.pl_tracking(c.role),
                        set_local_preference=c.local_preference,
                    ),
                    RouteMapEntry(seq=100, action="deny", description="accept nothing else"),
                ],
            )
        )
        maps.append(
            RouteMap(
                name=naming.rm_out(c.role),
                entries=[
                    RouteMapEntry(
                        seq=10,
                        action="permit",
                        description="site prefixes only",
                        match_prefix_list=naming.PL_SITE,
                        set_as_path_prepend=(site.asn,) * c.as_path_prepend,
                    ),
                    RouteMapEntry(seq=100, action="deny", description="never transit"),
                ],
            )
        )
    return maps


def bgp(site: Site, circuits: list[CircuitFact]) -> BgpFact:
    prefixes = [seg.address.network for seg in site.lan_segments] + [site.loopback.network]
    networks = [str(net) for net in sorted(prefixes)]
    neighbors = [
        NeighborFact(
            role=c.role,
            address=c.gateway,
            remote_as=c.provider_asn,
            description=f"{c.provider} {c.circuit_id} ({c.role})",
            interface=c.interface,
            password=c.password,
            keepalive=site.bgp.keepalive,
            hold=site.bgp.hold,
            connect_retry=site.bgp.connect_retry,
            bfd=c.bfd,
            route_map_in=naming.rm_in(c.role),
            route_map_out=naming.rm_out(c.role),
        )
        for c in circuits
    ]
    return BgpFact(
        asn=site.asn,
        router_id=str(site.loopback.ip),
        networks=networks,
        neighbors=neighbors,
        network_prefixes=[prefix_fact(n) for n in networks],
    )


def bfd_profile(site: Site, circuits: list[CircuitFact], platform: PlatformSpec) -> BfdProfileFact | None:
    if not any(c.bfd for c in circuits) or not platform.capabilities.bfd:
        return None
    elided = platform.elided_defaults
    interval = site.bfd.interval_ms
    shown_interval = None if interval == elided.bfd_interval_ms else interval
    multiplier = site.bfd.multiplier
    return BfdProfileFact(
        name=site.bfd.profile,
        transmit_interval=shown_interval,
        receive_interval=shown_interval,
        detect_multiplier=None if multiplier == elided.bfd_multiplier else multiplier,
        interval_ms=interval,
        multiplier=multiplier,
    )
