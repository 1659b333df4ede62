"""FRR, through ``vtysh``: read where each class is, and move it by rewriting ``set nexthop``.

**Reading.** ``show pbr map json`` lists each sequence with the name of the nexthop group pbrd
made for it; ``show pbr nexthop-groups json`` gives that group's nexthop address. Both come from
one ``vtysh`` call. A class is on the circuit whose nexthop its first sequence points at.

**Moving.** To put a class on circuit X, every group of the class gets, in sequence order, the
nexthops of ``[X] + (the rest of its path, in preference order)``: every circuit stays in the
list, so pbrd's nexthop tracking still falls through to the next one when a circuit dies. Only
sequences whose nexthop changes are rewritten, in one ``vtysh`` call; ``set nexthop`` on an
existing sequence replaces its action in place. The config is never written (no ``write``), so an
FRR restart or a rollback brings back the rendered order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from runbook_wan.agent.policy import Policy, SteeredClass
from runbook_wan.agent.runner import Runner

VTYSH = "vtysh"
READ_COMMANDS = ("show pbr map json", "show pbr nexthop-groups json")


class FrrError(Exception):
    """vtysh failed or answered something the agent cannot read."""


def json_documents(text: str) -> list[Any]:
    """The JSON documents printed one after another (one vtysh call with several commands)."""
    decoder = json.JSONDecoder()
    docs: list[Any] = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return docs
        doc, index = decoder.raw_decode(text, index)
        docs.append(doc)


def parse_map(text: str, pbr_map: str) -> dict[int, str | None]:
    """Sequence -> its nexthop address (None: a sequence with no nexthop, e.g. ``set vrf``)."""
    try:
        docs = json_documents(text)
    except json.JSONDecodeError as exc:
        raise FrrError(f"vtysh printed something that is not JSON: {exc}") from None
    if len(docs) != len(READ_COMMANDS):
        raise FrrError(f"expected {len(READ_COMMANDS)} JSON documents from vtysh, got {len(docs)}")
    maps, groups = docs
    nexthops: dict[str, str | None] = {}
    for group in groups if isinstance(groups, list) else []:
        hops = [str(h["nexthop"]) for h in group.get("nexthops", []) if "nexthop" in h]
        nexthops[str(group.get("name"))] = hops[0] if hops else None
    found = next((m for m in maps if isinstance(m, dict) and m.get("name") == pbr_map), None) if maps else None
    if found is None:
        raise FrrError(f"pbr-map {pbr_map} is not configured")
    out: dict[int, str | None] = {}
    for policy in found.get("policies", []):
        group = (policy.get("nexthopGroup") or {}).get("name")
        out[int(policy["sequenceNumber"])] = nexthops.get(str(group)) if group is not None else None
    return out


@dataclass(frozen=True)
class Placement:
    """Where FRR has a class now: the circuit of its first sequence, and whether every group agrees
    with the full order for that circuit (if not, the agent rewrites them, which is no move)."""

    circuit: str | None
    consistent: bool


def order(cls: SteeredClass, circuit: str) -> list[str]:
    """The nexthop order that puts the class on ``circuit``: it first, then its path as rendered."""
    return [circuit, *(role for role in cls.path if role != circuit)]


def placements(policy: Policy, seq_nexthops: dict[int, str | None]) -> dict[str, Placement]:
    by_nexthop = {c.nexthop: c.role for c in policy.circuits}
    out = {}
    for cls in policy.classes:
        if not cls.groups:
            out[cls.name] = Placement(None, True)
            continue
        first = seq_nexthops.get(cls.groups[0][0])
        circuit = by_nexthop.get(first) if first is not None else None
        if circuit is None or circuit not in cls.path:
            out[cls.name] = Placement(None, False)
            continue
        wanted = [policy.circuit(role).nexthop for role in order(cls, circuit)]
        consistent = all([seq_nexthops.get(s) for s in group] == wanted for group in cls.groups)
        out[cls.name] = Placement(circuit, consistent)
    return out


def commands(policy: Policy, cls: SteeredClass, circuit: str, seq_nexthops: dict[int, str | None]) -> list[str]:
    """vtysh configure lines that put ``cls`` on ``circuit`` (only sequences that change)."""
    wanted = [policy.circuit(role).nexthop for role in order(cls, circuit)]
    lines = []
    for group in cls.groups:
        for seq, nexthop in zip(group, wanted, strict=True):
            if seq not in seq_nexthops:
                raise FrrError(f"pbr-map {policy.pbr_map} has no sequence {seq} (class {cls.name}); not creating one")
            if seq_nexthops[seq] != nexthop:
                lines += [f"pbr-map {policy.pbr_map} seq {seq}", f"set nexthop {nexthop}"]
    return lines


class Frr:
    """vtysh on this router (``pathspace``: FRR's ``-N``, for an instance not bind-mounted)."""

    def __init__(self, runner: Runner, pathspace: str | None = None) -> None:
        self.runner = runner
        self.base = [VTYSH, *(["-N", pathspace] if pathspace else [])]

    def read(self, pbr_map: str) -> dict[int, str | None]:
        argv = list(self.base)
        for command in READ_COMMANDS:
            argv += ["-c", command]
        done = self.runner.run(argv)
        if done.returncode != 0:
            raise FrrError(f"vtysh exited {done.returncode}: {(done.stderr or done.stdout).strip()[:200]}")
        return parse_map(done.stdout, pbr_map)

    def configure(self, lines: list[str]) -> None:
        if not lines:
            return
        argv = [*self.base, "-c", "configure terminal"]
        for line in lines:
            argv += ["-c", line]
        done = self.runner.run(argv)
        errors = [line for line in (done.stdout + done.stderr).splitlines() if line.lstrip().startswith("%")]
        if done.returncode != 0 or errors:
            detail = "; ".join(errors) or (done.stderr or done.stdout).strip()[:200]
            raise FrrError(f"vtysh refused the change (exit {done.returncode}): {detail}")
