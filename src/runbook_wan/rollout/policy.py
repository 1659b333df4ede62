"""Wave planning and failure thresholds: ``--canary``, ``--wave-size``, ``--max-failures``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from runbook_wan.results import Diagnostic, DiagnosticError


@dataclass(frozen=True)
class Amount:
    """A count or a percentage, as given on the command line (``5`` or ``10%``)."""

    value: float
    percent: bool

    @classmethod
    def parse(cls, text: str, option: str) -> Amount:
        raw = text.strip()
        try:
            if raw.endswith("%"):
                value = float(raw[:-1])
                if not 0 <= value <= 100:
                    raise ValueError
                return cls(value, True)
            number = int(raw)
            if number < 0:
                raise ValueError
            return cls(float(number), False)
        except ValueError:
            raise DiagnosticError(
                [
                    Diagnostic(
                        "option-amount",
                        f"{option} {text!r} is not a count or a percentage",
                        hint=f"use e.g. {option} 5 or {option} 10%",
                    )
                ]
            ) from None

    def of(self, total: int) -> int:
        """Resolve against ``total`` (percentages round up, so 10% of 3 is 1)."""
        if not self.percent:
            return int(self.value)
        return math.ceil(total * self.value / 100)

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.percent else str(int(self.value))


@dataclass(frozen=True)
class WavePlan:
    canary: list[str]
    waves: list[list[str]]

    @property
    def all_waves(self) -> list[list[str]]:
        return ([self.canary] if self.canary else []) + self.waves


def plan_waves(sites: list[str], canary: str, wave_size: str) -> WavePlan:
    """Canary first (a count, or explicit comma-separated sites), then fixed-size waves."""
    ordered = sorted(sites)
    chosen: list[str]
    if canary.strip().isdigit():
        chosen = ordered[: int(canary)]
    else:
        chosen = [s.strip() for s in canary.split(",") if s.strip()]
        unknown = [s for s in chosen if s not in ordered]
        if unknown:
            raise DiagnosticError(
                [
                    Diagnostic(
                        "option-canary",
                        f"--canary site(s) not in this rollout: {', '.join(unknown)}",
                        hint="name sites selected by --limit, or give a count such as --canary 1",
                    )
                ]
            )
    rest = [s for s in ordered if s not in chosen]
    size = max(1, Amount.parse(wave_size, "--wave-size").of(len(ordered)))
    waves = [rest[i : i + size] for i in range(0, len(rest), size)]
    return WavePlan(canary=chosen, waves=waves)


def allowed_failures(max_failures: Amount, wave_len: int, canary: bool) -> int:
    """Failures a wave may have without halting; any canary failure halts."""
    if canary:
        return 0
    if max_failures.percent:  # "more than 10%" halts: 10% of 16 sites allows 1 failure
        return math.floor(wave_len * max_failures.value / 100)
    return int(max_failures.value)
