"""Expected Batfish findings (``validation/batfish_allowlist.yaml``): gate CI on what is new.

Partially recognised syntax is normal for Batfish (batfish#5036: "usually does not present a
problem"), so CI gates on parse warnings and init issues *not* in the allowlist, never on zero.
Each entry names a question, regexes over that question's columns (all must match), and a reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from runbook_wan.results import Diagnostic, DiagnosticError, SourceLocation

DEFAULT_ALLOWLIST = Path(__file__).resolve().parent.parent / "batfish_allowlist.yaml"

Question = Literal["parseWarning", "initIssues", "undefinedReferences", "fileParseStatus"]


class AllowEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    question: Question
    match: dict[str, re.Pattern[str]] = Field(min_length=1, description="Column -> regex (re.search).")
    reason: str = Field(min_length=10, description="Why this finding is expected and harmless.")

    @field_validator("match", mode="before")
    @classmethod
    def _compile(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: re.compile(str(v)) for k, v in value.items()}
        return value

    def allows(self, question: str, row: Mapping[str, object]) -> bool:
        return question == self.question and all(
            column in row and pattern.search(str(row[column])) for column, pattern in self.match.items()
        )


class Allowlist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    entries: list[AllowEntry] = Field(default_factory=list)

    def reason(self, question: str, row: Mapping[str, object]) -> str | None:
        """The reason of the first entry allowing ``row`` of ``question``, if any."""
        for entry in self.entries:
            if entry.allows(question, row):
                return entry.reason
        return None


def load_allowlist(path: Path = DEFAULT_ALLOWLIST) -> Allowlist:
    """Read the allowlist; a malformed file is an input error with its location."""
    if not path.is_file():
        return Allowlist()
    try:
        return Allowlist.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (ValidationError, yaml.YAMLError, re.error) as exc:
        raise DiagnosticError(
            [
                Diagnostic(
                    "batfish-allowlist",
                    f"invalid Batfish allowlist: {exc}".splitlines()[0],
                    location=SourceLocation(str(path)),
                    hint="each entry needs question, match (column: regex) and reason",
                )
            ]
        ) from None
