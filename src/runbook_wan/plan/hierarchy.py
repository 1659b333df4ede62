"""Parent lines of a config line, from indentation (FRR, EOS and IOS all nest by indent)."""

from __future__ import annotations


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _structural(line: str, comment: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(comment) and stripped not in ("exit", "end")


def parent_chains(lines: list[str], comment: str = "!") -> list[tuple[int, ...]]:
    """For each line, the indices of its ancestors (outermost first).

    A line's parent is the closest earlier structural line with less indentation; comments,
    blank lines and block closers (``exit``) have no children.
    """
    chains: list[tuple[int, ...]] = []
    stack: list[int] = []  # indices of open ancestors
    for index, line in enumerate(lines):
        if not _structural(line, comment):
            indent = _indent(line)
            while stack and _indent(lines[stack[-1]]) >= indent and line.strip():
                stack.pop()
            chains.append(tuple(stack))
            continue
        indent = _indent(line)
        while stack and _indent(lines[stack[-1]]) >= indent:
            stack.pop()
        chains.append(tuple(stack))
        stack.append(index)
    return chains
