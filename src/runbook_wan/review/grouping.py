"""Grouped diffs: the same change at many sites, shown once with its site list and one example.

Two hunks are the same change when their changed lines and parent sections are equal once each
site's own values are replaced by placeholders named for the intent value they stand for
(``{asn}``, ``{primary_dia.gateway}``, ``{lan.voice.network}``...). The values come from the
site's facts, so a provider's tracking address or a circuit's interface name abstract too, and a
value shared by the whole estate (a policy's destination prefix) stays literal: a change that
sets different literal values at different sites is not grouped.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from runbook_wan.facts.models import SiteFacts
from runbook_wan.plan.diff import DiffLine, Hunk, Op

_OPS: dict[str, Op] = {"+": "+", "-": "-", " ": " "}
#: Numbers shorter than this are not abstracted: "seq 10" must not become "seq {lan.users.vlan}".
_MIN_NUMBER = 5


def placeholders(facts: SiteFacts) -> dict[str, str]:
    """Site-specific value -> placeholder, most specific placeholder first."""
    named: list[tuple[str, str]] = [
        ("site", facts.site),
        ("hostname", facts.hostname),
        ("name", facts.name),
        ("asn", str(facts.asn)),
        ("router_id", facts.router_id),
    ]
    for c in facts.circuits:
        iface = ipaddress.IPv4Interface(c.address)
        named += [
            (f"{c.role}.address", c.address),
            (f"{c.role}.ip", str(iface.ip)),
            (f"{c.role}.subnet", str(iface.network)),
            (f"{c.role}.gateway", c.gateway),
            (f"{c.role}.circuit_id", c.circuit_id),
            (f"{c.role}.bandwidth_mbps", str(c.bandwidth_mbps)),
            (f"{c.role}.tracking_address", c.tracking_address),
            (f"{c.role}.provider_asn", str(c.provider_asn)),
            (f"{c.role}.provider_name", c.provider_name),
            (f"{c.role}.provider", c.provider),
            (f"{c.role}.interface", c.interface),
        ]
    for lan in facts.lan_segments:
        iface = ipaddress.IPv4Interface(lan.address)
        network = ipaddress.IPv4Network(lan.network)
        named += [
            (f"lan.{lan.name}.address", lan.address),
            (f"lan.{lan.name}.ip", str(iface.ip)),
            (f"lan.{lan.name}.network", lan.network),
            (f"lan.{lan.name}.net", str(network.network_address)),
            (f"lan.{lan.name}.interface", lan.interface),
        ]
    out: dict[str, str] = {}
    for key, value in named:
        if not value or (value.isdigit() and len(value) < _MIN_NUMBER):
            continue
        out.setdefault(value, "{" + key + "}")
    return out


_TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/-]*[A-Za-z0-9_]|[A-Za-z0-9_]")


class Abstractor:
    """Replaces one site's values in config lines by their placeholders.

    Values that are one token (addresses, ids, numbers, interface names) are looked up token by
    token with one shared pattern (no per-site regex to compile); the few values with blanks or
    punctuation (names) are replaced as plain substrings first.
    """

    def __init__(self, values: dict[str, str]) -> None:
        self.tokens = {v: p for v, p in values.items() if _TOKEN.fullmatch(v)}
        self.phrases = sorted(((v, p) for v, p in values.items() if v not in self.tokens), key=lambda i: -len(i[0]))

    def _token(self, match: re.Match[str]) -> str:
        token = match.group(0)
        found = self.tokens.get(token)
        if found is not None:
            return found
        head, slash, tail = token.partition("/")
        if slash and head in self.tokens:
            return f"{self.tokens[head]}/{tail}"
        return token

    def __call__(self, text: str) -> str:
        for value, placeholder in self.phrases:
            if value in text:
                text = text.replace(value, placeholder)
        return _TOKEN.sub(self._token, text)


HunkKey = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]


def hunk_key(hunk: Hunk, abstract: Abstractor) -> HunkKey:
    """The change of a hunk without its site: its file, abstracted parents and changed lines (no context)."""
    parents = tuple(abstract(p.strip()) for p in hunk.parents if p.strip())
    lines = tuple((line.op, abstract(line.text)) for line in hunk.lines if line.op in "+-")
    return ((hunk.file,) if hunk.file else ()) + parents, lines


@dataclass
class ChangeGroup:
    """One change: the same hunks (abstracted) at every site of ``sites``; ``examples`` are the
    concrete hunks of ``example_site``, one per abstracted hunk."""

    keys: list[HunkKey]
    sites: list[str]
    example_site: str
    examples: list[Hunk]

    @property
    def where(self) -> str:
        """The abstracted parent chains: ``router bgp {asn} › address-family ipv4 unicast``."""
        return "; ".join(dict.fromkeys(" › ".join(key[0]) for key in self.keys))

    @property
    def added(self) -> int:
        return sum(1 for key in self.keys for op, _ in key[1] if op == "+")

    @property
    def removed(self) -> int:
        return sum(1 for key in self.keys for op, _ in key[1] if op == "-")


@dataclass
class Grouping:
    """Every changed site's hunks, grouped into changes (hunks found at exactly the same sites)."""

    groups: list[ChangeGroup] = field(default_factory=list)

    @property
    def sites(self) -> list[str]:
        return sorted({s for g in self.groups for s in g.sites})


