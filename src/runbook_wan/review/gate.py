"""The blast-radius gate: how far one change may reach, from ``estate.change_policy`` in the intents.

What is counted: the sites whose config changes and that had one before (changed or removed).
Sites being onboarded (added: a new site file, a first rendering, a first rollout from a state
without a deployed record) have no service to lose and are listed but not counted. Which policy
applies: the baseline's (the rules in force before the change), else the new one; a change to
``change_policy`` itself always needs an explicit override, so a change cannot loosen the gate
that guards it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from runbook_wan.model.region import ChangePolicy
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.results import SourceLocation
from runbook_wan.review.impact import Impact

POLICY_PATH = ("estate", "change_policy")


def limit_of(spec: int | str, total: int) -> tuple[int, str]:
    """``25%`` of 80 -> (20, "25% of 80 = 20"); a count is itself. A share never rounds below 1."""
    if isinstance(spec, int):
        return spec, str(spec)
    share = float(spec.rstrip("%"))
    value = max(1, math.floor(total * share / 100 + 1e-9))
    return value, f"{spec} of {total} = {value}"


@dataclass(frozen=True)
class GateFinding:
    """One rule the change breaks, with the count and the limit."""

    rule: str  # max_sites | max_sites_per_region | max_circuit_roles_per_site | override_required_for | change_policy
    message: str
    sites: tuple[str, ...] = ()
    location: SourceLocation | None = None


@dataclass
class GateVerdict:
    policy: ChangePolicy | None
    policy_at: SourceLocation | None
    total_sites: int
    counted: list[str] = field(default_factory=list)
    onboarding: list[str] = field(default_factory=list)
    findings: list[GateFinding] = field(default_factory=list)
    #: False when the circuit roles a site's change touches are unknown (no intent baseline).
    roles_checked: bool = True
    override: str | None = None
    #: Where the rule limits stand (for the report's table): rule -> "25% of 80 = 20".
    limits: dict[str, str] = field(default_factory=dict)
    #: Largest observed value per rule: rule -> "72 sites".
    observed: dict[str, str] = field(default_factory=dict)

    @property
    def exceeded(self) -> bool:
        return bool(self.findings)

    @property
    def blocks(self) -> bool:
        """The change exceeds the gate and nobody overrode it."""
        return self.exceeded and not self.override

    def headline(self) -> str:
        if self.policy is None:
            return "no blast-radius gate (estate.change_policy is not set)"
        counted = f"{len(self.counted)} of {self.total_sites} sites change"
        onboard = f", {len(self.onboarding)} onboarded (not counted)" if self.onboarding else ""
        if not self.exceeded:
            return f"within the blast-radius gate: {counted}{onboard}"
        rules = ", ".join(dict.fromkeys(f.rule for f in self.findings))
        if self.override:
            return f"exceeds the blast-radius gate ({rules}), overridden: {self.override}"
        return f"EXCEEDS the blast-radius gate ({rules}): {counted}{onboard}"


@dataclass(frozen=True)
class GateInput:
    """What the gate looks at, from a plan and (when there is an intent baseline) its impact."""

    #: Site -> region of every counted site (config changes and it had one before).
    counted: dict[str, str]
    onboarding: list[str]
    total_sites: int
    #: Sizes of the regions, computed only when a share limit of a region needs them.
    region_sizes: Callable[[], dict[str, int]]
    impact: Impact | None = None


def _located(at: SourceLocation | None, key: str) -> SourceLocation | None:
    if at is None:
        return None
    return SourceLocation(at.file, at.line, f"estate.change_policy.{key}")


def evaluate(
    policy: ChangePolicy | None,
    policy_at: SourceLocation | None,
    given: GateInput,
    override: str | None = None,
    locate: Callable[[str], SourceLocation | None] | None = None,
) -> GateVerdict:
    """Check one change against the policy. ``locate(key)`` finds the policy line of a rule."""
    verdict = GateVerdict(
        policy, policy_at, given.total_sites, sorted(given.counted), sorted(given.onboarding), override=override
    )
    verdict.roles_checked = given.impact is not None
    if policy is None:
        return verdict
    where = locate or (lambda key: _located(policy_at, key))
    _sites_rule(policy, given, verdict, where)
    _region_rule(policy, given, verdict, where)
    _roles_rule(policy, given, verdict, where)
    _override_rules(policy, given, verdict, where)
    return verdict


def _sites_rule(
    policy: ChangePolicy, given: GateInput, verdict: GateVerdict, where: Callable[[str], SourceLocation | None]
) -> None:
    count = len(given.counted)
    verdict.observed["max_sites"] = f"{count} site(s)"
    if policy.max_sites is None:
        return
    limit, text = limit_of(policy.max_sites, given.total_sites)
    verdict.limits["max_sites"] = text
    if count > limit:
        verdict.findings.append(
            GateFinding(
                "max_sites",
                f"{count} sites change; estate.change_policy.max_sites allows {limit} ({text})",
                tuple(sorted(given.counted)),
                where("max_sites"),
            )
        )


def _region_rule(
    policy: ChangePolicy, given: GateInput, verdict: GateVerdict, where: Callable[[str], SourceLocation | None]
) -> None:
    per_region: dict[str, list[str]] = {}
    for site, region in given.counted.items():
        per_region.setdefault(region, []).append(site)
    busiest = max(per_region.items(), key=lambda item: len(item[1]), default=None)
    verdict.observed["max_sites_per_region"] = f"{len(busiest[1])} in {busiest[0]}" if busiest else "0"
    spec = policy.max_sites_per_region
    if spec is None:
        return
    sizes: dict[str, int] | None = None
    verdict.limits["max_sites_per_region"] = spec if isinstance(spec, str) else str(spec)
    for region, sites in sorted(per_region.items()):
        if isinstance(spec, str) and len(sites) > 1 and sizes is None:
            sizes = given.region_sizes()
        size = (sizes or {}).get(region, len(sites))
        limit, text = limit_of(spec, size)
        if len(sites) > limit:
            verdict.findings.append(
                GateFinding(
                    "max_sites_per_region",
                    f"region {region}: {len(sites)} of its {size} sites change; "
                    f"estate.change_policy.max_sites_per_region allows {limit} ({text})",
                    tuple(sorted(sites)),
                    where("max_sites_per_region"),
                )
            )


def _roles_rule(
    policy: ChangePolicy, given: GateInput, verdict: GateVerdict, where: Callable[[str], SourceLocation | None]
) -> None:
    if given.impact is None:
        verdict.observed["max_circuit_roles_per_site"] = "not checked (no intent baseline)"
        return
    roles = {s: given.impact.sites[s].roles for s in given.counted if s in given.impact.sites}
    most = max((len(r) for r in roles.values()), default=0)
    verdict.observed["max_circuit_roles_per_site"] = str(most)
    limit = policy.max_circuit_roles_per_site
    if limit is None:
        return
    verdict.limits["max_circuit_roles_per_site"] = str(limit)
    wide = {s: r for s, r in roles.items() if len(r) > limit}
    if not wide:
        return
    touched = sorted({role for r in wide.values() for role in r}, key=CIRCUIT_ROLES.index)
    example = sorted(wide)[0]
    why = given.impact.sites[example].why
    verdict.findings.append(
        GateFinding(
            "max_circuit_roles_per_site",
            f"{len(wide)} site(s) would change {most} circuit roles at once ({', '.join(touched)}); "
            f"estate.change_policy.max_circuit_roles_per_site allows {limit} (e.g. {example}: {why})",
            tuple(sorted(wide)),
            where("max_circuit_roles_per_site"),
        )
    )


def _override_rules(
    policy: ChangePolicy, given: GateInput, verdict: GateVerdict, where: Callable[[str], SourceLocation | None]
) -> None:
    impact = given.impact
    if impact is None:
        return
    gate_changes = [c for c in impact.changes if c.kind == "defaults" and c.path[:2] == POLICY_PATH]
    if gate_changes:
        verdict.findings.append(
            GateFinding(
                "change_policy",
                "estate.change_policy itself changes: a change to the gate always needs an explicit override",
                (),
                gate_changes[0].new_at or gate_changes[0].old_at,
            )
        )
    if not policy.override_required_for:
        return
    counted = set(given.counted)
    for kind in policy.override_required_for:
        hits = []
        for index, change in enumerate(impact.changes):
            if _kind_of(change.kind, change.path) != kind:
                continue
            if set(impact.reach(index)) & counted:
                hits.append(change)
        if hits:
            names = ", ".join(dict.fromkeys(h.subject for h in hits))
            verdict.findings.append(
                GateFinding(
                    "override_required_for",
                    f"{kind} changes need an explicit override (estate.change_policy.override_required_for): {names}",
                    tuple(sorted({s for i, c in enumerate(impact.changes) if c in hits for s in impact.reach(i)})),
                    where("override_required_for"),
                )
            )


def _kind_of(kind: str, path: tuple[str | int, ...]) -> str:
    """Estate settings and site_defaults both live in defaults.yaml; the policy tells them apart."""
    if kind == "defaults":
        return "estate" if path[:1] == ("estate",) else "defaults"
    return kind
