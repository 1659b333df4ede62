"""``lab path SITE CLASS``: which circuit really carries a class's traffic, seen from the providers.

Real packets of the class leave the site's LAN-hosts namespace: ICMP echoes from the class's
source segment (its host address, so they enter the router on that segment's interface, where
pbrd steering applies), with the class's DSCP, to an address the class's traffic goes to
(``SiteNode.classes``; each may be overridden). Every provider namespace of the site counts, in
an nft table of its own made for this one run, the echoes that arrive from the site's circuit
with this run's ICMP identifier, before anything else there (``lab impair`` loss included) can
drop them. The circuit that counted them carried them; none did when the router dropped them (a
class kept off every working circuit by its guardrails). The router's opinion (its routing
table) is never asked.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from runbook_wan.lab import shell
from runbook_wan.lab.state import LabRecord
from runbook_wan.lab.topology import CircuitLink, ClassTraffic, SiteNode
from runbook_wan.lab.traffic import lan
from runbook_wan.model.types import DSCP_NAMES
from runbook_wan.results import Diagnostic, DiagnosticError

TABLE_PREFIX = "lab_path_"
#: Before everything in the provider namespace (``lab impair`` sits at raw + 50).
PRIORITY = "raw - 10"
DEFAULT_COUNT = 5
_RUN = itertools.count(1)


@dataclass
class PathResult:
    site: str
    app_class: str
    segment: str
    source: str
    destination: str
    dscp: int | None
    sent: int
    #: Echoes each circuit of the site carried to its provider (circuit role -> count).
    carried: dict[str, int] = field(default_factory=dict)

    @property
    def circuit(self) -> str | None:
        """The circuit that carried most of them (all of them, unless the path changed meanwhile)."""
        best = max(self.carried.items(), key=lambda item: item[1], default=(None, 0))
        return best[0] if best[1] > 0 else None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"class": self.app_class, "circuit": self.circuit}


def parse_dscp(text: str) -> int:
    """A DSCP code point from a name (``ef``, ``af41``, ``cs1``) or a number 0..63."""
    value = DSCP_NAMES.get(text.lower()) if not text.isdigit() else int(text)
    if value is None or not 0 <= value <= 63:
        raise DiagnosticError(
            [Diagnostic("lab-path-dscp", f"DSCP {text!r} is not a code point", hint="use ef, af41, cs1 ... or 0..63")]
        )
    return value


def _class(node: SiteNode, app_class: str) -> ClassTraffic:
    found = node.app_class(app_class)
    if found is None:
        raise DiagnosticError(
            [
                Diagnostic(
                    "lab-unknown-class",
                    f"site {node.site} has no SD-WAN class {app_class!r}",
                    hint="classes: " + ", ".join(c.name for c in node.classes),
                )
            ]
        )
    return found


def _table(run: str) -> str:
    return TABLE_PREFIX + run


def _counter_ruleset(name: str, links: list[CircuitLink], source: str, destination: str, ident: int) -> str:
    rules = "\n".join(
        f'    iifname "{link.provider_if}" ip saddr {source} ip daddr {destination} '
        f'icmp type echo-request icmp id {ident} counter comment "{link.role}"'
        for link in links
    )
    return (
        f"table inet {name} {{\n  chain prerouting {{\n"
        f"    type filter hook prerouting priority {PRIORITY}; policy accept;\n{rules}\n  }}\n}}\n"
    )


def _counts(netns: str, name: str) -> dict[str, int]:
    proc = shell.in_netns(netns, "nft", "-j", "list", "table", "inet", name, check=False)
    out: dict[str, int] = {}
    if proc.returncode != 0:
        return out
    for item in json.loads(proc.stdout or "{}").get("nftables", []):
        rule = item.get("rule")
        if not rule:
            continue
        packets = next((e["counter"]["packets"] for e in rule.get("expr", []) if "counter" in e), 0)
        out[str(rule.get("comment", ""))] = int(packets)
    return out


def send_class(
    record: LabRecord,
    site: str,
    app_class: str,
    *,
    segment: str | None = None,
    dscp: int | None = None,
    destination: str | None = None,
    count: int = DEFAULT_COUNT,
    interval: float = 0.2,
) -> PathResult:
    """Send ``count`` echoes of the class and count, per circuit, the ones its provider received."""
    node = record.site(site)
    traffic = _class(node, app_class)
    seg_name = segment or traffic.segment
    _, seg = lan(record, site, seg_name)
    source = seg.host_address.split("/")[0]
    target = destination or traffic.destination
    code = dscp if dscp is not None else traffic.dscp
    ident = random.randrange(1, 0xFFFF)
    name = _table(f"{os.getpid()}_{next(_RUN)}")
    by_netns: dict[str, list[CircuitLink]] = {}
    for link in node.circuits:
        by_netns.setdefault(link.provider_netns, []).append(link)
    result = PathResult(site, traffic.name, seg.segment, source, target, code, count)
    try:
        for netns, links in by_netns.items():
            shell.in_netns(netns, "nft", "-f", "-", input_text=_counter_ruleset(name, links, source, target, ident))
        argv = ["ping", "-n", "-q", "-c", str(count), "-i", str(interval), "-W", "1", "-I", source, "-e", str(ident)]
        if code:
            argv += ["-Q", str(code << 2)]
        shell.in_netns(node.hosts_netns, *argv, target, check=False, timeout=count * interval + 15)
        carried = {link.role: 0 for link in node.circuits}
        for netns in by_netns:
            for role, packets in _counts(netns, name).items():
                if role in carried:
                    carried[role] += packets
        result.carried = carried
    finally:
        for netns in by_netns:
            shell.in_netns(netns, "nft", "delete", "table", "inet", name, check=False)
    return result


def leftover_tables(netns: str) -> list[str]:
    proc = shell.in_netns(netns, "nft", "list", "tables", check=False)
    return re.findall(rf"table inet ({TABLE_PREFIX}\S+)", proc.stdout)
