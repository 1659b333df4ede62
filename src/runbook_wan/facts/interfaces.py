"""Interface names and addressing per platform (names come from platforms/<platform>.yaml)."""

from __future__ import annotations

from runbook_wan.facts.models import InterfaceFact, LanFact, LanParentFact
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.model.provider import Provider
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.model.site import Site


def lan_interface(platform: PlatformSpec, vlan: int) -> str:
    return platform.interfaces.lan.format(vlan=vlan)


def interfaces(
    site: Site, platform: PlatformSpec, providers: dict[str, Provider], steering_policy: str | None
) -> list[InterfaceFact]:
    names = platform.interfaces
    out = [
        InterfaceFact(
            name=names.loopback,
            kind="loopback",
            role="loopback",
            description="router id and management source",
            address=str(site.loopback),
            netmask=str(site.loopback.netmask),
            ip=str(site.loopback.ip),
        )
    ]
    for role in CIRCUIT_ROLES:
        circuit = getattr(site.circuits, role)
        provider = providers[circuit.provider]
        out.append(
            InterfaceFact(
                name=getattr(names, role),
                kind="wan",
                role=role,
                description=f"{role} {provider.name} {circuit.circuit_id} {circuit.bandwidth_mbps}M {circuit.media}",
                address=str(circuit.address),
                netmask=str(circuit.address.netmask),
                ip=str(circuit.address.ip),
                bfd=circuit.bfd and platform.capabilities.bfd,
                physical=True,
            )
        )
    for seg in site.lan_segments:
        out.append(
            InterfaceFact(
                name=lan_interface(platform, seg.vlan),
                kind="lan",
                role="lan",
                description=f"lan {seg.name}" + (f" - {seg.description}" if seg.description else ""),
                address=str(seg.address),
                netmask=str(seg.address.netmask),
                vlan=seg.vlan,
                parent=names.lan_parent,
                steering_policy=steering_policy,
                ip=str(seg.address.ip),
            )
        )
    return out


def lan_facts(site: Site, platform: PlatformSpec) -> list[LanFact]:
    return [
        LanFact(
            name=seg.name,
            vlan=seg.vlan,
            interface=lan_interface(platform, seg.vlan),
            address=str(seg.address),
            network=str(seg.address.network),
        )
        for seg in site.lan_segments
    ]


def lan_parent(site: Site, platform: PlatformSpec) -> LanParentFact | None:
    """The port carrying the LAN VLANs, on platforms that name one (``interfaces.lan_parent``)."""
    if platform.interfaces.lan_parent is None:
        return None
    vlans = [seg.vlan for seg in site.lan_segments]
    vlan_list = ",".join(str(v) for v in vlans)
    return LanParentFact(
        name=platform.interfaces.lan_parent,
        description=f"lan trunk to the store switch, vlans {vlan_list}",
        vlans=vlans,
        vlan_list=vlan_list,
    )
