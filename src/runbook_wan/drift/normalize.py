"""The comparable lines of a config: what the device would print for it, without decoration.

Both sides of a drift comparison pass through :func:`comparable_lines`: comment lines (the
platform's comment leader, which also marks section separators such as ``!``) and blank lines
are dropped, trailing blanks are stripped, and the lines the platform prints by itself
(``platforms/*.yaml`` ``running_config``: version banner, ``end``, FRR vtysh's second
``hostname``) are skipped.
"""

from __future__ import annotations

import re

from runbook_wan.model.platform import PlatformSpec


def comparable_lines(text: str, platform: PlatformSpec) -> list[str]:
    return comparable(text, platform)[0]


def comparable(text: str, platform: PlatformSpec) -> tuple[list[str], list[int]]:
    """The comparable lines and, for each, its 0-based line number in ``text``."""
    ignore = [re.compile(p) for p in platform.running_config.ignore]
    repeated = platform.running_config.ignore_repeated
    seen: set[str] = set()
    lines: list[str] = []
    numbers: list[int] = []
    for number, raw in enumerate(text.splitlines()):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith(platform.comment):
            continue
        if any(p.search(line) for p in ignore):
            continue
        prefix = next((p for p in repeated if line.startswith(p)), None)
        if prefix is not None:
            if prefix in seen:
                continue
            seen.add(prefix)
        lines.append(line)
        numbers.append(number)
    return lines, numbers
