"""SD-WAN application steering as ordered policy-routing rules.

For each class and each of its match criteria, one rule per circuit in the class's path
preference, most preferred first; each sends traffic to the circuit provider's *tracking
address*. That address is learned over BGP from that provider only, so when the circuit's
session (or BFD) drops the rule stops resolving and the next rule takes over. Classes that
must not use some circuit (wireless guardrails, or a circuit simply not listed) end with a
rule to the discard address, so they are dropped rather than leak onto that circuit.
Traffic to the site's own prefixes is kept local before any class rule.

Precedence: rules that match the *source* segment come first, then DSCP, then destination
rules, each in policy order. Who sends the traffic beats where it goes: guest traffic to a SaaS
prefix stays guest traffic (and keeps its guardrails).

Platforms whose policy routing cannot match DSCP itself (``capabilities.dscp_by_mark``, FRR) get a
firewall mark per DSCP code point: the classifier artifact (nftables) sets it on the LAN side and
the DSCP rules match the mark instead, in the same place of the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Literal

from runbook_wan.facts import naming
from runbook_wan.facts.addressing import dscp_name, prefix_fact
from runbook_wan.facts.models import (
    CircuitFact,
    ClassPathFact,
    MarkFact,
    SteeringFact,
    SteeringGroup,
    SteeringPath,
    SteeringRule,
    TrackFact,
)
from runbook_wan.model.estate import Estate
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.model.policy import AppClass, Policy
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.model.site import Site
from runbook_wan.results import Diagnostic, Severity

SEQ_STEP = 5
_PRECEDENCE = {"segments": 0, "dscp": 1, "destinations": 2}


Kind = Literal["local", "segments", "destinations", "dscp"]
Action = Literal["local", "nexthop", "discard"]


@dataclass
class _Criterion:
    kind: Kind
    source: str | None = None
    destination: str | None = None
    dscp: int | None = None


def segment_networks(site: Site) -> dict[str, str]:
    """Each LAN segment's network, by segment name (``10.21.40.0/24``)."""
    return {seg.name: str(seg.address.network) for seg in site.lan_segments}


def _criteria(networks: dict[str, str], app: AppClass, supported: list[str]) -> tuple[list[_Criterion], list[str]]:
    found: list[_Criterion] = []
    unsupported: list[str] = []
    if app.match.segments:
        if "segments" in supported:
            found += [_Criterion("segments", source=networks[s]) for s in app.match.segments if s in networks]
        else:
            unsupported.append("segments")
    if app.match.destinations:
        if "destinations" in supported:
            found += [_Criterion("destinations", destination=str(d)) for d in app.match.destinations]
        else:
            unsupported.append("destinations")
    if app.match.dscp:
        if "dscp" in supported:
            found += [_Criterion("dscp", dscp=d) for d in app.match.dscp]
        else:
            unsupported.append("dscp")
    return found, unsupported


def class_paths(site: Site, policy: Policy) -> list[ClassPathFact]:
    networks = segment_networks(site)
    out = []
    for cname, app in policy.classes.items():
        never = [r for r in CIRCUIT_ROLES if r not in app.path_preference]
        out.append(
            ClassPathFact(
                app_class=cname,
                path_preference=list(app.path_preference),
                never_on=never,
                sources=[networks[s] for s in app.match.segments if s in networks],
                destinations=[str(d) for d in app.match.destinations],
            )
        )
    return out


