"""Reference checks: every referenced route-map, prefix-list, ACL, PBR map, peer... is defined.

Works on any dialect in ``dialects.yaml``: definitions and uses are found by the dialect's
patterns. Undefined references are errors (the device would reject or silently ignore them);
defined-but-unused structures are warnings (dead config, often a renamed reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from results import Diagnostic, Severity, SourceLocation
from validation.builtin.configtext import ConfigLine
from validation.builtin.dialects import Dialect, StructureSpec

UNDEFINED = "config-undefined-reference"
UNUSED = "config-unused-structure"


@dataclass
class _Index:
    defined: dict[str, int] = field(default_factory=dict)  # name -> first defining line
    used: dict[str, list[int]] = field(default_factory=dict)  # name -> using lines


def _index(lines: list[ConfigLine], spec: StructureSpec) -> _Index:
    index = _Index()
    for line in lines:
        for pattern in spec.define:
            found = pattern.match(line)
            if found:
                index.defined.setdefault(found["name"], line.number)
                break
        else:
            for pattern in spec.use:
                found = pattern.match(line)
                if found:
                    index.used.setdefault(found["name"], []).append(line.number)
                    break
    return index


def check_references(lines: list[ConfigLine], dialect: Dialect, file: str) -> list[Diagnostic]:
    """Undefined references (errors) and unused structures (warnings) of one rendered config."""
    out: list[Diagnostic] = []
    for kind, spec in dialect.structures.items():
        index = _index(lines, spec)
        for name, numbers in index.used.items():
            if name in index.defined:
                continue
            for number in numbers:
                out.append(Diagnostic(
                    UNDEFINED, f"{kind} {name!r} is referenced but not defined",
                    location=SourceLocation(file, number), details={"kind": kind, "name": name},
                    hint=f"define {kind} {name} in the template that renders it, or fix the name",
                ))
        if not spec.report_unused:
            continue
        for name, number in index.defined.items():
            if name not in index.used:
                out.append(Diagnostic(
                    UNUSED, f"{kind} {name!r} is defined but never used", severity=Severity.WARNING,
                    location=SourceLocation(file, number), details={"kind": kind, "name": name},
                    hint="remove it, or reference it where it was meant to apply",
                ))
    return out
