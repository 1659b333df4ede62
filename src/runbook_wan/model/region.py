"""Regions and estate-wide defaults. Their ``site_defaults`` are merged under each site."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from runbook_wan.model.base import IntentModel
from runbook_wan.model.types import IPv4Addr, IPv4Prefix, Key, RegionName, ShortText, Text


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


class EstateSettings(IntentModel):
    name: ShortText = Field(description="The estate's name, e.g. 'acme-retail-wan'.")
    management_network: IPv4Prefix = Field(description="Out-of-band management range.")
    reachability: ReachabilityTargets
    discard_address: IPv4Addr = Field(
        default="100.127.255.254",  # type: ignore[assignment]
        description="Sentinel routed to a blackhole; steering sends guard-railed classes here.",
    )


class Defaults(IntentModel):
    """``intents/defaults.yaml``."""

    estate: EstateSettings
    site_defaults: dict[Key, Any] = Field(default_factory=dict)
