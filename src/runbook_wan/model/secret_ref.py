"""References to secrets. Intents name a secret; its value never appears in intents."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from runbook_wan.model.base import IntentModel
from runbook_wan.model.types import SecretName


class SecretRef(IntentModel):
    """``{secret: NAME}``: the value is resolved only at push time (env or secrets file).

    ``rotation`` declares a rotation for review: raise it (``{secret: bgp-fibrelink, rotation: 2}``)
    in the change that rotates the value, so ``plan`` and the PR report show which secret rotates
    and which sites and sessions it reaches, the blast-radius gate counts them, and ``deploy``
    accepts the new value (it refuses a value that changed without one; docs/secrets.md).
    """

    secret: SecretName = Field(description="Name of the secret, e.g. 'bgp/fibrelink'.")
    rotation: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Rotation generation: raise it in the change that rotates the value (reviewed, gated, "
        "and the only way deploy accepts a changed value without an override).",
    )


def _reject_inline_secret(value: Any) -> Any:
    if isinstance(value, str | int):
        raise PydanticCustomError(
            "inline_secret",
            "secret values must not be written in intents",
            {
                "hint": "reference it by name: `{secret: NAME}`, then set RUNBOOK_SECRET_<NAME> "
                "or add NAME to the secrets file (see docs/secrets.md)"
            },
        )
    return value


SecretField = Annotated[SecretRef | None, BeforeValidator(_reject_inline_secret)]
#: A required secret reference (``{secret: NAME}``); a literal value is rejected like above.
SecretValue = Annotated[SecretRef, BeforeValidator(_reject_inline_secret)]
