"""Facts: the fully derived, platform-aware description of one site's configuration.

Templates consume these and nothing else. Every name, number and address a config needs is
computed here; templates only place them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeVar, dataclass_transform

from runbook_wan.model.platform import SlaCriterion

# Facts are keyword-only dataclasses, not validated models: only Runbook's own code (typed, mypy
# strict) creates them, from a model pydantic already validated, and a site's build creates
# hundreds; a dataclass is built several times faster than a validated model (issue 20).

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(field,))
def fact(cls: type[_T]) -> type[_T]:
    """A fact class: frozen to the type checker, so no code can assign to a fact (mypy strict runs
    over the whole package in the suite); at run time a plain slotted dataclass, hashable and
    compared by value as a frozen one is. A frozen dataclass sets each field through
    ``object.__setattr__``, 3.8x slower: a site builds about 180 facts, and that was 8 % of its build."""
    return dataclass(kw_only=True, slots=True, unsafe_hash=True)(cls)


@fact
class Fact:
    """The base of every fact (``isinstance`` tells a fact from other values)."""


@fact
class PrefixFact(Fact):
    """One IPv4 prefix in every notation a platform may need, computed once so templates only place it."""

    prefix: str  # 10.21.40.0/24
    network: str  # 10.21.40.0
    netmask: str  # 255.255.255.0
    wildcard: str  # 0.0.0.255 (inverse mask)
    acl_prefix: str  # ACL operand, prefix notation: "10.21.40.0/24"; a /32 is "host 10.255.0.21"
    acl_wildcard: str  # ACL operand, wildcard notation: "10.21.40.0 0.0.0.255"; a /32 is "host ..."


@fact
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
    ip: str = ""  # a.b.c.d without the length, for platforms that write "ip address IP MASK"
    bfd: bool = False  # the circuit on this (WAN) interface runs BFD
    physical: bool = False  # a physical port (not a loopback, SVI or sub-interface)


@fact
class LanParentFact(Fact):
    """The port facing the store switch that carries every LAN VLAN (platforms with ``lan_parent``).

    IOS-XE hangs one dot1Q sub-interface per segment off it; EOS trunks the VLANs of its SVIs on it.
    """

    name: str
    description: str
    vlans: list[int]
    vlan_list: str  # "10,20,30"


@fact
class PrefixListEntry(Fact):
    seq: int
    action: Literal["permit", "deny"]
    prefix: str
    ge: int | None = None
    le: int | None = None


@fact
class PrefixList(Fact):
    name: str
    description: str
    entries: list[PrefixListEntry]


@fact
class RouteMapEntry(Fact):
    seq: int
    action: Literal["permit", "deny"]
    description: str
    match_prefix_list: str | None = None
    set_local_preference: int | None = None
    set_as_path_prepend: tuple[int, ...] = ()


@fact
class RouteMap(Fact):
    name: str
    entries: list[RouteMapEntry]


@fact
class NeighborFact(Fact):
    role: str
    address: str
    remote_as: int
    description: str
    interface: str
    password: str | None  # a secret token, never a value
    keepalive: int
    hold: int
    connect_retry: int | None = None
    bfd: bool
    route_map_in: str
    route_map_out: str


@fact
class BgpFact(Fact):
    asn: int
    router_id: str
    networks: list[str]
    neighbors: list[NeighborFact]
    # The same prefixes as ``networks``, in every notation (IOS writes "network A mask M").
    network_prefixes: list[PrefixFact] = field(default_factory=list)


@fact
class BfdProfileFact(Fact):
    name: str
    # None where the platform's default applies (and the platform does not print it).
    transmit_interval: int | None
    receive_interval: int | None
    detect_multiplier: int | None
    interval_ms: int
    multiplier: int


@fact
class SteeringRule(Fact):
    seq: int
    app_class: str
    criterion: Literal["local", "segments", "destinations", "dscp"]
    match_source: str | None = None
    match_destination: str | None = None
    match_dscp: int | None = None
    match_mark: int | None = None  # firewall mark the classifier sets for match_dscp (platforms with dscp_by_mark)
    action: Literal["local", "nexthop", "discard"]
    nexthop: str | None = None
    circuit: str | None = None  # circuit role the rule steers onto
    acl_name: str | None = None  # name for platforms that match through an access list


@fact
class SteeringPath(Fact):
    """One rule of a :class:`SteeringGroup`, i.e. one step of the group's ordered fallback."""

    seq: int  # the SteeringRule's sequence
    class_name: str  # per-rule traffic class, for platforms that take one next hop per class (EOS)
    action: Literal["local", "nexthop", "discard"]
    preference: int  # 1 = most preferred step of the group
    circuit: str | None = None  # circuit role (nexthop rules)
    interface: str | None = None  # the circuit's interface (nexthop rules)
    nexthop: str | None = None  # provider tracking address, or the discard address
    gateway: str | None = None  # the provider edge on the circuit: the adjacent next hop (nexthop rules)
    track_id: int | None = None  # object tracking the provider's tracking route (nexthop rules)


@fact
class SteeringGroup(Fact):
    """Consecutive steering rules with the same match: one class criterion and its ordered fallback.

    Platforms whose policy routing takes a list of next hops per entry (IOS-XE route-maps with
    ``verify-availability``) render one entry per group; platforms with one next hop per entry
    (FRR, EOS) render one entry per rule (``rules``), in sequence order.
    """

    seq: int  # sequence of the group's first rule
    app_class: str
    criterion: Literal["local", "segments", "destinations", "dscp"]
    description: str
    acl_name: str  # access list matching the group's traffic (the first rule's acl_name)
    match_source: PrefixFact | None = None
    match_destination: PrefixFact | None = None
    match_dscp: int | None = None
    match_dscp_name: str | None = None  # ef, af41, cs1, ... or the number when it has no name
    match_mark: int | None = None  # the classifier's firewall mark for match_dscp (platforms with dscp_by_mark)
    local: bool = False  # traffic stays on normal routing (the site's own prefixes)
    rules: list[SteeringPath]  # every rule of the group, in order
    nexthops: list[SteeringPath] = field(default_factory=list)  # the "nexthop" rules only, most preferred first
    discard: bool = False  # the group ends with a discard rule (the class is kept off some circuit)


