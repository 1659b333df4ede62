"""Each platform's rendered policy routing steers every class the way its policy says.

Read back from the rendered text of every site of the multivendor estate (FRR, EOS and IOS-XE)
and compared with the *intents*, not with the facts: for each match of a class, the next hops are
the class's circuits in ``path_preference`` order (the ordered fallback), a class kept off a
circuit ends in a discard, traffic to the site's own prefixes is left on normal routing before any
class rule, and the policy is applied to every LAN interface.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hier_config import Platform, get_hconfig

from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.model.types import DSCP_NAMES
from runbook_wan.render.pipeline import render_estate

REPO = Path(__file__).resolve().parents[2]
RESULT = render_estate(REPO / "examples" / "multivendor" / "intents")
DISCARD = "discard"
PRECEDENCE = {"src": 0, "dscp": 1, "dst": 2}

MatchKey = tuple[str, str]  # ("src" | "dst", prefix) or ("dscp", keyword)


@dataclass
class Steer:
    """One rendered match and where it sends traffic, most preferred first."""

    key: MatchKey
    hops: list[str] = field(default_factory=list)  # circuit roles, or DISCARD
    local: bool = False


def expected(site: str) -> tuple[dict[MatchKey, list[str]], set[str]]:
    """From the intents: match -> circuit roles in order (+ DISCARD when kept off one); local prefixes."""
    estate = RESULT.estate
    spec = estate.sites[site]
    policy = estate.policies[spec.policy]
    supported = estate.platforms[spec.platform].capabilities.steering_match
    segments = {seg.name: str(seg.address.network) for seg in spec.lan_segments}
    want: dict[MatchKey, list[str]] = {}
    for app in policy.classes.values():
        hops = list(app.path_preference) + ([DISCARD] if set(CIRCUIT_ROLES) - set(app.path_preference) else [])
        keys: list[MatchKey] = []
        if "segments" in supported:
            keys += [("src", segments[s]) for s in app.match.segments]
        if "dscp" in supported:
            names = {v: k for k, v in DSCP_NAMES.items()}
            keys += [("dscp", names[d]) for d in app.match.dscp]
        if "destinations" in supported:
            keys += [("dst", str(d)) for d in app.match.destinations]
        for key in keys:
            want.setdefault(key, hops)  # the first class that matches wins
    local = set(segments.values()) | {str(spec.loopback.network)}
    return want, local


def _operand(words: list[str]) -> tuple[str | None, list[str]]:
    """Parse one ACL address operand: any | host A | A/len | A wildcard. Returns (prefix or None, rest)."""
    if words[0] == "any":
        return None, words[1:]
    if words[0] == "host":
        return f"{words[1]}/32", words[2:]
    if "/" in words[0]:
        return str(ipaddress.IPv4Network(words[0])), words[1:]
    inverse = ipaddress.IPv4Address(words[1])
    mask = ipaddress.IPv4Address(int(inverse) ^ 0xFFFFFFFF)
    return str(ipaddress.IPv4Network(f"{words[0]}/{mask}")), words[2:]


def acl_key(entry: str) -> MatchKey:
    words = entry.split()
    assert words[1:3] == ["permit", "ip"], entry
    src, rest = _operand(words[3:])
    dst, rest = _operand(rest)
    if rest:
        assert rest[0] == "dscp", entry
        return ("dscp", rest[1])
    return ("src", src) if src else ("dst", dst or "")


def _by_address(site: str) -> dict[str, str]:
    facts = RESULT.facts[site]
    roles = {c.gateway: c.role for c in facts.circuits} | {c.tracking_address: c.role for c in facts.circuits}
    return roles | {str(RESULT.estate.settings.discard_address): DISCARD}


def classifier_marks(site: str) -> dict[int, str]:
    """FRR: which DSCP keyword each firewall mark stands for, read from the site's nftables classifier
    (``<site>.nft``), which must mark on the site's LAN interfaces only."""
    names = {v: k for k, v in DSCP_NAMES.items()}
    lans = sorted(lan.interface for lan in RESULT.facts[site].lan_segments)
    marks: dict[int, str] = {}
    for rule in re.finditer(
        r"^\s+iifname \{ (.*) \} ip dscp (\d+) meta mark set (0x[0-9a-f]+)", RESULT.configs[site].sidecars[".nft"], re.M
    ):
        assert sorted(name.strip('" ') for name in rule.group(1).split(",")) == lans, rule.group(0)
        marks[int(rule.group(3), 16)] = names[int(rule.group(2))]
    return marks


