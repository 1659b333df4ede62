"""The interface every config backend implements."""

from __future__ import annotations

from typing import Protocol

from runbook_wan.validation.checks.base import ValidationContext
from runbook_wan.validation.report import CheckResult


class ConfigBackend(Protocol):
    """Checks rendered configs; returns one result per site and check it ran (or skipped)."""

    name: str

    def run(self, ctx: ValidationContext) -> list[CheckResult]: ...
