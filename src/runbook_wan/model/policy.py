"""SD-WAN policy: application classes, their path preference, SLA and wireless guardrails."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict, model_validator
from pydantic_core import PydanticCustomError

from runbook_wan.model.base import IntentModel
from runbook_wan.model.roles import CircuitRole
from runbook_wan.model.types import ClassName, Dscp, IPv4Prefix, Percent, PolicyName, SegmentName, Text


class ClassMatch(IntentModel):
    """Traffic belongs to a class when it matches ANY of these criteria."""

    dscp: list[Dscp] = Field(default_factory=list, description="DSCP code points or names (ef, af41, ...).")
    segments: list[SegmentName] = Field(default_factory=list, description="Source LAN segments, by name.")
    destinations: list[IPv4Prefix] = Field(default_factory=list, description="Destination prefixes.")

    @model_validator(mode="after")
    def _not_empty(self) -> ClassMatch:
        if not (self.dscp or self.segments or self.destinations):
            raise PydanticCustomError(
                "empty_match",
                "a class must match something",
                {"hint": "add at least one of dscp, segments or destinations"},
            )
        return self


class Sla(IntentModel):
    latency_ms: int = Field(gt=0, le=10000, description="Maximum one-way latency.")
    jitter_ms: int = Field(ge=0, le=10000, description="Maximum jitter.")
    loss_pct: Percent = Field(description="Maximum packet loss in percent.")


class AppClass(IntentModel):
    description: Text = ""
    match: ClassMatch
    path_preference: list[Annotated[CircuitRole, Strict(False)]] = Field(
        min_length=1, description="Circuits to use, most preferred first. Unlisted circuits are never used."
    )
    sla: Sla

    @model_validator(mode="after")
    def _unique_paths(self) -> AppClass:
        seen: set[str] = set()
        for role in self.path_preference:
            if role in seen:
                raise PydanticCustomError(
                    "duplicate_path",
                    "circuit '{role}' is listed twice in path_preference",
                    {"role": role, "hint": "list each circuit once, most preferred first"},
                )
            seen.add(role)
        return self


class Guardrails(IntentModel):
    never_on_wireless: list[ClassName] = Field(
        default_factory=list, description="Classes that must never use the tertiary wireless circuit."
    )


class Policy(IntentModel):
    """One file in ``intents/policies/``."""

    policy: PolicyName
    description: Text = ""
    classes: dict[ClassName, AppClass] = Field(min_length=1)
    guardrails: Guardrails = Field(default_factory=Guardrails)
