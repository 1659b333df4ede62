"""The families a validation run executes, in order (the extension point for ``--twin``)."""

from __future__ import annotations

from runbook_wan.validation.checks.base import CheckFamily
from runbook_wan.validation.checks.change_family import ChangeFamily
from runbook_wan.validation.checks.config_family import ConfigFamily
from runbook_wan.validation.checks.estate_family import EstateFamily
from runbook_wan.validation.checks.monitoring_family import MonitoringFamily
from runbook_wan.validation.checks.twin_family import TwinFamily


def default_families() -> list[CheckFamily]:
    """A fresh list per run (no module-level mutable registry). Later families append here."""
    return [EstateFamily(), ConfigFamily(), ChangeFamily(), MonitoringFamily(), TwinFamily()]
