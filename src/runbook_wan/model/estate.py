"""The validated estate: every site (merged), provider, policy, region and platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from runbook_wan.model.merge import Layer
from runbook_wan.model.notifications import Notifications
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.model.policy import Policy
from runbook_wan.model.provider import Provider
from runbook_wan.model.region import EstateSettings, Region
from runbook_wan.model.site import Site
from runbook_wan.model.yaml_source import PathKey, format_path
from runbook_wan.results import SourceLocation

#: Kinds of intent object, used to look up where a value was written.
Kind = str  # "site" | "region" | "provider" | "policy" | "defaults" | "notifications"


@dataclass(frozen=True)
class Estate:
    root: Path
    settings: EstateSettings
    sites: dict[str, Site]
    regions: dict[str, Region]
    providers: dict[str, Provider]
    policies: dict[str, Policy]
    platforms: dict[str, PlatformSpec]
    #: ``intents/notifications.yaml`` (optional): who is told about alerts, on which channel.
    notifications: Notifications | None = None
    layers: dict[tuple[Kind, str], Layer] = field(default_factory=dict, repr=False)

    def locate(self, kind: Kind, name: str, path: PathKey = ()) -> SourceLocation:
        """File, line and YAML path where ``path`` of object ``(kind, name)`` was written."""
        layer = self.layers.get((kind, name))
        found = layer.locate(path) if layer is not None else None
        return found or SourceLocation(f"<{kind} {name}>", None, format_path(path))

    def source_file(self, kind: Kind, name: str) -> str:
        """The file that defines the object (for a site: its own site file)."""
        return self.locate(kind, name).file

    def site_ids(self) -> list[str]:
        return sorted(self.sites)
