"""Estate rules: small named checks over the typed model of every site.

A rule is a plain function ``RuleInput -> Iterable[Hit]`` wrapped in an :class:`EstateRule` that
gives it a stable id (``R001-unique-site-id``), a severity and its docstring. Rules run over the
whole estate (uniqueness needs every site) and report hits for the selected sites only.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from runbook_wan.model.estate import Estate
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.model.yaml_source import PathKey
from runbook_wan.results import Diagnostic, Severity, SourceLocation
from runbook_wan.validation.report import ESTATE


@dataclass(frozen=True)
class Hit:
    """One violation: which site (or ESTATE) it concerns and where the offending value is written."""

    subject: str
    message: str
    location: SourceLocation
    hint: str = ""


@dataclass(frozen=True)
class RuleInput:
    """The estate plus the sites a run selected (``--limit``)."""

    estate: Estate
    selected: tuple[str, ...]

    @cached_property
    def selected_set(self) -> frozenset[str]:
        return frozenset(self.selected)

    @cached_property
    def policies_in_use(self) -> list[str]:
        return sorted({self.estate.sites[s].policy for s in self.selected if s in self.estate.sites})

    @cached_property
    def providers_in_use(self) -> list[str]:
        used = {
            getattr(self.estate.sites[s].circuits, role).provider
            for s in self.selected
            if s in self.estate.sites
            for role in CIRCUIT_ROLES
        }
        return sorted(used & set(self.estate.providers))

    def site(self, sid: str, path: PathKey = ()) -> SourceLocation:
        return self.estate.locate("site", sid, path)

    def policy(self, name: str, path: PathKey = ()) -> SourceLocation:
        return self.estate.locate("policy", name, path)

    def provider(self, name: str, path: PathKey = ()) -> SourceLocation:
        return self.estate.locate("provider", name, path)

    def defaults(self, path: PathKey = ()) -> SourceLocation:
        return self.estate.locate("defaults", "defaults", path)


RuleCheck = Callable[[RuleInput], Iterable[Hit]]


@dataclass(frozen=True)
class EstateRule:
    """A registered rule. Its docstring (the check function's) is the reference documentation."""

    id: str
    severity: Severity
    check: RuleCheck

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.check) or ""

    @property
    def title(self) -> str:
        return self.doc.splitlines()[0] if self.doc else self.id

    @property
    def source(self) -> str:
        """Module file of the rule, relative to the repository (for the docs table)."""
        module = inspect.getmodule(self.check)
        path = Path(module.__file__) if module is not None and module.__file__ else Path("?")
        return f"validation/rules/{path.name}"

    def evaluate(self, data: RuleInput) -> list[Diagnostic]:
        """Run the rule; keep hits about selected sites and estate-wide objects.

        A value many sites inherit (from defaults.yaml or a region) is one cause: the same finding at
        the same line is reported once, not once per site that inherits it.
        """
        out = []
        seen: set[tuple[str, SourceLocation | None, str]] = set()
        for hit in self.check(data):
            if hit.subject != ESTATE and hit.subject not in data.selected_set:
                continue
            key = (hit.message, hit.location, hit.hint)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Diagnostic(
                    self.id,
                    hit.message,
                    severity=self.severity,
                    location=hit.location,
                    hint=hit.hint,
                    details={"subject": hit.subject, "rule": self.id},
                )
            )
        return out
