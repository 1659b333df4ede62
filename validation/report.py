"""What validation produces: one :class:`CheckResult` per subject (a site, or the estate) and check.

A result's :class:`~results.Status` follows ANTA: ``success`` (as intended), ``failure`` (the intent or
config is not as intended), ``error`` (the tool could not decide), ``skipped`` (not run here, with the
reason in ``message``). Findings are :class:`~results.Diagnostic` objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from runbook_wan.results import Diagnostic, Severity, Status

#: Subject of findings that belong to no single site (providers, policies, the whole estate).
ESTATE = "estate"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one subject."""

    check: str  # e.g. "estate.rules", "builtin.syntax", "batfish.bgp-sessions"
    subject: str  # a site id or ESTATE
    status: Status
    diagnostics: tuple[Diagnostic, ...] = ()
    message: str = ""  # one line for people: why skipped/error, or a summary

    @classmethod
    def from_diagnostics(
        cls, check: str, subject: str, diagnostics: Iterable[Diagnostic], message: str = ""
    ) -> CheckResult:
        """``failure`` when any diagnostic is an error, else ``success`` (warnings allowed)."""
        found = tuple(sorted(diagnostics, key=lambda d: (d.sort_key, d.code)))
        bad = any(d.severity is Severity.ERROR for d in found)
        return cls(check, subject, Status.FAILURE if bad else Status.SUCCESS, found, message)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)


def skipped(check: str, subject: str, reason: str) -> CheckResult:
    return CheckResult(check, subject, Status.SKIPPED, (), reason)


def tool_error(check: str, subject: str, reason: str, diagnostics: Iterable[Diagnostic] = ()) -> CheckResult:
    return CheckResult(check, subject, Status.ERROR, tuple(diagnostics), reason)


@dataclass
class ValidationReport:
    """Everything one ``runbook.py validate`` run found, in run order."""

    results: list[CheckResult] = field(default_factory=list)
    #: Wall-clock seconds per check family, for the summary line and the bench.
    timings: dict[str, float] = field(default_factory=dict)
    sites: list[str] = field(default_factory=list)

    def extend(self, results: Iterable[CheckResult]) -> None:
        self.results.extend(results)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for r in self.results for d in r.diagnostics]

    @property
    def failed(self) -> bool:
        """True when CI must stop: an error-level finding, or a check that could not decide."""
        return any(r.status is Status.ERROR or r.errors for r in self.results)

    def status_counts(self) -> Counter[Status]:
        return Counter(r.status for r in self.results)

    def severity_counts(self) -> Counter[Severity]:
        return Counter(d.severity for d in self.diagnostics)

    def checks(self) -> list[str]:
        return list(dict.fromkeys(r.check for r in self.results))