def steering(
    site: Site, estate: Estate, platform: PlatformSpec, circuits: list[CircuitFact], lan_interfaces: list[str]
) -> tuple[SteeringFact | None, list[Diagnostic]]:
    policy = estate.policies[site.policy]
    by_role = {c.role: c for c in circuits}
    diagnostics: list[Diagnostic] = []
    rules: list[SteeringRule] = []

    def add(
        app_class: str,
        crit: _Criterion,
        action: Action,
        mark: int | None = None,
        nexthop: str | None = None,
        circuit: str | None = None,
    ) -> None:
        seq = SEQ_STEP * (len(rules) + 1)
        rules.append(
            SteeringRule(
                seq=seq,
                acl_name=naming.steering_acl(seq),
                app_class=app_class,
                criterion=crit.kind,
                match_source=crit.source,
                match_destination=crit.destination,
                match_dscp=crit.dscp,
                match_mark=mark,
                action=action,
                nexthop=nexthop,
                circuit=circuit,
            )
        )

    networks = segment_networks(site)
    supported: list[str] = list(platform.capabilities.steering_match)
    local = [str(seg.address.network) for seg in site.lan_segments] + [str(site.loopback.network)]
    for prefix in local:
        add("local", _Criterion("local", destination=prefix), "local")
    discard = str(estate.settings.discard_address)
    ordered: list[tuple[int, int, str, AppClass, _Criterion]] = []
    for index, (cname, app) in enumerate(policy.classes.items()):
        criteria, unsupported = _criteria(networks, app, supported)
        ordered += [(_PRECEDENCE[c.kind], index, cname, app, c) for c in criteria]
        for kind in unsupported:
            diagnostics.append(
                Diagnostic(
                    "steering-unsupported-match",
                    f"class {cname!r} matches by {kind}, which platform {platform.platform!r} cannot match; "
                    f"it is steered by its other criteria only",
                    severity=Severity.WARNING,
                    location=estate.locate("policy", policy.policy, ("classes", cname, "match", kind)),
                    hint=f"add segments or destinations to the class, or accept that {kind} is ignored on "
                    f"{platform.platform}",
                )
            )
    by_mark = platform.capabilities.dscp_by_mark
    marks: dict[int, MarkFact] = {}
    for _, _, cname, app, crit in sorted(ordered, key=lambda item: (item[0], item[1])):
        mark = naming.dscp_mark(crit.dscp) if by_mark and crit.dscp is not None else None
        if mark is not None and crit.dscp is not None and crit.dscp not in marks:
            name = dscp_name(crit.dscp)
            marks[crit.dscp] = MarkFact(dscp=crit.dscp, dscp_name=name, mark=mark, mark_hex=hex(mark), app_class=cname)
        for role in app.path_preference:
            add(cname, crit, "nexthop", mark, nexthop=by_role[role].tracking_address, circuit=role)
        if any(r not in app.path_preference for r in CIRCUIT_ROLES):
            add(cname, crit, "discard", mark, nexthop=discard)
    limit = platform.capabilities.steering_max_sequence
    if rules and rules[-1].seq > limit:
        diagnostics.append(
            Diagnostic(
                "steering-too-many-rules",
                f"site {site.site!r} needs {len(rules)} steering rules (last sequence {rules[-1].seq}), "
                f"more than platform {platform.platform!r} allows (sequence <= {limit})",
                location=estate.locate("site", site.site, ("policy",)),
                hint="merge destination prefixes into fewer, larger ones or split the policy",
            )
        )
    return SteeringFact(
        name=naming.STEERING_MAP,
        rules=rules,
        interfaces=lan_interfaces,
        groups=groups(rules, by_role),
        tracks=tracks(circuits),
        marks=list(marks.values()),
    ), diagnostics


def tracks(circuits: list[CircuitFact]) -> list[TrackFact]:
    """One tracked object per circuit: its provider's tracking /32 being in the routing table."""
    return [
        TrackFact(
            id=naming.TRACK_IDS[c.role],
            circuit=c.role,
            address=c.tracking_address,
            prefix=prefix_fact(f"{c.tracking_address}/32"),
        )
        for c in circuits
    ]


def _match_key(rule: SteeringRule) -> tuple[object, ...]:
    return (rule.app_class, rule.criterion, rule.match_source, rule.match_destination, rule.match_dscp)


def _describe(first: SteeringRule, paths: list[SteeringPath]) -> str:
    """Short (route-map descriptions are short): "voice from 10.1.20.0/24: primary_dia > ... > discard"."""
    if first.criterion == "local":
        return f"local: to {first.match_destination}, normal routing"
    match = {
        "segments": f"from {first.match_source}",
        "destinations": f"to {first.match_destination}",
        "dscp": f"dscp {dscp_name(first.match_dscp or 0)}",
    }[first.criterion]
    steps = [p.circuit if p.action == "nexthop" else p.action for p in paths]
    return f"{first.app_class} {match}: " + " > ".join(s or "" for s in steps)


def groups(rules: list[SteeringRule], by_role: dict[str, CircuitFact]) -> list[SteeringGroup]:
    """Consecutive rules with the same match, as one ordered-fallback group each."""
    out: list[SteeringGroup] = []
    for _, members in groupby(rules, key=_match_key):
        group = list(members)
        first = group[0]
        paths = [
            SteeringPath(
                seq=rule.seq,
                class_name=naming.steering_class(rule.seq),
                action=rule.action,
                preference=index,
                circuit=rule.circuit,
                nexthop=rule.nexthop,
                interface=by_role[rule.circuit].interface if rule.circuit else None,
                gateway=by_role[rule.circuit].gateway if rule.circuit else None,
                track_id=naming.TRACK_IDS[rule.circuit] if rule.circuit else None,
            )
            for index, rule in enumerate(group, start=1)
        ]
        discard = any(rule.action == "discard" for rule in group)
        out.append(
            SteeringGroup(
                seq=first.seq,
                app_class=first.app_class,
                criterion=first.criterion,
                description=_describe(first, paths),
                acl_name=naming.steering_acl(first.seq),
                match_source=prefix_fact(first.match_source) if first.match_source else None,
                match_destination=prefix_fact(first.match_destination) if first.match_destination else None,
                match_dscp=first.match_dscp,
                match_dscp_name=dscp_name(first.match_dscp) if first.match_dscp is not None else None,
                match_mark=first.match_mark,
                local=first.action == "local",
                rules=paths,
                nexthops=[p for p in paths if p.action == "nexthop"],
                discard=discard,
            )
        )
    return out
