"""What the lab builds, as data: nodes, links and addresses derived from the intents.

:func:`build_topology` is pure (no root, no side effects): the builder realises its result and
``<state>/lab/lab.json`` stores it, so ``down``, ``status`` and fault injection act on exactly
what was built.

Shape::

    LAN hosts ns ──lanX── site ns ──wan1── isp ns (primary provider) ──┐
                             │ ├──wan2── isp ns (secondary)  ─────────┼── inet ns: hub, SaaS,
                             │ └──lte0── relay ns ── isp ns (wireless) ┘   class targets
                           mgmt0 ── root-ns bridge (management network)
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from runbook_wan.facts.models import SiteFacts
from runbook_wan.lab import naming
from runbook_wan.lab.addressing import (
    class_targets,
    host_address,
    internet_asn,
    management_plan,
    transit_links,
)
from runbook_wan.model.estate import Estate
from runbook_wan.results import Diagnostic, DiagnosticError

IMPAIRMENTS_FILE = Path(__file__).resolve().parent / "impairments.yaml"
#: A circuit run through the relay only so that ``lab impair`` can delay it (``lab up --relay``).
CLEAN_RELAY = {"delay_ms": 0.0, "jitter_ms": 0.0, "loss_pct": 0.0}
#: Platforms whose devices the lab can run (it runs FRR).
SITE_DAEMONS = ("zebra", "staticd", "bgpd", "pbrd")
CORE_DAEMONS = ("zebra", "staticd", "bgpd")
CORE_IF = "core"


class LabModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Impairment(LabModel):
    rate_mbit: int
    delay_ms: int
    jitter_ms: int
    loss_pct: float


class RelayLeg(LabModel):
    """The two relay-box interfaces a relayed circuit passes through."""

    site_side: str
    provider_side: str


class CircuitLink(LabModel):
    role: str
    provider: str
    media: str
    site_if: str
    site_address: str  # a.b.c.d/len; configured by the site's FRR config, not at boot
    provider_netns: str
    provider_if: str
    gateway: str  # a.b.c.d/len on the provider side
    bfd: bool
    relay: RelayLeg | None = None
    impairment: Impairment | None = None


class LanLink(LabModel):
    segment: str
    vlan: int
    site_if: str
    router_address: str  # a.b.c.d/len; configured by FRR
    host_if: str
    host_address: str  # a.b.c.d/len in the site's LAN-hosts namespace


class ClassTraffic(LabModel):
    """What ``lab path`` sends for one SD-WAN class of a site: from this LAN segment, with this DSCP,
    to this address (criteria of the class, from the intents), and the circuits it may use."""

    name: str
    segment: str
    dscp: int | None
    destination: str
    path: list[str]


class SiteNode(LabModel):
    site: str
    hostname: str
    netns: str
    hosts_netns: str
    mgmt_if: str
    mgmt_address: str  # a.b.c.d/len
    mgmt_port: str  # root-namespace bridge port
    daemons: list[str]
    log_file: str
    circuits: list[CircuitLink]
    lans: list[LanLink]
    classes: list[ClassTraffic] = []

    @property
    def mgmt_ip(self) -> str:
        return self.mgmt_address.split("/")[0]

    def circuit(self, role: str) -> CircuitLink | None:
        return next((c for c in self.circuits if c.role == role), None)

    def lan(self, segment: str) -> LanLink | None:
        return next((lan for lan in self.lans if segment in (lan.segment, lan.site_if)), None)

    def app_class(self, name: str) -> ClassTraffic | None:
        return next((c for c in self.classes if c.name == name), None)


class ProviderNode(LabModel):
    provider: str
    name: str
    kind: str
    netns: str
    asn: int
    address_block: str
    tracking_address: str
    password_secret: str | None
    bfd: bool
    daemons: list[str]
    core_if: str
    core_address: str  # provider side of the link to the internet core, a.b.c.d/len
    internet_if: str
    internet_address: str  # internet side, a.b.c.d/len


class InternetNode(LabModel):
    netns: str
    asn: int
    hub: str
    saas: str
    #: One reachable host address per SD-WAN class destination prefix (prefix -> address).
    targets: dict[str, str]
    daemons: list[str]

    @property
    def addresses(self) -> list[str]:
        return sorted({self.hub, self.saas, *self.targets.values()}, key=ipaddress.IPv4Address)


class Topology(LabModel):
    prefix: str
    estate: str
    management_network: str
    bridge: str
    bridge_address: str  # a.b.c.d/len
    nft_table: str
    relay_netns: str | None
    sites: dict[str, SiteNode]
    providers: dict[str, ProviderNode]
    internet: InternetNode

    def all_netns(self) -> list[str]:
        names = [self.internet.netns, *(p.netns for p in self.providers.values())]
        for site in self.sites.values():
            names += [site.netns, site.hosts_netns]
        if self.relay_netns:
            names.append(self.relay_netns)
        return names

    def frr_netns(self) -> list[str]:
        return [
            self.internet.netns,
            *(p.netns for p in self.providers.values()),
            *(s.netns for s in self.sites.values()),
        ]

    def relayed(self) -> list[tuple[SiteNode, CircuitLink]]:
        return [(s, c) for s in self.sites.values() for c in s.circuits if c.relay is not None]


def load_impairments(path: Path = IMPAIRMENTS_FILE) -> dict[str, dict[str, float]]:
    data = yaml.safe_load(path.read_text()) or {}
    return {str(media): dict(values) for media, values in data.items()}


def _lab_checks(estate: Estate, facts: dict[str, SiteFacts]) -> list[Diagnostic]:
    problems = []
    for sid, site in facts.items():
        lab_platforms = sorted(name for name, spec in estate.platforms.items() if spec.runs_in_lab)
        if site.platform not in lab_platforms:
            problems.append(
                Diagnostic(
                    "lab-platform",
                    f"site {sid} runs platform {site.platform}; the lab runs only " + ", ".join(lab_platforms),
                    location=estate.locate("site", sid, ("platform",)),
                    hint="select lab sites with " + " or ".join(f"--limit platform={p}" for p in lab_platforms),
                )
            )
        clash = naming.check_site_id(sid)
        if clash is not None:
            problems.append(clash)
    return problems


def _circuit_links(
    prefix: str,
    site: SiteFacts,
    impairments: dict[str, dict[str, float]],
    relay_all: bool = False,
    relay_roles: frozenset[str] | None = None,
) -> list[CircuitLink]:
    per_provider = Counter(c.provider for c in site.circuits)
    links = []
    for circuit in site.circuits:
        base = site.site if per_provider[circuit.provider] == 1 else f"{site.site}-{circuit.interface}"
        prefixlen = circuit.address.split("/")[1]
        profile = impairments.get(circuit.media)
        if profile is None and relay_all and (relay_roles is None or circuit.role in relay_roles):
            profile = CLEAN_RELAY
        relay = impairment = None
        if profile is not None:
            leg = f"{site.site}-{circuit.interface}" if relay_all else base  # one leg per relayed circuit
            relay = RelayLeg(site_side=naming.ifname(f"s-{leg}"), provider_side=naming.ifname(f"p-{leg}"))
            impairment = Impairment(
                rate_mbit=circuit.bandwidth_mbps,
                delay_ms=int(profile["delay_ms"]),
                jitter_ms=int(profile["jitter_ms"]),
                loss_pct=float(profile["loss_pct"]),
            )
        links.append(
            CircuitLink(
                role=circuit.role,
                provider=circuit.provider,
                media=circuit.media,
                site_if=circuit.interface,
                site_address=circuit.address,
                provider_netns=naming.provider_netns(prefix, circuit.provider),
                provider_if=naming.ifname(base),
                gateway=f"{circuit.gateway}/{prefixlen}",
                bfd=circuit.bfd,
                relay=relay,
                impairment=impairment,
            )
        )
    return links


def _class_traffic(estate: Estate, site: SiteFacts, targets: dict[str, str], hub: str) -> list[ClassTraffic]:
    """Per class: its first source segment (else a segment no segment-matched class claims), its
    first DSCP, and an address of its first destination prefix (else the hub)."""
    by_network = {lan.network: lan.name for lan in site.lan_segments}
    claimed = {by_network[src] for c in site.classes for src in c.sources if src in by_network}
    free = next((lan.name for lan in site.lan_segments if lan.name not in claimed), site.lan_segments[0].name)
    policy = estate.policies[site.policy]
    out = []
    for c in site.classes:
        segment = next((by_network[src] for src in c.sources if src in by_network), free)
        dscp = policy.classes[c.app_class].match.dscp
        destination = targets.get(c.destinations[0], hub) if c.destinations else hub
        out.append(
            ClassTraffic(
                name=c.app_class,
                segment=segment,
                dscp=dscp[0] if dscp else None,
                destination=destination,
                path=list(c.path_preference),
            )
        )
    return out


def _site_node(
    prefix: str,
    site: SiteFacts,
    mgmt: dict[str, str],
    mgmt_if: str,
    index: int,
    impairments: dict[str, dict[str, float]],
    classes: list[ClassTraffic],
    relay_all: bool,
    relay_roles: frozenset[str] | None = None,
) -> SiteNode:
    lans = [
        LanLink(
            segment=lan.name,
            vlan=lan.vlan,
            site_if=lan.interface,
            router_address=lan.address,
            host_if=lan.interface,
            host_address=host_address(lan.address),
        )
        for lan in site.lan_segments
    ]
    circuits = _circuit_links(prefix, site, impairments, relay_all, relay_roles)
    daemons = [*SITE_DAEMONS, *(["bfdd"] if any(c.bfd for c in circuits) else [])]
    return SiteNode(
        site=site.site,
        hostname=site.hostname,
        netns=naming.site_netns(prefix, site.site),
        hosts_netns=naming.lan_hosts_netns(prefix, site.site),
        mgmt_if=mgmt_if,
        mgmt_address=mgmt[site.site],
        mgmt_port=naming.mgmt_port(prefix, index),
        daemons=daemons,
        log_file=site.log_file,
        circuits=circuits,
        lans=lans,
        classes=classes,
    )


def _provider_nodes(
    prefix: str, estate: Estate, sites: list[SiteNode], transit: dict[str, tuple[str, str]]
) -> dict[str, ProviderNode]:
    nodes = {}
    for pid in sorted({c.provider for s in sites for c in s.circuits}):
        provider = estate.providers[pid]
        core, inet = transit[pid]
        bfd = any(c.bfd for s in sites for c in s.circuits if c.provider == pid)
        nodes[pid] = ProviderNode(
            provider=pid,
            name=provider.name,
            kind=provider.kind,
            netns=naming.provider_netns(prefix, pid),
            asn=provider.asn,
            address_block=str(provider.address_block),
            tracking_address=str(provider.tracking_address),
            password_secret=provider.bgp_password.secret if provider.bgp_password else None,
            bfd=bfd,
            daemons=[*CORE_DAEMONS, *(["bfdd"] if bfd else [])],
            core_if=CORE_IF,
            core_address=core,
            internet_if=naming.ifname(pid),
            internet_address=inet,
        )
    return nodes


def build_topology(
    estate: Estate,
    facts: dict[str, SiteFacts],
    prefix: str = naming.DEFAULT_PREFIX,
    management_network: str | None = None,
    relayed_sites: frozenset[str] = frozenset(),
    relayed_roles: frozenset[str] | None = None,
) -> Topology:
    """The lab for the sites in ``facts``. Raises :class:`DiagnosticError` if it cannot be built.

    ``relayed_sites`` run every circuit through the relay (not only wireless ones), so that
    ``lab impair`` can delay their DIAs too; it costs the relay's CPU for all their traffic.
    ``relayed_roles`` narrows that to these circuit roles (None: every circuit)."""
    naming.check_prefix(prefix)
    problems = _lab_checks(estate, facts)
    if not facts:
        problems.append(
            Diagnostic(
                "lab-no-sites", "no sites selected for the lab", hint="check --limit; it must select at least one site"
            )
        )
    if problems:
        raise DiagnosticError(problems)
    network = ipaddress.IPv4Network(management_network or str(estate.settings.management_network))
    mgmt, bridge_address = management_plan(network, estate.site_ids())
    impairments = load_impairments()
    any_site = next(iter(facts.values()))
    mgmt_if = estate.platforms[any_site.platform].interfaces.management
    all_ids = estate.site_ids()
    reach = estate.settings.reachability
    targets = class_targets(facts.values(), [str(reach.hub), str(reach.saas)])
    sites = {
        sid: _site_node(
            prefix,
            f,
            mgmt,
            mgmt_if,
            all_ids.index(sid),
            impairments,
            _class_traffic(estate, f, targets, str(reach.hub)),
            sid in relayed_sites,
            relayed_roles,
        )
        for sid, f in sorted(facts.items())
    }
    used = sorted({c.provider for s in sites.values() for c in s.circuits})
    transit = transit_links(estate, facts, used)
    providers = _provider_nodes(prefix, estate, list(sites.values()), transit)
    internet = InternetNode(
        netns=naming.internet_netns(prefix),
        asn=internet_asn(estate),
        hub=str(reach.hub),
        saas=str(reach.saas),
        targets=targets,
        daemons=list(CORE_DAEMONS),
    )
    return Topology(
        prefix=prefix,
        estate=estate.settings.name,
        management_network=str(network),
        bridge=naming.bridge(prefix),
        bridge_address=bridge_address,
        nft_table=naming.nft_table(prefix),
        relay_netns=naming.relay_netns(prefix) if any(c.relay for s in sites.values() for c in s.circuits) else None,
        sites=sites,
        providers=providers,
        internet=internet,
    )
