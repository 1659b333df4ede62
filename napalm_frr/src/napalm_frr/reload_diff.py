"""Turn ``frr-reload.py --test`` output into a unified-diff-like text.

frr-reload prints two sections, "Lines To Delete" and "Lines To Add". Each entry is a block: the
parent context lines (indent 0, 1, ...) and then the changed line one level deeper, deletions in
their ``no ...`` form. Some deletions (static routes, for one) are printed in the add section as
``no ...`` commands. This module regroups the entries per context and prints them as::

    -ip route 10.254.99.0/24 Null0
     interface lan0
    - description LAN side
    + description LAN users

``-`` lines are removed from the running config, ``+`` lines are added, `` `` lines are the parent
context (not changed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

_DELETE_HEADER = "Lines To Delete"
_ADD_HEADER = "Lines To Add"


@dataclass
class _Node:
    changes: list[tuple[str, str]] = field(default_factory=list)
    children: dict[str, _Node] = field(default_factory=dict)


def _sections(output: str) -> tuple[list[str], list[str]]:
    deletes: list[str] = []
    adds: list[str] = []
    target: list[str] | None = None
    for line in output.splitlines():
        stripped = line.strip()
        if stripped == _DELETE_HEADER:
            target = deletes
        elif stripped == _ADD_HEADER:
            target = adds
        elif target is not None and stripped and set(stripped) != {"="}:
            target.append(line.rstrip())
    return deletes, adds


def _blocks(lines: list[str]) -> list[tuple[tuple[str, ...], str]]:
    """Split a section into (context path, changed line) entries."""
    blocks: list[list[tuple[int, str]]] = []
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        if blocks and indent == blocks[-1][-1][0] + 1:
            blocks[-1].append((indent, line.strip()))
        else:
            blocks.append([(indent, line.strip())])
    return [(tuple(text for _, text in block[:-1]), block[-1][1]) for block in blocks]


def _negate(line: str) -> str:
    return line[3:] if line.startswith("no ") else f"no {line}"


def _candidate_lines(candidate: str) -> set[str]:
    return {" ".join(line.split()) for line in candidate.splitlines() if line.strip()}


def format_reload_diff(output: str, candidate: str) -> str:
    """The readable diff; ``""`` when frr-reload found nothing to change."""
    deletes, adds = _sections(output)
    wanted = _candidate_lines(candidate)
    root = _Node()

    def record(path: tuple[str, ...], op: str, text: str) -> None:
        node = root
        for key in path:
            node = node.children.setdefault(key, _Node())
        if (op, text) not in node.changes:
            node.changes.append((op, text))

    for path, line in _blocks(deletes):
        record(path, "-", _negate(line))
    for path, line in _blocks(adds):
        if line.startswith("no ") and " ".join(line.split()) not in wanted:
            record(path, "-", line[3:])
        else:
            record(path, "+", line)

    out: list[str] = []

    def render(node: _Node, depth: int) -> None:
        ordered = [c for c in node.changes if c[0] == "-"] + [c for c in node.changes if c[0] == "+"]
        out.extend(f"{op}{' ' * depth}{text}" for op, text in ordered)
        for key, child in node.children.items():
            out.append(f" {' ' * depth}{key}")
            render(child, depth + 1)

    render(root, 0)
    return "\n".join(out)
