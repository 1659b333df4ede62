"""A branch site: its circuits, LAN, routing identity and SD-WAN policy reference."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from runbook_wan.model.base import IntentModel
from runbook_wan.model.types import (
    Asn,
    InterfaceAddress,
    IPv4Addr,
    PlatformName,
    PolicyName,
    ProviderName,
    RegionName,
    SegmentName,
    ShortText,
    SiteId,
    Tag,
    Text,
    Vlan,
)

#: RFC 1918: LAN prefixes come from here (they are announced to the providers).
PRIVATE_BLOCKS = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
#: The longest LAN prefix: a /30 holds the router and one host; the shortest: 10.0.0.0/8.
LAN_MAX_PREFIXLEN = 30
LAN_MIN_PREFIXLEN = 8


class Circuit(IntentModel):
    provider: ProviderName = Field(description="Provider id (a file in intents/providers/).")
    circuit_id: ShortText = Field(description="The provider's circuit id.")
    media: Literal["fiber", "broadband", "lte", "5g"] = Field(description="Access medium.")
    bandwidth_mbps: int = Field(gt=0, le=400_000, description="Committed bandwidth.")
    address: InterfaceAddress = Field(description="Our address on the circuit, a.b.c.d/len.")
    gateway: IPv4Addr = Field(description="The provider edge address (BGP neighbor and next hop).")
    bfd: bool = Field(default=True, description="Run BFD with the provider edge.")

    @model_validator(mode="after")
    def _gateway_on_link(self) -> Circuit:
        if self.gateway not in self.address.network:
            raise PydanticCustomError(
                "gateway_off_link",
                "gateway {gateway} is not inside {network}",
                {
                    "gateway": str(self.gateway),
                    "network": str(self.address.network),
                    "hint": "the gateway must be on the circuit's subnet; check address and gateway",
                },
            )
        if self.gateway == self.address.ip:
            raise PydanticCustomError(
                "gateway_is_self",
                "gateway {gateway} is our own address",
                {"gateway": str(self.gateway), "hint": "the gateway is the provider's side of the link"},
            )
        net = self.address.network
        if net.prefixlen < 31 and self.gateway in (net.network_address, net.broadcast_address):
            which = "network" if self.gateway == net.network_address else "broadcast"
            raise PydanticCustomError(
                "gateway_not_host",
                "gateway {gateway} is the {which} address of {network}, not a host",
                {
                    "gateway": str(self.gateway),
                    "which": which,
                    "network": str(net),
                    "hint": f"the provider edge is a host between {net.network_address + 1} and "
                    f"{net.broadcast_address - 1}",
                },
            )
        return self


class Circuits(IntentModel):
    primary_dia: Circuit = Field(description="Primary dedicated internet access (fiber).")
    secondary_dia: Circuit = Field(description="Secondary DIA from another provider (broadband).")
    tertiary_wireless: Circuit = Field(description="Wireless backup (LTE/5G).")


class LanSegment(IntentModel):
    name: SegmentName = Field(description="Segment name referenced by policies, e.g. users, voice, guest.")
    vlan: Vlan
    address: InterfaceAddress = Field(description="The router's address on the segment, a.b.c.d/len.")
    description: Text = ""

    @model_validator(mode="after")
    def _room_for_hosts_in_private_space(self) -> LanSegment:
        net = self.address.network
        if net.prefixlen < LAN_MIN_PREFIXLEN:
            raise PydanticCustomError(
                "lan_prefix_len",
                "LAN {value} is a /{length}, wider than any private address block",
                {"value": str(self.address), "length": net.prefixlen, "hint": "LAN segments are /8 to /30, e.g. /24"},
            )
        if net.prefixlen > LAN_MAX_PREFIXLEN:
            raise PydanticCustomError(
                "lan_prefix_len",
                "LAN {value} is a /{length}: no room for hosts besides the router",
                {"value": str(self.address), "length": net.prefixlen, "hint": "use a /30 or shorter, e.g. /24"},
            )
        if not any(net.subnet_of(block) for block in PRIVATE_BLOCKS):
            raise PydanticCustomError(
                "lan_not_private",
                "LAN {value} is not private address space, and LAN prefixes are announced to every provider",
                {
                    "value": str(net),
                    "hint": "use RFC 1918 space: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (announcing "
                    "someone else's public prefix hijacks it)",
                },
            )
        return self


class BgpSettings(IntentModel):
    keepalive: int = Field(ge=1, le=3600, description="BGP keepalive seconds.")
    hold: int = Field(ge=3, le=65535, description="BGP hold time seconds (>= 3 x keepalive).")
    connect_retry: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Seconds between attempts to reopen a session after a circuit comes back (platform default "
        "if unset; FRR's is 120 s). Platforms without a per-neighbor setting ignore it.",
    )

    @model_validator(mode="after")
    def _hold_vs_keepalive(self) -> BgpSettings:
        if self.hold < 3 * self.keepalive:
            raise PydanticCustomError(
                "bgp_timers",
                "hold time {hold} is less than 3 x keepalive {keepalive}",
                {
                    "hold": self.hold,
                    "keepalive": self.keepalive,
                    "hint": f"raise hold to at least {3 * self.keepalive} or lower keepalive to {self.hold // 3 or 1}",
                },
            )
        return self


class BfdSettings(IntentModel):
    profile: SegmentName = Field(default="wan", description="BFD profile name.")
    interval_ms: int = Field(ge=10, le=60000, description="Transmit and receive interval.")
    multiplier: int = Field(ge=2, le=255, description="Detect multiplier.")


class RolePreference(IntentModel):
    local_preference: int = Field(ge=0, le=4294967295, description="Local preference of the default route.")
    as_path_prepend: int = Field(ge=0, le=10, description="Times our ASN is prepended outbound.")


class RoutingPreferences(IntentModel):
    primary_dia: RolePreference
    secondary_dia: RolePreference
    tertiary_wireless: RolePreference


class Site(IntentModel):
    """A site after merging defaults -> region -> site file."""

    site: SiteId = Field(description="Site id; defaults to the file name.")
    name: ShortText = Field(description="Human name, e.g. 'Chicago Loop'.")
    region: RegionName
    platform: PlatformName = Field(description="Platform id (a file in platforms/).")
    asn: Asn = Field(description="The site's private BGP ASN.")
    loopback: InterfaceAddress = Field(description="Router loopback, a /32; also the BGP router id.")
    policy: PolicyName = Field(description="SD-WAN policy id (a file in intents/policies/).")
    circuits: Circuits
    lan_segments: list[LanSegment] = Field(min_length=1, max_length=256)
    bgp: BgpSettings
    bfd: BfdSettings
    routing: RoutingPreferences
    tags: list[Tag] = Field(default_factory=list, max_length=32, description="Labels for --limit tag=T.")

    @model_validator(mode="after")
    def _loopback_is_host(self) -> Site:
        if self.loopback.network.prefixlen != 32:
            raise PydanticCustomError(
                "loopback_len",
                "loopback {value} must be a /32",
                {"value": str(self.loopback), "hint": f"write it as {self.loopback.ip}/32"},
            )
        return self