def read_frr(site: str, text: str) -> list[Steer]:
    roles, steers, marks = _by_address(site), list[Steer](), classifier_marks(site)
    for block in re.findall(r"^pbr-map \S+ seq \d+\n(.*?)^exit", text, flags=re.M | re.S):
        match = re.search(r"match (src|dst)-ip (\S+)|match mark (\d+)", block)
        assert match, block
        key: MatchKey = ("dscp", marks[int(match.group(3))]) if match.group(3) else (match.group(1), match.group(2))
        if not steers or steers[-1].key != key:
            steers.append(Steer(key))
        if "set vrf unchanged" in block:
            steers[-1].local = True
        else:
            hop = re.search(r"set nexthop (\S+)", block)
            assert hop, block
            steers[-1].hops.append(roles[hop.group(1)])
    return steers


def read_eos(site: str, text: str) -> list[Steer]:
    roles, tree = _by_address(site), get_hconfig(Platform.ARISTA_EOS, text)
    acls = {n.text.split()[-1]: acl_key(n.children[0].text) for n in tree.get_children(startswith="ip access-list ")}
    classes = {
        n.text.split()[-1]: acls[n.children[0].text.split()[-1]]
        for n in tree.get_children(startswith="class-map type pbr ")
    }
    policy = tree.get_child(startswith="policy-map type pbr ")
    assert policy is not None
    steers: list[Steer] = []
    for entry in policy.children:
        key = classes[entry.text.split()[-1]]
        if not steers or steers[-1].key != key:
            steers.append(Steer(key))
        actions = [c.text for c in entry.children]
        if not actions:
            steers[-1].local = True
        for action in actions:
            steers[-1].hops.append(DISCARD if action == "drop" else roles[action.split()[-1]])
    return steers


@dataclass(frozen=True)
class IosTrack:
    """What an IOS-XE track object a PBR next hop depends on comes down to."""

    role: str  # the circuit whose reachability it follows
    budget_ms: int | None  # the round-trip threshold of its ip sla, when it has one


def ios_tracks(site: str, text: str) -> dict[str, IosTrack]:
    """Track id -> circuit and SLA budget, read from the route, ip sla and boolean-list tracks."""
    roles, tree = _by_address(site), get_hconfig(Platform.CISCO_IOS, text)
    route = {
        m.group(1): roles[m.group(2)]
        for m in re.finditer(r"^track (\d+) ip route (\S+) 255.255.255.255 reachability$", text, flags=re.M)
    }
    operations: dict[str, tuple[str, int]] = {}  # ip sla id -> (role probed, threshold ms)
    for op in tree.get_children(startswith="ip sla "):
        words = op.text.split()
        if len(words) != 3:
            continue  # ip sla schedule ...
        lines = {c.text.split()[0]: c.text.split() for c in op.children}
        target = lines["icmp-echo"][1]
        assert lines["icmp-echo"][3] == _interface_of(site, roles[target]), "the probe must leave on its circuit"
        operations[words[2]] = (roles[target], int(lines["threshold"][1]))
    state = {
        m.group(1): operations[m.group(2)] for m in re.finditer(r"^track (\d+) ip sla (\d+) state$", text, flags=re.M)
    }
    tracks = {tid: IosTrack(role, None) for tid, role in route.items()}
    for entry in tree.get_children(startswith="track "):
        if not entry.text.endswith("list boolean and"):
            continue
        objects = [c.text.split()[1] for c in entry.children]
        reach = [route[o] for o in objects if o in route]
        slas = [state[o] for o in objects if o in state]
        assert len(reach) == 1 and len(slas) == 1 and reach[0] == slas[0][0], f"{entry.text}: {objects}"
        tracks[entry.text.split()[1]] = IosTrack(reach[0], slas[0][1])
    return tracks


def _interface_of(site: str, role: str) -> str:
    return next(c.interface for c in RESULT.facts[site].circuits if c.role == role)


def read_ios(site: str, text: str, budgets: dict[MatchKey, list[int | None]] | None = None) -> list[Steer]:
    roles, tree = _by_address(site), get_hconfig(Platform.CISCO_IOS, text)
    tracks = ios_tracks(site, text)
    acls = {
        n.text.split()[-1]: acl_key(n.children[0].text)
        for n in tree.get_children(startswith="ip access-list extended ")
    }
    steers = []
    for entry in tree.get_children(startswith="route-map SDWAN "):
        lines = [c.text for c in entry.children]
        acl = next(line.split()[-1] for line in lines if line.startswith("match ip address "))
        steer = Steer(acls[acl], local=entry.text.split()[2] == "deny")
        for line in lines:
            if line.startswith("set ip next-hop verify-availability "):
                _, _, _, _, gateway, _, _, track = line.split()
                assert roles[gateway] == tracks[track].role, f"next hop {gateway} is tracked by the wrong object"
                steer.hops.append(roles[gateway])
                if budgets is not None:
                    budgets.setdefault(steer.key, []).append(tracks[track].budget_ms)
            elif line == "set interface Null0":
                steer.hops.append(DISCARD)
        steers.append(steer)
    return steers


