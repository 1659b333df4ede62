"""What the SD-WAN edge agent changes on a device, which a drift check must not call drift.

The agent moves a class by rewriting ``set nexthop`` of the class's pbr-map sequences: the same
nexthops, in another order (docs/agent.md, "What the agent does to FRR"). Which sequences those
are is in the site's agent policy (``configs/<site>.agent.json``: each class's groups). Before a
running config is compared with the rendered one, each such group whose nexthops on the device
are a reordering of the rendered ones gets the rendered order back: a steered class is no drift.
Anything else in those sequences (another address, a match changed by hand, a sequence missing)
still is, and so is every other line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from runbook_wan.model.platform import PlatformSpec

_SEQUENCE = re.compile(r"pbr-map (\S+) seq (\d+)\s*")
_NEXTHOP = re.compile(r"(\s+set nexthop )(\S+)(.*)")


@dataclass(frozen=True)
class SteeredSequences:
    """The agent-owned sequences of one site: its pbr-map and, per class criterion, the sequences
    whose nexthop order the agent may change."""

    pbr_map: str
    groups: tuple[tuple[int, ...], ...]

    @classmethod
    def from_policy(cls, text: str) -> SteeredSequences | None:
        """From an agent policy file's text (None when it is not one)."""
        try:
            data = json.loads(text)
            groups = tuple(tuple(int(s) for s in group["sequences"]) for c in data["classes"] for group in c["groups"])
            return cls(str(data["pbr_map"]), groups)
        except (ValueError, KeyError, TypeError):
            return None


def agent_policy_suffix(platform: PlatformSpec) -> str | None:
    """The suffix of the platform's agent policy artifact (``.agent.json``), if it has one."""
    return next((a.suffix for a in platform.artifacts if a.source == "agent_policy"), None)


def _nexthops(text: str, pbr_map: str) -> tuple[list[str], dict[int, tuple[int, str]]]:
    """The lines, and per sequence of ``pbr_map``: (line index of its ``set nexthop``, the address)."""
    lines = text.splitlines()
    found: dict[int, tuple[int, str]] = {}
    current: int | None = None
    for index, line in enumerate(lines):
        head = _SEQUENCE.fullmatch(line)
        if head is not None:
            current = int(head.group(2)) if head.group(1) == pbr_map else None
            continue
        if line and not line[0].isspace():
            current = None
            continue
        hop = _NEXTHOP.fullmatch(line)
        if current is not None and hop is not None:
            found[current] = (index, hop.group(2))
    return lines, found


def rendered_order(running: str, intended: str, steered: SteeredSequences) -> str:
    """``running`` with every agent-reordered group put back in the rendered order."""
    lines, have = _nexthops(running, steered.pbr_map)
    _, want = _nexthops(intended, steered.pbr_map)
    changed = False
    for group in steered.groups:
        if not all(s in have and s in want for s in group):
            continue
        got = [have[s][1] for s in group]
        rendered = [want[s][1] for s in group]
        if got == rendered or sorted(got) != sorted(rendered):
            continue
        for seq, address in zip(group, rendered, strict=True):
            index = have[seq][0]
            hop = _NEXTHOP.fullmatch(lines[index])
            assert hop is not None
            lines[index] = f"{hop.group(1)}{address}{hop.group(3)}"
        changed = True
    if not changed:
        return running
    return "\n".join(lines) + ("\n" if running.endswith("\n") else "")
