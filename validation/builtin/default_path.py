"""Static default-path check: from the rendered config alone, each circuit yields a default route
with the intended preference, and primary > secondary > wireless.

For each circuit (from the site's facts: its gateway is the BGP neighbor) the check reads, with the
dialect's patterns: the neighbor, whether it is shut down, an interface on the gateway's subnet,
whether it is activated for IPv4 (where the dialect needs it), the neighbor's inbound route-map,
and evaluates that route-map (and its prefix-lists) on 0.0.0.0/0 the way the router would: entries
in sequence order, first match wins, implicit deny.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from runbook_wan.facts.models import CircuitFact
from runbook_wan.results import Diagnostic, Severity, SourceLocation
from runbook_wan.validation.builtin.configtext import ConfigLine
from runbook_wan.validation.builtin.dialects import DefaultPathSpec

MISSING = "default-path-missing"
ORDER = "default-path-order"
PREFERENCE = "default-path-preference"
UNKNOWN = "default-path-unknown"

DEFAULT_ROUTE = ipaddress.IPv4Network("0.0.0.0/0")


@dataclass
class _PrefixEntry:
    order: int
    action: str
    prefix: ipaddress.IPv4Network
    ge: int | None
    le: int | None

    def matches(self, route: ipaddress.IPv4Network) -> bool:
        if not route.subnet_of(self.prefix):
            return False
        low = self.ge if self.ge is not None else self.prefix.prefixlen
        high = self.le if self.le is not None else (32 if self.ge is not None else self.prefix.prefixlen)
        return low <= route.prefixlen <= high


@dataclass
class _MapEntry:
    seq: int
    action: str
    line: int
    matches: list[list[str]] = field(default_factory=list)  # AND of lines, OR within a line
    local_preference: tuple[int, int] | None = None  # (value, line)
    unsupported: int | None = None  # line of a clause we cannot evaluate


@dataclass
class _Parsed:
    neighbors: dict[str, int] = field(default_factory=dict)
    shutdown: set[str] = field(default_factory=set)
    activated: set[str] = field(default_factory=set)
    activation_required: bool = False
    route_map_in: dict[str, tuple[str, int]] = field(default_factory=dict)
    route_maps: dict[str, list[_MapEntry]] = field(default_factory=dict)
    prefix_lists: dict[str, list[_PrefixEntry]] = field(default_factory=dict)
    addresses: list[tuple[str, ipaddress.IPv4Interface]] = field(default_factory=list)


def _address(found: dict[str, str | None]) -> ipaddress.IPv4Interface | None:
    text = found.get("address") or f"{found.get('ip')}/{found.get('mask')}"
    try:
        return ipaddress.IPv4Interface(text)
    except ValueError:
        return None


def _nested(line: ConfigLine, entry: _MapEntry, spec: DefaultPathSpec) -> None:
    if found := spec.match_prefix_list.search(line.text):
        entry.matches.append(found["names"].split())
    elif found := spec.set_local_preference.search(line.text):
        entry.local_preference = (int(found["value"]), line.number)
    elif spec.unsupported_clause.search(line.text) and entry.unsupported is None:
        entry.unsupported = line.number


def _command(line: ConfigLine) -> str:
    """The line as one command: its parents and itself joined by spaces.

    EOS nests prefix-list entries (``ip prefix-list NAME`` / ``   seq 5 permit P``); joined, they
    read like FRR's and IOS's one-line ``ip prefix-list NAME seq 5 permit P``.
    """
    return " ".join((*line.parents, line.stripped))


def _prefix_list_entry(command: str, spec: DefaultPathSpec, parsed: _Parsed) -> bool:
    """Record ``command`` if it is a prefix-list entry."""
    if not (found := spec.prefix_list_entry.search(command)):
        return False
    entries = parsed.prefix_lists.setdefault(found["name"], [])
    order = int(found["seq"]) if found["seq"] else len(entries)
    entries.append(
        _PrefixEntry(
            order,
            found["action"],
            ipaddress.IPv4Network(found["prefix"], strict=False),
            int(found["ge"]) if found["ge"] else None,
            int(found["le"]) if found["le"] else None,
        )
    )
    return True


def _top(line: ConfigLine, spec: DefaultPathSpec, parsed: _Parsed) -> tuple[_MapEntry | None, str | None]:
    """Handle a top-level line; returns the route-map entry / interface it opens (if any)."""
    if found := spec.route_map_entry.search(line.text):
        entry = _MapEntry(int(found["seq"]), found["action"], line.number)
        parsed.route_maps.setdefault(found["name"], []).append(entry)
        return entry, None
    if _prefix_list_entry(_command(line), spec, parsed):
        return None, None
    if found := spec.interface.search(line.text):
        return None, found["name"]
    return None, None


def _bgp(line: ConfigLine, spec: DefaultPathSpec, parsed: _Parsed) -> None:
    if found := spec.neighbor.search(line.text):
        parsed.neighbors.setdefault(found["peer"], line.number)
    elif found := spec.neighbor_shutdown.search(line.text):
        parsed.shutdown.add(found["peer"])
    elif found := spec.neighbor_route_map_in.search(line.text):
        parsed.route_map_in[found["peer"]] = (found["name"], line.number)
    elif spec.neighbor_activate and (found := spec.neighbor_activate.search(line.text)):
        parsed.activated.add(found["peer"])
    elif spec.activation_required and spec.activation_required.search(line.text):
        parsed.activation_required = True


def _parse(lines: Sequence[ConfigLine], spec: DefaultPathSpec) -> _Parsed:
    parsed = _Parsed()
    entry: _MapEntry | None = None
    interface: str | None = None
    for line in lines:
        if not line.parents:
            entry, interface = _top(line, spec, parsed)
            continue
        if entry is not None:
            _nested(line, entry, spec)
        elif interface is not None:
            if (found := spec.interface_address.search(line.text)) and (addr := _address(found.groupdict())):
                parsed.addresses.append((interface, addr))
        elif not _prefix_list_entry(_command(line), spec, parsed):
            _bgp(line, spec, parsed)
    return parsed


@dataclass(frozen=True)
class _Outcome:
    permitted: bool
    local_preference: int | None = None
    line: int | None = None  # the deciding line (set local-preference, or the route-map entry)
    unknown: str = ""


def _prefix_list_permits(parsed: _Parsed, name: str) -> bool:
    for item in sorted(parsed.prefix_lists.get(name, []), key=lambda e: e.order):
        if item.matches(DEFAULT_ROUTE):
            return item.action == "permit"
    return False


def _evaluate(parsed: _Parsed, route_map: str, spec: DefaultPathSpec) -> _Outcome:
    for entry in sorted(parsed.route_maps.get(route_map, []), key=lambda e: e.seq):
        if entry.unsupported is not None:
            return _Outcome(
                False,
                line=entry.unsupported,
                unknown=f"route-map {route_map} seq {entry.seq} has a clause this check cannot evaluate",
            )
        if all(any(_prefix_list_permits(parsed, pl) for pl in names) for names in entry.matches):
            if entry.action == "deny":
                return _Outcome(False, line=entry.line)
            if entry.local_preference is not None:
                return _Outcome(True, entry.local_preference[0], entry.local_preference[1])
            return _Outcome(True, spec.default_local_preference, entry.line)
    return _Outcome(False)


@dataclass
class _Checker:
    parsed: _Parsed
    spec: DefaultPathSpec
    file: str
    site: str
    out: list[Diagnostic] = field(default_factory=list)

    def add(self, code: str, message: str, line: int | None, hint: str, severity: Severity = Severity.ERROR) -> None:
        self.out.append(
            Diagnostic(
                code,
                message,
                severity=severity,
                location=SourceLocation(self.file, line),
                hint=hint,
                details={"subject": self.site},
            )
        )

    def session(self, circuit: CircuitFact) -> bool:
        """Whether the circuit's BGP session can carry routes with an inbound route-map (else report why)."""
        peer, role = circuit.gateway, circuit.role
        if peer not in self.parsed.neighbors:
            self.add(
                MISSING,
                f"{role}: no BGP neighbor {peer}, so the circuit yields no default route",
                None,
                "the bgp section must define `neighbor <gateway> remote-as <provider ASN>`",
            )
            return False
        line = self.parsed.neighbors[peer]
        if peer in self.parsed.shutdown:
            self.add(MISSING, f"{role}: BGP neighbor {peer} is shut down", line, "remove the shutdown")
            return False
        gateway = ipaddress.IPv4Address(peer)
        if not any(gateway in addr.network for _, addr in self.parsed.addresses):
            self.add(
                MISSING,
                f"{role}: gateway {peer} is not on the subnet of any interface",
                line,
                f"interface {circuit.interface} needs address {circuit.address}",
            )
        if self.parsed.activation_required and peer not in self.parsed.activated:
            self.add(
                MISSING,
                f"{role}: neighbor {peer} is not activated for IPv4 (the config says `no bgp "
                "default ipv4-unicast`), so it exchanges no routes",
                line,
                f"add `neighbor {peer} activate` under the IPv4 address family",
            )
            return False
        if peer not in self.parsed.route_map_in:
            self.add(
                MISSING,
                f"{role}: neighbor {peer} has no inbound route-map, so the default route's preference is not set",
                line,
                "apply the circuit's route-map in",
            )
            return False
        return True

    def circuit(self, circuit: CircuitFact) -> _Outcome | None:
        if not self.session(circuit):
            return None
        peer, role = circuit.gateway, circuit.role
        name, rm_line = self.parsed.route_map_in[peer]
        outcome = _evaluate(self.parsed, name, self.spec)
        if outcome.unknown:
            self.add(
                UNKNOWN,
                f"{role}: {outcome.unknown}",
                outcome.line,
                "Batfish (--backend batfish) can evaluate it",
                Severity.WARNING,
            )
            return None
        if not outcome.permitted:
            self.add(
                MISSING,
                f"{role}: route-map {name} (in from {peer}) does not permit 0.0.0.0/0, so the "
                "circuit yields no default route",
                outcome.line or rm_line,
                "permit the default route (a prefix-list with 0.0.0.0/0) in the circuit's route-map",
            )
            return None
        if outcome.local_preference != circuit.local_preference:
            self.add(
                PREFERENCE,
                f"{role}: default route local-preference {outcome.local_preference} differs "
                f"from the intended {circuit.local_preference}",
                outcome.line,
                "the rendered config disagrees with the intent; re-render or fix the template",
            )
        return outcome


def check_default_paths(
    lines: Sequence[ConfigLine], spec: DefaultPathSpec, circuits: Sequence[CircuitFact], file: str, site: str
) -> list[Diagnostic]:
    """Findings about the default path of every circuit of one site (circuits in preference order)."""
    checker = _Checker(_parse(lines, spec), spec, file, site)
    outcomes = [(c, checker.circuit(c)) for c in circuits]
    known = [(c, o) for c, o in outcomes if o is not None and o.local_preference is not None]
    for (better, high), (worse, low) in itertools.pairwise(known):
        assert high.local_preference is not None and low.local_preference is not None
        as_intended = (
            high.local_preference == better.local_preference and low.local_preference == worse.local_preference
        )
        if low.local_preference >= high.local_preference and not as_intended:
            # Rendered as intended: the intent itself is inverted, which R018 reports at the intent's
            # line; a config that differs from the intent is this check's to report, here.
            checker.add(
                ORDER,
                f"{worse.role} default route local-preference {low.local_preference} is not below "
                f"{better.role}'s {high.local_preference}; traffic would not prefer {better.role}",
                low.line,
                "primary > secondary > wireless (e.g. 200 / 150 / 100)",
            )
    return checker.out