def group_hunks(hunks_by_site: dict[str, list[Hunk]], facts: dict[str, SiteFacts]) -> Grouping:
    """Group the hunks of every site (sites without facts are grouped on their literal text).

    Hunks that are the same change once site values are abstracted form a hunk group; hunk
    groups found at exactly the same sites form one change (a policy edit that rewrites two
    sections at 72 sites is one change of two hunks at 72 sites).
    """
    found: dict[HunkKey, dict[str, Hunk]] = {}
    for site in sorted(hunks_by_site):
        abstract = Abstractor(placeholders(facts[site]) if site in facts else {})
        for hunk in hunks_by_site[site]:
            key = hunk_key(hunk, abstract)
            if key[1]:
                found.setdefault(key, {}).setdefault(site, hunk)
    by_sites: dict[tuple[str, ...], list[HunkKey]] = {}
    for key, at in found.items():
        by_sites.setdefault(tuple(sorted(at)), []).append(key)
    groups = []
    for sites, keys in by_sites.items():
        example = sites[0]
        groups.append(ChangeGroup(keys, list(sites), example, [found[k][example] for k in keys]))
    groups.sort(key=lambda g: (-len(g.sites), g.example_site, g.where))
    return Grouping(groups)


def parse_device_diff(text: str) -> list[Hunk]:
    """A device's own diff (NAPALM ``compare_config``) as hunks: one per top-level block.

    Handles FRR's ``frr-reload`` style (``-``/``+`` changes under `` `` context lines) and unified
    diffs with ``@@`` headers (other NAPALM drivers). A file's own unified diff after the config
    (``--- /etc/frr/runbook-agent.json``, napalm_frr's sidecar files) gives one hunk per ``@@``,
    labelled with the file's path.
    """
    hunks: list[Hunk] = []
    current: Hunk | None = None
    file = ""
    for raw in text.splitlines():
        if raw.startswith("--- ") and not file.startswith("+"):
            file = "+" + raw[4:].split("\t")[0].strip()  # "+": the +++ line is still to come
            current = None
            continue
        if raw.startswith("+++ ") and file.startswith("+"):
            file = file[1:]
            continue
        if not raw.strip() or raw.startswith(("---", "+++")):
            continue
        if raw.startswith("@@"):
            current = Hunk(parents=[], file=file) if file else None
            if current is not None:
                hunks.append(current)
            continue
        op = raw[0] if raw[0] in "+- " else " "
        body = raw[1:] if raw[0] in "+- " else raw
        if current is None or (not file and not body.startswith(" ")):  # a top-level line opens a block
            current = Hunk(parents=[body] if op == " " and not file else [], file=file)
            hunks.append(current)
        current.lines.append(DiffLine(_OPS[op], body))
    return [h for h in hunks if _has_changes(h.lines)]


def _has_changes(lines: Iterable[DiffLine]) -> bool:
    return any(line.op in "+-" for line in lines)
