"""Verify one site: per circuit link, BGP and traffic through it; hub and SaaS reachability."""

from __future__ import annotations

from typing import Any

from runbook_wan.facts.models import SiteFacts
from runbook_wan.results import Status
from runbook_wan.verify import probes
from runbook_wan.verify.model import Check, CircuitHealth, SiteHealth, SiteState, classify


def lan_source(facts: SiteFacts) -> str:
    """The address LAN-sourced probes come from: the router's address on the first segment."""
    return facts.lan_segments[0].address.split("/")[0]


def check_site(device: probes.Device, facts: SiteFacts) -> SiteHealth:
    """Ask the device; traffic "through a circuit" is a LAN-sourced ping to that circuit's provider
    tracking address, which is routed only over that circuit (the site learns its /32 from that
    provider alone)."""
    source = lan_source(facts)
    try:
        interfaces: dict[str, dict[str, Any]] = device.get_interfaces()
        neighbors: dict[str, dict[str, Any]] = device.get_bgp_neighbors()
    except Exception as exc:  # noqa: BLE001 - per-site boundary: record, never abort the fleet
        return SiteHealth(site=facts.site, state=SiteState.UNKNOWN, error=f"device query failed: {exc}")
    circuits = []
    for c in facts.circuits:
        link = probes.link(interfaces, c.interface)
        session = probes.bgp(neighbors, c.gateway)
        if session.status is Status.SUCCESS:
            traffic = probes.ping(device, "traffic", c.tracking_address, source)
        else:
            traffic = Check("traffic", Status.FAILURE, "not tested: no BGP session, no path over this circuit")
        circuits.append(CircuitHealth(c.role, c.interface, c.provider, link, session, traffic))
    hub = probes.ping(device, "hub", facts.hub_address, source)
    saas = probes.ping(device, "saas", facts.saas_address, source)
    return SiteHealth(
        site=facts.site,
        state=classify(circuits, hub, saas),
        circuits=circuits,
        default_route=probes.default_route(device),
        hub=hub,
        saas=saas,
    )
