"""Reference checks: every referenced route-map, prefix-list, ACL, PBR map, peer... is defined.

Works on any dialect in ``dialects.yaml``: definitions and uses are found by the dialect's
patterns. Undefined references are errors (the device would reject or silently ignore them);
defined-but-unused structures are warnings (dead config, often a renamed reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runbook_wan.results import Diagnostic, Severity, SourceLocation
from runbook_wan.validation.builtin.configtext import ConfigLine
from runbook_wan.validation.builtin.dialects import Dialect

UNDEFINED = "config-undefined-reference"
UNUSED = "config-unused-structure"


@dataclass
class _Index:
    defined: dict[str, int] = field(default_factory=dict)  # name -> first defining line
    used: dict[str, list[int]] = field(default_factory=dict)  # name -> using lines


def _scan(lines: list[ConfigLine], dialect: Dialect) -> dict[str, _Index]:
    """One pass: per structure kind, where names are defined and used.

    A line counts once per kind: as a definition if a define pattern matches, else as a use.
    """
    indexes = {kind: _Index() for kind in dialect.structures}
    keyed, unkeyed = dialect.candidates
    for line in lines:
        done: set[str] = set()
        for kind, defines, pattern in keyed.get(line.stripped.partition(" ")[0], unkeyed):
            if kind in done:
                continue
            found = pattern.match(line)
            if not found:
                continue
            done.add(kind)
            for name in pattern.names(found):
                if defines:
                    indexes[kind].defined.setdefault(name, line.number)
                else:
                    indexes[kind].used.setdefault(name, []).append(line.number)
    return indexes


def check_references(lines: list[ConfigLine], dialect: Dialect, file: str) -> list[Diagnostic]:
    """Undefined references (errors) and unused structures (warnings) of one rendered config."""
    out: list[Diagnostic] = []
    scanned = _scan(lines, dialect)
    for kind, spec in dialect.structures.items():
        index = scanned[kind]
        for name, numbers in index.used.items():
            if name in index.defined:
                continue
            for number in numbers:
                out.append(
                    Diagnostic(
                        UNDEFINED,
                        f"{kind} {name!r} is referenced but not defined",
                        location=SourceLocation(file, number),
                        details={"kind": kind, "name": name},
                        hint=f"define {kind} {name} in the template that renders it, or fix the name",
                    )
                )
        if not spec.report_unused:
            continue
        for name, number in index.defined.items():
            if name not in index.used:
                out.append(
                    Diagnostic(
                        UNUSED,
                        f"{kind} {name!r} is defined but never used",
                        severity=Severity.WARNING,
                        location=SourceLocation(file, number),
                        details={"kind": kind, "name": name},
                        hint="remove it, or reference it where it was meant to apply",
                    )
                )
    return out
