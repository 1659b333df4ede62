"""The interface every config backend implements."""

from __future__ import annotations

from typing import Protocol

from validation.checks.base import ValidationContext
from validation.report import CheckResult


class ConfigBackend(Protocol):
    """Checks rendered configs; returns one result per site and check it ran (or skipped)."""

    name: str

    def run(self, ctx: ValidationContext) -> list[CheckResult]: ...
