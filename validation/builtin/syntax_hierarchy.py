"""Structural syntax of indentation-hierarchical configs (EOS, IOS) without the device's parser.

Checks what a template bug typically breaks: tabs, indentation that is not a whole number of the
platform's indent unit, and lines nested deeper than one level below their parent (orphans).
Vendor grammar is the Batfish backend's job.
"""

from __future__ import annotations

from collections.abc import Sequence

from runbook_wan.results import Diagnostic, SourceLocation
from runbook_wan.validation.builtin.syntax_vtysh import CHECK, SyntaxInput
from runbook_wan.validation.report import CheckResult

CODE = "config-structure"


def _line_findings(item: SyntaxInput, comment: str, unit: int) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    depths: list[tuple[int, int]] = []  # (indent, depth) of open parents

    def add(number: int, message: str, hint: str) -> None:
        out.append(
            Diagnostic(
                CODE, message, location=SourceLocation(item.file, number), details={"subject": item.site}, hint=hint
            )
        )

    for number, raw in enumerate(item.text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(comment):
            continue
        lead = raw[: len(raw) - len(raw.lstrip())]
        if "\t" in lead:
            add(number, "tab in indentation", "indent with spaces only")
            continue
        indent = len(lead)
        if indent % unit:
            add(number, f"indentation of {indent} is not a multiple of {unit}", "fix the template's indentation")
        while depths and depths[-1][0] >= indent:
            depths.pop()
        depth = depths[-1][1] + 1 if depths else 0
        if indent and not depths:
            add(number, f"`{stripped}` is indented but has no parent section", "un-indent it or add its section")
        elif depths and indent > depths[-1][0] + unit:
            add(
                number, f"`{stripped}` is nested more than one level below its parent", "fix the template's indentation"
            )
        depths.append((indent, depth))
    return out


class HierarchySyntax:
    """Structure of EOS/IOS configs; one result per site."""

    def __init__(self, comment: str = "!", indent: str = " ") -> None:
        self.comment = comment
        self.unit = max(1, len(indent))

    def check(self, items: Sequence[SyntaxInput]) -> list[CheckResult]:
        return [
            CheckResult.from_diagnostics(
                CHECK, item.site, _line_findings(item, self.comment, self.unit), "indentation structure"
            )
            for item in items
        ]
