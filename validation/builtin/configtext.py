"""Rendered config text as numbered lines with their parent lines (indentation-based hierarchy)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigLine:
    number: int  # 1-based line number in the rendered config
    indent: int  # leading spaces
    text: str  # the line without its trailing newline (leading spaces kept)
    parents: tuple[str, ...]  # stripped texts of the enclosing lines, outermost first

    @property
    def stripped(self) -> str:
        return self.text.strip()


def parse_lines(text: str, comment: str) -> list[ConfigLine]:
    """Every non-blank, non-comment line with the lines it is nested under.

    A line's parents are the nearest earlier lines with less indentation (how FRR, EOS and IOS
    present a hierarchical config). Comment lines never become parents.
    """
    out: list[ConfigLine] = []
    stack: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(comment):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        out.append(ConfigLine(number, indent, raw.rstrip(), tuple(s for _, s in stack)))
        stack.append((indent, stripped))
    return out
