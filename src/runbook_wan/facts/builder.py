"""Build facts for every site; the only place that combines model objects into config data."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from runbook_wan.credentials.tokens import secret_token
from runbook_wan.facts import interfaces as iface
from runbook_wan.facts import routing
from runbook_wan.facts.agent import agent_policy
from runbook_wan.facts.models import CircuitFact, SiteFacts, StaticRouteFact
from runbook_wan.facts.sla import sla_facts
from runbook_wan.facts.steering import class_paths, steering
from runbook_wan.model.estate import Estate
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.results import Diagnostic


def _circuits(estate: Estate, sid: str) -> list[CircuitFact]:
    site = estate.sites[sid]
    platform = estate.platforms[site.platform]
    out = []
    for role in CIRCUIT_ROLES:
        circuit = getattr(site.circuits, role)
        provider = estate.providers[circuit.provider]
        pref = getattr(site.routing, role)
        password = secret_token(provider.bgp_password.secret) if provider.bgp_password else None
        out.append(
            CircuitFact(
                role=role,
                interface=getattr(platform.interfaces, role),
                provider=provider.provider,
                provider_name=provider.name,
                provider_kind=provider.kind,
                provider_asn=provider.asn,
                circuit_id=circuit.circuit_id,
                media=circuit.media,
                bandwidth_mbps=circuit.bandwidth_mbps,
                address=str(circuit.address),
                gateway=str(circuit.gateway),
                tracking_address=str(provider.tracking_address),
                local_preference=pref.local_preference,
                as_path_prepend=pref.as_path_prepend,
                bfd=circuit.bfd and platform.capabilities.bfd,
                password=password,
            )
        )
    return out


def build_site_facts(estate: Estate, sid: str) -> tuple[SiteFacts, list[Diagnostic]]:
    """Facts of one site plus warnings (e.g. match criteria a platform cannot express)."""
    site = estate.sites[sid]
    platform = estate.platforms[site.platform]
    policy = estate.policies[site.policy]
    circuits = _circuits(estate, sid)
    lans = iface.lan_facts(site, platform)
    steer, diagnostics = steering(site, estate, platform, circuits, [lan.interface for lan in lans])
    statics: list[StaticRouteFact] = []
    if steer is not None and any(rule.action == "discard" for rule in steer.rules):
        discard = ipaddress.IPv4Network(f"{estate.settings.discard_address}/32")
        statics.append(
            StaticRouteFact(
                prefix=str(discard),
                network=str(discard.network_address),
                netmask=str(discard.netmask),
                nexthop="blackhole",
                description="discard target of guard-railed classes",
                blackhole=True,
            )
        )
    secrets = sorted({c.password for c in circuits if c.password})
    agent = None
    if steer is not None and platform.artifact("agent_policy") is not None:
        agent = agent_policy(sid, policy, platform, circuits, steer, estate.settings.steering)
    sla, found = sla_facts(policy, platform, circuits, steer, estate.settings.steering)
    diagnostics += found
    facts = SiteFacts(
        site=sid,
        hostname=sid,
        name=site.name,
        region=site.region,
        platform=site.platform,
        policy=site.policy,
        asn=site.asn,
        router_id=str(site.loopback.ip),
        log_file=platform.log_file.format(hostname=sid) if platform.log_file else "",
        interfaces=iface.interfaces(site, platform, estate.providers, steer.name if steer else None),
        circuits=circuits,
        lan_segments=lans,
        bgp=routing.bgp(site, circuits),
        bfd_profile=routing.bfd_profile(site, circuits, platform),
        prefix_lists=routing.prefix_lists(site, circuits),
        route_maps=routing.route_maps(site, circuits),
        steering=steer,
        static_routes=statics,
        lan_parent=iface.lan_parent(site, platform),
        classes=class_paths(site, policy),
        hub_address=str(estate.settings.reachability.hub),
        saas_address=str(estate.settings.reachability.saas),
        management_network=str(estate.settings.management_network),
        secrets=[s.removeprefix("<secret:").removesuffix(">") for s in secrets],
        agent=agent,
        sla=sla,
    )
    return facts, diagnostics


def build_estate_facts(
    estate: Estate, site_ids: Iterable[str] | None = None
) -> tuple[dict[str, SiteFacts], list[Diagnostic]]:
    """Facts for ``site_ids`` (default: all), with de-duplicated diagnostics."""
    facts: dict[str, SiteFacts] = {}
    seen: set[tuple[str, str, object]] = set()
    diagnostics: list[Diagnostic] = []
    for sid in sorted(site_ids if site_ids is not None else estate.sites):
        site_facts, found = build_site_facts(estate, sid)
        facts[sid] = site_facts
        for d in found:
            key = (d.code, d.message, d.location)
            if key not in seen:
                seen.add(key)
                diagnostics.append(d)
    return facts, diagnostics
