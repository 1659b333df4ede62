"""The families a validation run executes, in order (the extension point for ``--twin``)."""

from __future__ import annotations

from validation.checks.base import CheckFamily
from validation.checks.config_family import ConfigFamily
from validation.checks.estate_family import EstateFamily
from validation.checks.twin_family import TwinFamily


def default_families() -> list[CheckFamily]:
    """A fresh list per run (no module-level mutable registry). Later families append here."""
    return [EstateFamily(), ConfigFamily(), TwinFamily()]
