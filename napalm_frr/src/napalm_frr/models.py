"""Typed return shapes of the getters: the same keys and types as ``napalm.base.models``.

NAPALM ships no type information, so mypy would see its models as ``Any``; these TypedDicts let
the parsers be checked. The conformance tests compare every result with NAPALM's own models at run
time, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from typing import Any, TypedDict


class FactsDict(TypedDict):
    os_version: str
    uptime: float
    interface_list: list[str]
    vendor: str
    serial_number: str
    model: str
    hostname: str
    fqdn: str


class InterfaceDict(TypedDict):
    is_up: bool
    is_enabled: bool
    description: str
    last_flapped: float
    mtu: int
    speed: float
    mac_address: str


class PrefixLengthDict(TypedDict):
    prefix_length: int


class InterfacesIPDict(TypedDict, total=False):
    ipv4: dict[str, PrefixLengthDict]
    ipv6: dict[str, PrefixLengthDict]


class AddressFamilyCountersDict(TypedDict):
    received_prefixes: int
    accepted_prefixes: int
    sent_prefixes: int


class BGPNeighborDict(TypedDict):
    local_as: int
    remote_as: int
    remote_id: str
    is_up: bool
    is_enabled: bool
    description: str
    uptime: int
    address_family: dict[str, AddressFamilyCountersDict]


class BGPVrfDict(TypedDict):
    router_id: str
    peers: dict[str, BGPNeighborDict]


class RouteDict(TypedDict):
    protocol: str
    current_active: bool
    last_active: bool
    age: int
    next_hop: str
    outgoing_interface: str
    selected_next_hop: bool
    preference: int
    inactive_reason: str
    routing_table: str
    protocol_attributes: dict[str, Any]


class PingProbeDict(TypedDict):
    ip_address: str
    rtt: float


class PingStatsDict(TypedDict):
    probes_sent: int
    packet_loss: int
    rtt_min: float
    rtt_max: float
    rtt_avg: float
    rtt_stddev: float
    results: list[PingProbeDict]


class PingResultDict(TypedDict, total=False):
    success: PingStatsDict
    error: str


class ConfigDict(TypedDict):
    running: str
    startup: str
    candidate: str


class AliveDict(TypedDict):
    is_alive: bool