@fact
class TrackFact(Fact):
    """An object that is up while a provider's tracking address is in the routing table.

    The address is learned over BGP from that provider only, so the object follows the circuit's
    BGP session (and BFD)."""

    id: int
    circuit: str
    address: str
    prefix: PrefixFact


@fact
class MarkFact(Fact):
    """One DSCP code point the classifier marks, for policy routing to match (``match mark``)."""

    dscp: int
    dscp_name: str  # ef, af41, ... or the number
    mark: int
    mark_hex: str  # 0x12e
    app_class: str  # the class its steering rules belong to (the first class that matches it)


@fact
class SteeringFact(Fact):
    name: str
    rules: list[SteeringRule]
    interfaces: list[str]
    groups: list[SteeringGroup] = field(default_factory=list)
    tracks: list[TrackFact] = field(default_factory=list)
    #: DSCP code points the classifier marks (platforms with dscp_by_mark), in rule order.
    marks: list[MarkFact] = field(default_factory=list)


@fact
class StaticRouteFact(Fact):
    prefix: str
    network: str
    netmask: str
    nexthop: Literal["blackhole"] | str
    description: str
    blackhole: bool = False  # discard matching traffic (FRR "blackhole", EOS/IOS "Null0")


@fact
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


@fact
class LanFact(Fact):
    name: str
    vlan: int
    interface: str
    address: str
    network: str


@fact
class ClassPathFact(Fact):
    """Where a class should go, for checks: the first circuit of its preference that is up."""

    app_class: str
    path_preference: list[str]
    never_on: list[str]
    sources: list[str]
    destinations: list[str]


@fact
class AgentProbeFact(Fact):
    interval_ms: int
    window_s: int


@fact
class AgentCircuitFact(Fact):
    """A circuit as the edge agent measures it: probes pinned to its interface and source address."""

    interface: str
    metered: bool
    nexthop: str  # what the pbr-map sequences of this circuit point at
    probe: AgentProbeFact
    role: str
    source: str  # the circuit's own address (no prefix length)
    target: str  # the provider's tracking address


@fact
class AgentSlaFact(Fact):
    jitter_ms: int
    latency_ms: int
    loss_pct: float


@fact
class AgentGroupFact(Fact):
    sequences: list[int]  # one per circuit of the class's path, in preference order


@fact
class AgentClassFact(Fact):
    groups: list[AgentGroupFact]
    name: str
    path: list[str]  # circuits the class may use, most preferred first (guardrails applied)
    sla: AgentSlaFact


@fact
class AgentDecisionFact(Fact):
    breach_windows: int
    clear_windows: int
    hold_s: int
    least_bad: list[str]


@fact
class AgentMetricsFact(Fact):
    interface: str
    port: int


@fact
class AgentPolicyFact(Fact):
    """The edge agent's policy: ``configs/<site>.agent.json`` is exactly this (docs/agent.md).

    The fields of it and of the facts it holds are declared in name order: the file is written in
    declaration order, which must be the sorted order of its keys (``tests/render``)."""

    circuits: list[AgentCircuitFact]
    classes: list[AgentClassFact]
    decision: AgentDecisionFact
    format: Literal["runbook-agent-policy"] = "runbook-agent-policy"
    metrics: AgentMetricsFact
    pbr_map: str
    site: str
    version: Literal[1] = 1


@fact
class SlaProbeFact(Fact):
    """IOS-XE: one ``ip sla`` operation, its state track and the track PBR next hops depend on."""

    operation: int
    circuit: str
    interface: str
    target: str  # the provider edge (adjacent)
    #: The class round-trip budget (twice the one-way latency SLA), also the timeout.
    threshold_ms: int
    frequency_s: int
    state_track: int
    delay_down_s: int
    delay_up_s: int
    #: ``list boolean and`` of the reachability track and the state track.
    track: int
    route_track: int
    classes: list[str]  # the classes whose budget this is


@fact
class SlaHostFact(Fact):
    """EOS: one Connectivity Monitor host, probed out of one circuit."""

    name: str
    circuit: str
    interface: str
    target: str  # the provider's tracking address


@fact
class SlaFact(Fact):
    """How the router itself measures its circuits against the class SLAs (platforms without the agent)."""

    measurement: Literal["ip_sla", "connectivity_monitor"]
    #: Criteria a breach of which moves a class (the platform catalog's ``sla_enforced``).
    enforced: list[SlaCriterion]
    probes: list[SlaProbeFact] = field(default_factory=list)
    hosts: list[SlaHostFact] = field(default_factory=list)
    #: EOS: seconds between probes.
    interval_s: int = 0
    #: IOS-XE: steering rule sequence -> the track its next hop is conditional on (every next-hop rule).
    tracks_by_seq: dict[int, int] = field(default_factory=dict)


@fact
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
    lan_parent: LanParentFact | None = None
    classes: list[ClassPathFact]
    hub_address: str
    saas_address: str
    management_network: str
    secrets: list[str]  # names of the secrets this config references
    #: The edge agent's policy (platforms with an agent_policy artifact).
    agent: AgentPolicyFact | None = None
    #: The class SLAs measured by the router itself (platforms without the edge agent: IOS-XE, EOS).
    sla: SlaFact | None = None
