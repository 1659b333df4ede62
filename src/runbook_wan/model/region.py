"""Regions and estate-wide defaults. Their ``site_defaults`` are merged under each site."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from runbook_wan.model.base import IntentModel
from runbook_wan.model.types import IPv4Addr, IPv4Prefix, Key, RegionName, ShortText, SiteCount, Text


class Region(IntentModel):
    """One file in ``intents/regions/``."""

    region: RegionName
    description: Text = ""
    site_defaults: dict[Key, Any] = Field(
        default_factory=dict, description="Partial site intent merged under every site of the region."
    )


class ReachabilityTargets(IntentModel):
    hub: IPv4Addr = Field(description="Hub/DC address every site must reach.")
    saas: IPv4Addr = Field(description="A SaaS address every site must reach.")


#: Kinds of intent whose changes can be made to need an explicit override, whatever their reach.
OverrideKind = Literal["estate", "defaults", "region", "provider", "policy", "site"]


class ChangePolicy(IntentModel):
    """How far one change may reach before it needs ``--allow-wide-change REASON`` (the blast-radius gate).

    A change is the difference between two states of the intents (a git ref and the working tree,
    or what was last deployed and what is deployed now). The gate counts the sites whose config
    changes and that had one before: a site being onboarded (a new site file, a first rendering, a
    first rollout from a state with no deployed record) has no service to lose and is not counted.
    """

    max_sites: SiteCount | None = Field(
        default=None,
        description="Most sites one change may touch: a count (20) or a share of the estate ('25%'). "
        "A share rounds down but never below one site. Unset: no limit.",
    )
    max_sites_per_region: SiteCount | None = Field(
        default=None,
        description="Most sites of any one region one change may touch: a count or a share of the region.",
    )
    max_circuit_roles_per_site: int | None = Field(
        default=1,
        ge=1,
        le=3,
        description="Most circuit roles of one site a change may touch together (1: a bad change cannot take "
        "both DIAs of a site at once). BGP, BFD, ASN and loopback settings touch every circuit of the site.",
    )
    override_required_for: list[OverrideKind] = Field(
        default_factory=list,
        description="Kinds of intent file whose every change that alters a config needs an override "
        "(e.g. provider: one provider file reaches every circuit it serves). A change to change_policy "
        "itself always needs one.",
    )


class ProbeSettings(IntentModel):
    """How often an edge agent probes a circuit and over how long it judges it."""

    interval_ms: int = Field(ge=20, le=60000, description="Milliseconds between probes on one circuit.")
    window_s: int = Field(ge=1, le=3600, description="Seconds of probes loss, latency and jitter are computed over.")


def _dia_probe() -> ProbeSettings:
    return ProbeSettings(interval_ms=100, window_s=10)


def _metered_probe() -> ProbeSettings:
    return ProbeSettings(interval_ms=1000, window_s=30)


class SteeringSettings(IntentModel):
    """How the edge agents measure circuits and move classes (FRR sites; docs/agent.md)."""

    probe: ProbeSettings = Field(
        default_factory=_dia_probe,
        description="Probing of unmetered circuits (the DIAs): 10 probes/s over 10 s windows detects 5 % loss "
        "against a 1 % SLA in 96 % of windows.",
    )
    metered_probe: ProbeSettings = Field(
        default_factory=_metered_probe,
        description="Probing of metered circuits (wireless data): 1 probe/s over 30 s windows, under 1 kbit/s "
        "(docs/agent.md, sizing).",
    )
    breach_windows: int = Field(default=2, ge=1, le=10, description="Windows in a row a breach must last to count.")
    clear_windows: int = Field(
        default=2, ge=1, le=10, description="Windows in a row a circuit must meet the SLA again to count as clear."
    )
    hold_s: int = Field(
        default=60, ge=0, le=3600, description="Seconds a class stays away from its preferred circuit once it is clear."
    )
    metrics_port: int = Field(
        default=9469, ge=1024, le=65535, description="TCP port of the agent's /metrics and /state (management side)."
    )


class EstateSettings(IntentModel):
    name: ShortText = Field(description="The estate's name, e.g. 'acme-retail-wan'.")
    management_network: IPv4Prefix = Field(description="Out-of-band management range.")
    reachability: ReachabilityTargets
    discard_address: IPv4Addr = Field(
        default="100.127.255.254",  # type: ignore[assignment]
        description="Sentinel routed to a blackhole; steering sends guard-railed classes here.",
    )
    change_policy: ChangePolicy | None = Field(
        default=None, description="The blast-radius gate of plan, validate --against and deploy. Unset: no gate."
    )
    steering: SteeringSettings = Field(
        default_factory=SteeringSettings,
        description="SLA steering at the edge: probe rates and windows, hysteresis, the agents' metrics port.",
    )


class Defaults(IntentModel):
    """``intents/defaults.yaml``."""

    estate: EstateSettings
    site_defaults: dict[Key, Any] = Field(default_factory=dict)
