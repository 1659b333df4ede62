"""Base class of every intent model: strict, immutable, documented."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class IntentModel(BaseModel):
    """Unknown keys are errors (typos must not pass silently); models are immutable; values are
    taken as written (strict: ``true`` is not the number 1, ``"5"`` is not 5)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True, validate_default=True, strict=True)
