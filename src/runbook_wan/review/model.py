"""A review of one change: the intent layer, the config layer, the device layer and the gate verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from runbook_wan.facts.models import SiteFacts
from runbook_wan.plan.model import Plan
from runbook_wan.review.gate import GateVerdict
from runbook_wan.review.grouping import Grouping
from runbook_wan.review.impact import Impact
from runbook_wan.review.secrets import SecretChange


@dataclass
class DeviceLayer:
    """Each device's own diff against its running config (``deploy --check``), grouped like configs."""

    diffs: dict[str, str]
    grouping: Grouping
    #: Sites whose device could not be asked (unreachable, candidate rejected): site -> reason.
    unavailable: dict[str, str] = field(default_factory=dict)
    source: str = "deploy --check"


@dataclass
class Review:
    #: What the change is compared with, in words: ``main``, ``HEAD``, ``the last deployed state``.
    baseline: str
    plan: Plan
    grouping: Grouping
    gate: GateVerdict
    #: None when there is no intent baseline (not in git, or the old intents do not load).
    impact: Impact | None = None
    #: Why there is no intent layer, when there is none.
    intent_note: str = ""
    #: How the configs were obtained: "incremental: 1 of 10000 sites re-rendered" or "full: ...".
    mode: str = ""
    device: DeviceLayer | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: Facts of the rendered sites (placeholders for grouping device diffs).
    facts: dict[str, SiteFacts] = field(default_factory=dict, repr=False)
    #: Secrets whose value changes (declared rotations; at deploy also what the values show).
    secrets: list[SecretChange] = field(default_factory=list)
    #: Why secret values were not compared, when they were not (plan, CI: no secrets there).
    secrets_note: str = ""

    @property
    def has_changes(self) -> bool:
        return self.plan.has_changes or bool(self.impact and self.impact.changes) or bool(self.secrets)

    @property
    def changes_devices(self) -> bool:
        """Something a device will run changes: a config, or a secret value one uses."""
        return self.plan.has_changes or any(c.sites for c in self.secrets)
