"""The rendered config as the device runs it while its edge agent steers (docs/agent.md).

The agent moves a class by rewriting the next hop of each sequence of the class's groups, in
place, and never saves: the rendered order is the preference, the live order is the agent's
decision. Both are right. So drift and deploy compare the *set* of next hops of each group: when
the device holds the same set in another order, the intended config adopts the device's order (the
agent's move is neither drift nor something a deploy should undo); anything else (another next
hop, a missing or extra sequence, any other line) still differs.

The groups and the pbr-map's name come from the site's agent policy (``<site>.agent.json``); how
the lines look, from the platform's artifact data (``steers``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from runbook_wan.model.platform import SteeredLines


@dataclass(frozen=True)
class SteeredGroup:
    """A steering group the device runs in another order than rendered."""

    app_class: str
    sequences: tuple[int, ...]
    rendered: tuple[str, ...]  # next hops, most preferred first
    live: tuple[str, ...]
    #: The circuit the class is on now (the live first next hop's circuit role), if the policy names it.
    circuit: str = ""

    def words(self) -> str:
        where = self.circuit or self.live[0]
        return f"class {self.app_class} on {where} (sequences {'/'.join(map(str, self.sequences))})"


@dataclass(frozen=True)
class _Policy:
    pbr_map: str
    groups: list[tuple[str, tuple[int, ...]]]
    roles: dict[str, str]  # next hop -> circuit role


def _policy(policy_text: str) -> _Policy | None:
    try:
        data = json.loads(policy_text)
        groups = [
            (str(cls["name"]), tuple(int(seq) for seq in group["sequences"]))
            for cls in data["classes"]
            for group in cls["groups"]
        ]
        roles = {str(c["nexthop"]): str(c["role"]) for c in data["circuits"]}
        return _Policy(str(data["pbr_map"]), groups, roles)
    except (ValueError, KeyError, TypeError):
        return None  # not a policy this code understands: nothing is adopted


def _pattern(template: str, **fields: str) -> re.Pattern[str]:
    text = re.escape(template)
    for name, group in fields.items():
        text = text.replace(re.escape("{" + name + "}"), group)
    return re.compile(text + r"\s*")  # used with fullmatch: no `$`, which also matches before a final newline


def nexthops(config: str, pbr_map: str, steers: SteeredLines) -> dict[int, tuple[int, str]]:
    """Sequence -> (line index, next hop) of every sequence of ``pbr_map`` that has one."""
    sequence = _pattern(steers.sequence, map=re.escape(pbr_map), seq=r"(\d+)")
    nexthop = _pattern(steers.nexthop, nexthop=r"(\S+)")
    found: dict[int, tuple[int, str]] = {}
    current: int | None = None
    for index, line in enumerate(config.splitlines()):
        opened = sequence.fullmatch(line)
        if opened:
            current = int(opened.group(1))
            continue
        if current is None:
            continue
        if line[:1] not in (" ", "\t"):
            current = None
            continue
        hop = nexthop.fullmatch(line)
        if hop:
            found[current] = (index, hop.group(1))
    return found


def adopt_live_order(
    intended: str, running: str, policy_text: str | None, steers: SteeredLines | None
) -> tuple[str, list[SteeredGroup]]:
    """``intended`` with each steering group's next hops in the order ``running`` has them, where
    ``running`` holds the same set; and the groups that were reordered."""
    policy = _policy(policy_text) if policy_text and steers else None
    if policy is None or steers is None:
        return intended, []
    want, have = nexthops(intended, policy.pbr_map, steers), nexthops(running, policy.pbr_map, steers)
    lines = intended.splitlines(keepends=True)
    steered: list[SteeredGroup] = []
    for app_class, sequences in policy.groups:
        if not all(seq in want and seq in have for seq in sequences):
            continue
        rendered = tuple(want[seq][1] for seq in sequences)
        live = tuple(have[seq][1] for seq in sequences)
        if live == rendered or sorted(live) != sorted(rendered):
            continue
        for seq, hop in zip(sequences, live, strict=True):
            index = want[seq][0]
            end = lines[index][len(lines[index].rstrip("\r\n")) :]
            lines[index] = steers.nexthop.replace("{nexthop}", hop) + end
        steered.append(SteeredGroup(app_class, sequences, rendered, live, policy.roles.get(live[0], "")))
    return "".join(lines), steered
