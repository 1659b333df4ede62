"""How one rendered config becomes one Batfish snapshot file, keyed by a platform's ``batfish_format``.

Batfish detects a file's vendor from an explicit header first; rendered configs lack the lines its
heuristics look for (batfish#4202: Arista parsed as Cisco), so every file gets one:

* RANCID formats: ``!RANCID-CONTENT-TYPE: <type>`` as the first line.
* ``cumulus_concatenated`` (how Batfish reads FRR; stand-alone FRR is unsupported): the hostname as
  the first line, then the ``# This file describes the network interfaces`` sentinel with an
  ``/etc/network/interfaces`` section, the ``# ports.conf --`` sentinel, then the FRR config from
  ``frr version``. The Cumulus interfaces parser only knows ``swpN``/``ethN`` ports (plus ``lo``), so
  other interface names are renamed ``swp1..N`` in the snapshot copy and mapped back in findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from runbook_wan.facts.models import SiteFacts

#: ``batfish_format`` values that are RANCID content types, and the header value Batfish expects.
RANCID_CONTENT_TYPES: dict[str, str] = {"arista": "arista", "ios": "cisco-ios"}

CUMULUS_INTERFACES_SENTINEL = "# This file describes the network interfaces"
CUMULUS_PORTS_SENTINEL = "# ports.conf --"
FRR_VERSION_LINE = "frr version 8.4"
_CUMULUS_PORT = re.compile(r"^(?:swp\d+(?:s\d)?|eth\d+|lo)$")


@dataclass(frozen=True)
class WrappedConfig:
    """One snapshot file and how to map Batfish's lines and names back to the rendered config."""

    site: str
    text: str
    #: Line N of the rendered config is line N + line_offset of the snapshot file.
    line_offset: int
    rendered_lines: int
    #: Rendered interface name -> name in the snapshot (only renamed ones are listed).
    renamed: dict[str, str] = field(default_factory=dict)

    def rendered_line(self, snapshot_line: int) -> int | None:
        line = snapshot_line - self.line_offset
        return line if 1 <= line <= self.rendered_lines else None

    def snapshot_interface(self, rendered: str) -> str:
        return self.renamed.get(rendered, rendered)

    def rendered_interface(self, snapshot: str) -> str:
        back = {v: k for k, v in self.renamed.items()}
        return back.get(snapshot, snapshot)


def wrap_rancid(content_type: str, facts: SiteFacts, text: str) -> WrappedConfig:
    header = f"!RANCID-CONTENT-TYPE: {content_type}\n"
    return WrappedConfig(facts.site, header + text, 1, text.count("\n"))


def _cumulus_names(facts: SiteFacts) -> dict[str, str]:
    renamed: dict[str, str] = {}
    port = 0
    for iface in facts.interfaces:
        if _CUMULUS_PORT.match(iface.name) or iface.name in renamed:
            continue
        port += 1
        renamed[iface.name] = f"swp{port}"
    return renamed


def _rename(text: str, renamed: dict[str, str]) -> str:
    if not renamed:
        return text
    pattern = re.compile(
        r"(?<![\w.-])(" + "|".join(re.escape(n) for n in sorted(renamed, key=len, reverse=True)) + r")(?![\w.-])"
    )
    return pattern.sub(lambda m: renamed[m.group(1)], text)


def wrap_cumulus(facts: SiteFacts, text: str) -> WrappedConfig:
    renamed = _cumulus_names(facts)
    head = [facts.hostname, CUMULUS_INTERFACES_SENTINEL]
    for iface in facts.interfaces:
        name = renamed.get(iface.name, iface.name)
        head += [
            f"auto {name}",
            f"iface {name}" + (" inet loopback" if iface.kind == "loopback" else ""),
            f"    address {iface.address}",
        ]
    head += [CUMULUS_PORTS_SENTINEL, FRR_VERSION_LINE]
    return WrappedConfig(
        facts.site, "\n".join(head) + "\n" + _rename(text, renamed), len(head), text.count("\n"), renamed
    )


Wrapper = Callable[[SiteFacts, str], WrappedConfig]

#: Snapshot file writers by ``batfish_format`` (platform data picks one).
WRAPPERS: dict[str, Wrapper] = {
    "cumulus_concatenated": wrap_cumulus,
    **{fmt: partial(wrap_rancid, content_type) for fmt, content_type in RANCID_CONTENT_TYPES.items()},
}