READERS = {"frr": read_frr, "eos": read_eos, "ios": read_ios}
LAN_POLICY = {
    "frr": r" pbr-policy (\S+)",
    "eos": r" service-policy type pbr input (\S+)",
    "ios": r" ip policy route-map (\S+)",
}
SITES = sorted(RESULT.configs)


def test_the_estate_covers_every_platform() -> None:
    assert {RESULT.configs[s].platform for s in SITES} == set(READERS)


@pytest.mark.parametrize("site", SITES)
def test_classes_fall_back_in_policy_order_and_respect_guardrails(site: str) -> None:
    config = RESULT.configs[site]
    steers = READERS[config.platform](site, config.text)
    want, local = expected(site)
    locals_, classes = [s for s in steers if s.local], [s for s in steers if not s.local]
    assert steers[: len(locals_)] == locals_, "traffic to the site's own prefixes must be exempted first"
    assert {s.key[1] for s in locals_} == local
    assert all(s.key[0] == "dst" and not s.hops for s in locals_)
    got = {s.key: s.hops for s in classes}
    assert len(got) == len(classes), "the same match is rendered twice"
    assert got == want
    # Who sends the traffic beats how it is marked, which beats where it goes.
    kinds = [PRECEDENCE[s.key[0]] for s in classes]
    assert kinds == sorted(kinds), "source rules must come before DSCP rules, DSCP before destination rules"


@pytest.mark.parametrize("site", SITES)
def test_policy_routing_is_applied_to_every_lan_interface_and_nothing_else(site: str) -> None:
    config, facts = RESULT.configs[site], RESULT.facts[site]
    blocks = re.split(r"^(?=interface )", config.text, flags=re.M)
    applied = {
        block.split()[1]
        for block in blocks
        if block.startswith("interface ") and re.search(LAN_POLICY[config.platform], block)
    }
    assert applied == {lan.interface for lan in facts.lan_segments}


def _class_budgets(site: str) -> dict[MatchKey, int]:
    """From the intents: match -> the round-trip budget of the class that owns it (twice its one-way SLA)."""
    estate = RESULT.estate
    spec = estate.sites[site]
    segments = {seg.name: str(seg.address.network) for seg in spec.lan_segments}
    names = {v: k for k, v in DSCP_NAMES.items()}
    out: dict[MatchKey, int] = {}
    for app in estate.policies[spec.policy].classes.values():
        keys = [("src", segments[s]) for s in app.match.segments] + [("dscp", names[d]) for d in app.match.dscp]
        keys += [("dst", str(d)) for d in app.match.destinations]
        for key in keys:
            out.setdefault(key, 2 * app.sla.latency_ms)
    return out


@pytest.mark.parametrize("site", [s for s in SITES if RESULT.configs[s].platform == "ios"])
def test_ios_next_hops_leave_a_circuit_whose_round_trip_breaks_the_class_latency_sla(site: str) -> None:
    """Every PBR next hop of a class depends on an ip sla of that circuit with the class's own budget."""
    budgets: dict[MatchKey, list[int | None]] = {}
    read_ios(site, RESULT.configs[site].text, budgets)
    want = _class_budgets(site)
    assert budgets and all(got == [want[key]] * len(got) for key, got in budgets.items()), budgets
    text = RESULT.configs[site].text
    assert re.search(r"^track \d+ ip sla \d+ state\n delay down 20 up 60$", text, flags=re.M), "hysteresis"
    assert "reaction-configuration" not in text  # loss and jitter are not pretended (no track follows them)


@pytest.mark.parametrize("site", [s for s in SITES if RESULT.configs[s].platform == "eos"])
def test_eos_measures_every_circuit_out_of_its_own_interface(site: str) -> None:
    tree = get_hconfig(Platform.ARISTA_EOS, RESULT.configs[site].text)
    [monitor] = tree.get_children(equals="monitor connectivity")
    sets = {c.text.split()[2]: c.text.split()[3] for c in monitor.children if c.text.startswith("interface set ")}
    hosts = {}
    for host in monitor.get_children(startswith="host "):
        lines = {c.text.split()[0]: c.text.split()[1] for c in host.children}
        hosts[lines["ip"]] = sets[lines["local-interfaces"]]
    circuits = RESULT.facts[site].circuits
    assert hosts == {c.tracking_address: c.interface for c in circuits}
    assert "no shutdown" in {c.text for c in monitor.children}
