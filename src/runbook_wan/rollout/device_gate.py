"""The blast-radius gate on what the devices will actually change, before the first wave.

The config layer counts sites whose intended config changes against what was deployed. A device
changed by hand (or restored from an old backup, or left by another tool) differs from its
intended config although ``configs/`` did not change: pushing the intended config changes it too.
So before the first wave every device with a deployed baseline is asked for its own diff
(:mod:`runbook_wan.tasks.preview`), and ``estate.change_policy`` (``max_sites``,
``max_sites_per_region``) is applied to the devices that would change. Wider than allowed: exit 7,
nothing touched, unless ``--allow-wide-change REASON``. Sites being onboarded (no deployed record)
are not asked and not counted, as in the config layer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from runbook_wan.model.estate import Estate
from runbook_wan.results import Diagnostic
from runbook_wan.review.gate import GateInput, GateVerdict, evaluate
from runbook_wan.review.model import Review
from runbook_wan.tasks.preview import DevicePreview


@dataclass
class DeviceGate:
    verdict: GateVerdict
    #: Devices whose own diff is not empty (or that hold a pending commit).
    changing: list[str] = field(default_factory=list)
    #: Devices that already run their intended config.
    unchanged: list[str] = field(default_factory=list)
    #: Devices that could not be asked: site -> why (their wave reports them).
    unavailable: dict[str, str] = field(default_factory=dict)
    #: What the config layer counted, to compare: "review said N".
    config_counted: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.headline(),
            "exceeded": self.verdict.exceeded,
            "override": self.verdict.override,
            "changing": self.changing,
            "config_layer_counted": self.config_counted,
            "unchanged": len(self.unchanged),
            "unavailable": self.unavailable,
            "findings": [f.message for f in self.verdict.findings],
            "seconds": self.seconds,
        }

    def problems(self) -> list[Diagnostic]:
        """The refusal, one diagnostic per broken rule, when the gate blocks."""
        if not self.verdict.blocks:
            return []
        extra = sorted(set(self.changing) - set(self.verdict.onboarding))
        return [
            Diagnostic(
                f"gate-device-{f.rule.replace('_', '-')}",
                f"blast-radius gate, device layer: {f.message.replace('sites change', 'devices would change')} "
                f"(the configs differ at {self.config_counted}; the others run something else than what was "
                f"deployed, e.g. a hand change: {', '.join(extra[:5])}{' ...' if len(extra) > 5 else ''})",
                location=f.location,
                hint="`deploy --check --format markdown` shows each device's own diff; restore the devices or "
                "deploy a narrower --limit, or pass --allow-wide-change REASON (recorded in the audit log)",
            )
            for f in self.verdict.findings
        ]


def device_gate(review: Review, previews: dict[str, DevicePreview], estate: Estate, override: str | None) -> DeviceGate:
    """Apply the review's policy (the baseline's) to the devices that would change."""
    gate = review.gate
    regions = {sid: site.region for sid, site in estate.sites.items()}
    changing = sorted(s for s, p in previews.items() if not p.error and p.changes)
    given = GateInput(
        counted={s: regions.get(s, "?") for s in changing},
        onboarding=list(gate.onboarding),
        total_sites=gate.total_sites,
        region_sizes=lambda: dict(Counter(regions.values())),
        impact=None,
    )
    verdict = evaluate(gate.policy, gate.policy_at, given, override)
    verdict.observed["max_circuit_roles_per_site"] = "not checked at the device layer"
    return DeviceGate(
        verdict,
        changing=changing,
        unchanged=sorted(s for s, p in previews.items() if not p.error and not p.changes),
        unavailable={s: p.error for s, p in previews.items() if p.error},
        config_counted=len(gate.counted),
    )
