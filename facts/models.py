"""Facts: the fully derived, platform-aware description of one site's configuration.

Templates consume these and nothing else. Every name, number and address a config needs is
computed here; templates only place them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InterfaceFact(Fact):
    name: str
    kind: Literal["loopback", "wan", "lan"]
    role: str  # circuit role, "lan" or "loopback"
    description: str
    address: str  # a.b.c.d/len
    netmask: str  # dotted mask for platforms that want it
    vlan: int | None = None
    parent: str | None = None  # parent port of a sub-interface
    steering_policy: str | None = None  # PBR map applied inbound (LAN interfaces)


class PrefixListEntry(Fact):
    seq: int
    action: Literal["permit", "deny"]
    prefix: str
    ge: int | None = None
    le: int | None = None


class PrefixList(Fact):
    name: str
    description: str
    entries: list[PrefixListEntry]


class RouteMapEntry(Fact):
    seq: int
    action: Literal["permit", "deny"]
    description: str
    match_prefix_list: str | None = None
    set_local_preference: int | None = None
    set_as_path_prepend: list[int] = []


class RouteMap(Fact):
    name: str
    entries: list[RouteMapEntry]


class NeighborFact(Fact):
    role: str
    address: str
    remote_as: int
    description: str
    interface: str
    password: str | None  # a secret token, never a value
    keepalive: int
    hold: int
    bfd: bool
    route_map_in: str
    route_map_out: str


class BgpFact(Fact):
    asn: int
    router_id: str
    networks: list[str]
    neighbors: list[NeighborFact]


class BfdProfileFact(Fact):
    name: str
    # None where the platform's default applies (and the platform does not print it).
    transmit_interval: int | None
    receive_interval: int | None
    detect_multiplier: int | None
    interval_ms: int
    multiplier: int


class SteeringRule(Fact):
    seq: int
    app_class: str
    criterion: Literal["local", "segments", "destinations", "dscp"]
    match_source: str | None = None
    match_destination: str | None = None
    match_dscp: int | None = None
    action: Literal["local", "nexthop", "discard"]
    nexthop: str | None = None
    circuit: str | None = None  # circuit role the rule steers onto
    acl_name: str | None = None  # name for platforms that match through an access list


class SteeringFact(Fact):
    name: str
    rules: list[SteeringRule]
    interfaces: list[str]


class StaticRouteFact(Fact):
    prefix: str
    network: str
    netmask: str
    nexthop: Literal["blackhole"] | str
    description: str


class CircuitFact(Fact):
    """What operations need to know about one circuit (lab, verify, monitoring)."""

    role: str
    interface: str
    provider: str
    provider_name: str
    provider_kind: str
    provider_asn: int
    circuit_id: str
    media: str
    bandwidth_mbps: int
    address: str
    gateway: str
    tracking_address: str
    local_preference: int
    as_path_prepend: int
    bfd: bool
    password: str | None


class LanFact(Fact):
    name: str
    vlan: int
    interface: str
    address: str
    network: str


class ClassPathFact(Fact):
    """Where a class should go, for checks: the first circuit of its preference that is up."""

    app_class: str
    path_preference: list[str]
    never_on: list[str]
    sources: list[str]
    destinations: list[str]


class SiteFacts(Fact):
    site: str
    hostname: str
    name: str
    region: str
    platform: str
    policy: str
    asn: int
    router_id: str
    log_file: str
    interfaces: list[InterfaceFact]
    circuits: list[CircuitFact]
    lan_segments: list[LanFact]
    bgp: BgpFact
    bfd_profile: BfdProfileFact | None
    prefix_lists: list[PrefixList]
    route_maps: list[RouteMap]
    steering: SteeringFact | None
    static_routes: list[StaticRouteFact]
    classes: list[ClassPathFact]
    hub_address: str
    saas_address: str
    management_network: str
    secrets: list[str]  # names of the secrets this config references
