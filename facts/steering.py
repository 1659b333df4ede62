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
"""

from __future__ import annotations

from dataclasses import dataclass

from facts import naming
from facts.models import CircuitFact, ClassPathFact, SteeringFact, SteeringRule
from model.estate import Estate
from model.platform import PlatformSpec
from model.policy import AppClass, Policy
from model.site import Site
from model.types import CIRCUIT_ROLES
from results import Diagnostic, Severity

SEQ_STEP = 5
_PRECEDENCE = {"segments": 0, "dscp": 1, "destinations": 2}


@dataclass
class _Criterion:
    kind: str
    source: str | None = None
    destination: str | None = None
    dscp: int | None = None


def _criteria(site: Site, app: AppClass, supported: list[str]) -> tuple[list[_Criterion], list[str]]:
    networks = {seg.name: str(seg.address.network) for seg in site.lan_segments}
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
    networks = {seg.name: str(seg.address.network) for seg in site.lan_segments}
    out = []
    for cname, app in policy.classes.items():
        never = [r for r in CIRCUIT_ROLES if r not in app.path_preference]
        out.append(ClassPathFact(
            app_class=cname, path_preference=list(app.path_preference), never_on=never,
            sources=[networks[s] for s in app.match.segments if s in networks],
            destinations=[str(d) for d in app.match.destinations],
        ))
    return out


def steering(site: Site, estate: Estate, platform: PlatformSpec, circuits: list[CircuitFact],
             lan_interfaces: list[str]) -> tuple[SteeringFact | None, list[Diagnostic]]:
    policy = estate.policies[site.policy]
    by_role = {c.role: c for c in circuits}
    diagnostics: list[Diagnostic] = []
    rules: list[SteeringRule] = []

    def add(**kwargs: object) -> None:
        seq = SEQ_STEP * (len(rules) + 1)
        rules.append(SteeringRule(seq=seq, acl_name=naming.steering_acl(seq), **kwargs))

    local = [str(seg.address.network) for seg in site.lan_segments] + [str(site.loopback.network)]
    for prefix in local:
        add(app_class="local", criterion="local", match_destination=prefix, action="local")
    discard = str(estate.settings.discard_address)
    ordered: list[tuple[int, int, str, AppClass, _Criterion]] = []
    for index, (cname, app) in enumerate(policy.classes.items()):
        criteria, unsupported = _criteria(site, app, list(platform.capabilities.steering_match))
        ordered += [(_PRECEDENCE[c.kind], index, cname, app, c) for c in criteria]
        for kind in unsupported:
            diagnostics.append(Diagnostic(
                "steering-unsupported-match",
                f"class {cname!r} matches by {kind}, which platform {platform.platform!r} cannot match; "
                f"it is steered by its other criteria only",
                severity=Severity.WARNING,
                location=estate.locate("policy", policy.policy, ("classes", cname, "match", kind)),
                hint=f"add segments or destinations to the class, or accept that {kind} is ignored on "
                     f"{platform.platform}",
            ))
    for _, _, cname, app, crit in sorted(ordered, key=lambda item: (item[0], item[1])):
        for role in app.path_preference:
            add(app_class=cname, criterion=crit.kind, match_source=crit.source,
                match_destination=crit.destination, match_dscp=crit.dscp, action="nexthop",
                nexthop=by_role[role].tracking_address, circuit=role)
        if any(r not in app.path_preference for r in CIRCUIT_ROLES):
            add(app_class=cname, criterion=crit.kind, match_source=crit.source,
                match_destination=crit.destination, match_dscp=crit.dscp, action="discard",
                nexthop=discard)
    limit = platform.capabilities.steering_max_sequence
    if rules and rules[-1].seq > limit:
        diagnostics.append(Diagnostic(
            "steering-too-many-rules",
            f"site {site.site!r} needs {len(rules)} steering rules (last sequence {rules[-1].seq}), "
            f"more than platform {platform.platform!r} allows (sequence <= {limit})",
            location=estate.locate("site", site.site, ("policy",)),
            hint="merge destination prefixes into fewer, larger ones or split the policy",
        ))
    return SteeringFact(name=naming.STEERING_MAP, rules=rules, interfaces=lan_interfaces), diagnostics
