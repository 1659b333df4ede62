"""Per-site config diffs whose hunks always show the parent section of each changed line.

A reviewer seeing ``- neighbor 100.64.0.86 route-map RM-PRIMARY-IN in`` must also see the
``router bgp 65021`` and ``address-family ipv4 unicast`` lines it belongs to. Hunks are cut so
each one lives under a single parent chain, and that chain is printed as leading context
(``⋮`` marks the lines skipped between the parent and the hunk).

A site's artifacts beside its config (``.nft``, ``.agent.json``) are diffed the same way; their
hunks carry the artifact's suffix (``Hunk.file``), which heads their parent chain. JSON nests by
braces, not by keywords, so a JSON hunk's parents are named by their keys and each list item by
its ``name`` or ``role`` (``.agent.json › classes › voice › sla``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Literal

from runbook_wan.plan.hierarchy import json_labels, parent_chains

Op = Literal[" ", "+", "-", "~"]  # "~" marks skipped lines between a parent and the hunk body


@dataclass(frozen=True)
class DiffLine:
    op: Op
    text: str
    old: int | None = None  # 0-based line index in the old text
    new: int | None = None  # 0-based line index in the new text


@dataclass
class Hunk:
    parents: list[str]
    lines: list[DiffLine] = field(default_factory=list)
    #: The artifact the hunk belongs to, by suffix (``.agent.json``); "" for the device config.
    file: str = ""

    @property
    def where(self) -> str:
        """The parent chain in words: ``router bgp 65021 › address-family ipv4 unicast``."""
        return " › ".join([self.file] * bool(self.file) + [p.strip() for p in self.parents if p.strip()])

    def _span(self, attr: str, ops: str) -> tuple[int, int]:
        body = [getattr(line, attr) for line in self.lines if line.op in ops and getattr(line, attr) is not None]
        return (body[0] + 1 if body else 0), len(body)

    @property
    def header(self) -> str:
        old_start, old_count = self._span("old", " -")
        new_start, new_count = self._span("new", " +")
        head = f"@@ -{old_start},{old_count} +{new_start},{new_count} @@"
        if not (old_count or new_count):  # a device's diff carries no line numbers
            head = "@@"
        where = self.where
        return f"{head} {where}" if where else head


@dataclass
class _Entry:
    op: Op
    text: str
    old: int | None
    new: int | None
    chain: tuple[int, ...]  # parent indices in the file the line belongs to (new for context)
    in_old: bool


def _entries(
    a: list[str],
    b: list[str],
    group: list[tuple[str, int, int, int, int]],
    chains_a: list[tuple[int, ...]],
    chains_b: list[tuple[int, ...]],
) -> list[_Entry]:
    out: list[_Entry] = []
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            out += [_Entry(" ", a[i1 + k], i1 + k, j1 + k, chains_b[j1 + k], False) for k in range(i2 - i1)]
            continue
        out += [_Entry("-", a[i], i, None, chains_a[i], True) for i in range(i1, i2)]
        out += [_Entry("+", b[j], None, j, chains_b[j], False) for j in range(j1, j2)]
    return out


def config_diff(old: str, new: str, context: int = 2, comment: str = "!", file: str = "") -> list[Hunk]:
    """Hunks turning ``old`` into ``new``, each headed by its changed lines' parent chain.

    ``file``: the artifact's suffix (``.nft``, ``.agent.json``; "" for the config); a ``.json``
    file's parents are named by :func:`~runbook_wan.plan.hierarchy.json_labels`.
    """
    a, b = old.splitlines(), new.splitlines()
    chains_a, chains_b = parent_chains(a, comment), parent_chains(b, comment)
    if file.endswith(".json"):
        names_a, names_b = json_labels(a), json_labels(b)
    elif file:  # brace-nested text (nftables): "chain prerouting {" is called "chain prerouting"
        names_a, names_b = ([line.rstrip().removesuffix("{").rstrip() for line in x] for x in (a, b))
    else:
        names_a, names_b = a, b
    hunks: list[Hunk] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        current: Hunk | None = None
        current_key: tuple[str, ...] | None = None
        pending: list[_Entry] = []
        for entry in _entries(a, b, group, chains_a, chains_b):
            if entry.op == " ":
                pending.append(entry)
                continue
            src = a if entry.in_old else b
            names = names_a if entry.in_old else names_b
            key = tuple(names[i] for i in entry.chain)
            if current is not None and key == current_key:
                current.lines += [_line(e) for e in pending]
            else:
                if current is not None:
                    current.lines += [_line(e) for e in pending[:context]]
                    pending = pending[context:]
                current = Hunk(parents=list(key), file=file)
                current_key = key
                hunks.append(current)
                lead = pending[-context:] if context else []
                _add_parents(current, entry, src, lead)
                current.lines += [_line(e) for e in lead]
            pending = []
            current.lines.append(_line(entry))
        if current is not None:
            current.lines += [_line(e) for e in pending[:context]]
    return hunks


def _add_parents(hunk: Hunk, first_change: _Entry, src: list[str], lead: list[_Entry]) -> None:
    if not first_change.chain:
        return

    def coord(e: _Entry) -> int | None:  # parent indices are in the changed line's own file
        return e.old if first_change.in_old else e.new

    first_index = coord(lead[0]) if lead else coord(first_change)
    shown = {coord(e) for e in lead}
    for index in first_change.chain:
        if index not in shown:
            hunk.lines.append(DiffLine(" ", src[index]))
    last_parent = first_change.chain[-1]
    if first_index is not None and first_index - last_parent > 1 and last_parent not in shown:
        hunk.lines.append(DiffLine("~", ""))


def _line(entry: _Entry) -> DiffLine:
    return DiffLine(entry.op, entry.text, entry.old, entry.new)


def render_unified(hunks: list[Hunk]) -> list[str]:
    """Plain text: ``@@ -a,b +c,d @@ parent › child`` then `` ``/``+``/``-`` lines; skips as `` ⋮``."""
    out: list[str] = []
    for hunk in hunks:
        out.append(hunk.header)
        out += [" ⋮" if line.op == "~" else f"{line.op}{line.text}" for line in hunk.lines]
    return out


def count_changes(hunks: list[Hunk]) -> tuple[int, int]:
    added = sum(1 for h in hunks for line in h.lines if line.op == "+")
    removed = sum(1 for h in hunks for line in h.lines if line.op == "-")
    return added, removed
