"""Address plan: no two things share address space, and circuits sit in their provider's block."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.results import Severity, SourceLocation
from runbook_wan.validation.report import ESTATE
from runbook_wan.validation.rules.base import EstateRule, Hit, RuleInput


@dataclass(frozen=True)
class _Block:
    network: ipaddress.IPv4Network
    subject: str
    what: str
    location: SourceLocation


def _site_blocks(data: RuleInput) -> list[_Block]:
    blocks = []
    for sid in data.estate.site_ids():
        site = data.estate.sites[sid]
        blocks.append(_Block(site.loopback.network, sid, f"{sid} loopback", data.site(sid, ("loopback",))))
        for index, seg in enumerate(site.lan_segments):
            blocks.append(
                _Block(
                    seg.address.network,
                    sid,
                    f"{sid} LAN {seg.name}",
                    data.site(sid, ("lan_segments", index, "address")),
                )
            )
        for role in CIRCUIT_ROLES:
            circuit = getattr(site.circuits, role)
            blocks.append(
                _Block(
                    circuit.address.network, sid, f"{sid} {role} circuit", data.site(sid, ("circuits", role, "address"))
                )
            )
    return blocks


def _overlaps(blocks: list[_Block]) -> Iterator[tuple[_Block, _Block]]:
    """Pairs of overlapping blocks, in one sorted sweep (each overlapping block appears at least once)."""
    ordered = sorted(blocks, key=lambda b: (int(b.network.network_address), -b.network.prefixlen))
    widest: _Block | None = None
    for block in ordered:
        if widest is not None and block.network.network_address <= widest.network.broadcast_address:
            yield widest, block
        if widest is None or block.network.broadcast_address > widest.network.broadcast_address:
            widest = block


def _management(data: RuleInput) -> _Block:
    return _Block(
        data.estate.settings.management_network,
        ESTATE,
        "the management range",
        data.defaults(("estate", "management_network")),
    )


def _sites_inside(block: _Block, blocks: list[_Block]) -> list[_Block]:
    return [b for b in blocks if b.subject != ESTATE and b.network.overlaps(block.network)]


def _management_too_wide(data: RuleInput) -> Hit | None:
    """One error at the management range when it overlaps the prefixes of several sites: the range is
    at fault (0.0.0.0/0, a typo in the prefix length), not each of the hundreds of prefixes it covers."""
    management = _management(data)
    inside = _sites_inside(management, _site_blocks(data))
    sites = sorted({b.subject for b in inside})
    if len(sites) < 2:
        return None
    first = inside[0]
    return Hit(
        ESTATE,
        f"{management.what} {management.network} overlaps {len(inside)} prefix(es) of {len(sites)} sites "
        f"(e.g. {first.what} {first.network} at {first.location.display()})",
        management.location,
        "the management range is a block of its own, outside every site's LAN, circuit and loopback "
        "prefixes, e.g. 198.18.0.0/22",
    )


def _no_overlap(data: RuleInput) -> Iterator[Hit]:
    """LAN prefixes, circuit subnets and loopbacks of all sites and the management range never overlap."""
    too_wide = _management_too_wide(data)
    if too_wide is not None:
        yield too_wide
    management = _management(data)
    for first, second in _overlaps([*_site_blocks(data), management]):
        if too_wide is not None and ESTATE in (first.subject, second.subject):
            continue  # said once, at the management range
        for mine, other in ((second, first), (first, second)):
            if mine.subject == ESTATE:
                continue
            yield Hit(
                mine.subject,
                f"{mine.what} {mine.network} overlaps {other.what} {other.network} ({other.location.display()})",
                mine.location,
                "every prefix must be unique; pick a free one from the address plan",
            )


def _service_addresses(data: RuleInput) -> Iterator[tuple[str, ipaddress.IPv4Address, SourceLocation]]:
    settings = data.estate.settings
    yield "the hub address", settings.reachability.hub, data.defaults(("estate", "reachability", "hub"))
    yield "the SaaS address", settings.reachability.saas, data.defaults(("estate", "reachability", "saas"))
    yield "the discard address", settings.discard_address, data.defaults(("estate", "discard_address"))
    for name in sorted(data.estate.providers):
        yield (
            f"provider {name}'s tracking address",
            data.estate.providers[name].tracking_address,
            data.provider(name, ("tracking_address",)),
        )


def _service_addresses_outside_sites(data: RuleInput) -> Iterator[Hit]:
    """Hub, SaaS, discard and provider tracking addresses lie outside every site prefix and management.

    Steering and the reachability checks send traffic to these addresses; inside a site prefix the
    traffic would stay local (or be blackholed) instead of crossing the WAN.
    """
    blocks = _site_blocks(data)
    if _management_too_wide(data) is None:  # else R006 names the management range, once
        blocks.append(_management(data))
    for what, address, where in _service_addresses(data):
        for block in blocks:
            if address in block.network:
                subject = block.subject
                yield Hit(
                    subject,
                    f"{what} {address} lies inside {block.what} {block.network}",
                    block.location if subject != ESTATE else where,
                    f"move {what} (written at {where.display()}) or the prefix",
                )


def _circuit_in_provider_block(data: RuleInput) -> Iterator[Hit]:
    """Each circuit's subnet lies inside the address block of the provider it is ordered from."""
    for sid in data.estate.site_ids():
        for role in CIRCUIT_ROLES:
            circuit = getattr(data.estate.sites[sid].circuits, role)
            provider = data.estate.providers.get(circuit.provider)
            if provider is None or circuit.address.network.subnet_of(provider.address_block):
                continue
            yield Hit(
                sid,
                f"{role} address {circuit.address} is outside provider {provider.provider!r}'s "
                f"block {provider.address_block}",
                data.site(sid, ("circuits", role, "address")),
                "check the provider (wrong provider?) or the address on the circuit order",
            )


RULES: tuple[EstateRule, ...] = (
    EstateRule("R006-no-address-overlap", Severity.ERROR, _no_overlap),
    EstateRule("R007-service-addresses-outside-sites", Severity.ERROR, _service_addresses_outside_sites),
    EstateRule("R013-circuit-in-provider-block", Severity.ERROR, _circuit_in_provider_block),
)
