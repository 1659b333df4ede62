"""Build a Batfish snapshot of the rendered estate (pure data; written to disk separately).

Layout (pybatfish ``formats.md``)::

    <snapshot>/configs/<site>.cfg        one file per site, with an explicit format header
    <snapshot>/batfish/isp_config.json   provider edges modelled as ISP nodes (see isp.py)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.render.pipeline import RenderResult
from runbook_wan.validation.batfish.formats import WRAPPERS, WrappedConfig
from runbook_wan.validation.batfish.isp import isp_config

CONFIGS_DIR = "configs"
ISP_CONFIG = "batfish/isp_config.json"


@dataclass(frozen=True)
class SiteLayout:
    """What the answer interpretation needs to know about one site in the snapshot."""

    wrapped: WrappedConfig
    file: str  # snapshot-relative path, e.g. configs/chi-021.cfg
    batfish_format: str  # the platform's batfish_format
    #: Circuit role -> (snapshot interface name, gateway address), in preference order.
    circuits: dict[str, tuple[str, str]]
    lan_interfaces: list[str]  # snapshot names


@dataclass(frozen=True)
class SnapshotLayout:
    files: dict[str, str]  # snapshot-relative path -> text
    sites: dict[str, SiteLayout] = field(default_factory=dict)
    #: Selected sites whose platform has no known Batfish format: site -> reason.
    unsupported: dict[str, str] = field(default_factory=dict)

    def site_of_file(self, name: str) -> str | None:
        """Site of a Batfish file name (``configs/x.cfg``, possibly with a leading snapshot folder)."""
        for sid, layout in self.sites.items():
            if name == layout.file or name.endswith("/" + layout.file):
                return sid
        return None

    def write(self, root: Path) -> Path:
        for rel, text in self.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root


def build_snapshot(rendered: RenderResult, sites: list[str]) -> SnapshotLayout:
    files: dict[str, str] = {}
    layouts: dict[str, SiteLayout] = {}
    unsupported: dict[str, str] = {}
    for sid in sites:
        facts = rendered.facts[sid]
        platform = rendered.estate.platforms[facts.platform]
        wrapper = WRAPPERS.get(platform.batfish_format)
        if wrapper is None:
            unsupported[sid] = (
                f"batfish_format {platform.batfish_format!r} of platform {platform.platform!r} "
                f"is not one of {', '.join(sorted(WRAPPERS))}"
            )
            continue
        wrapped = wrapper(facts, rendered.configs[sid].text)
        rel = f"{CONFIGS_DIR}/{sid}.cfg"
        files[rel] = wrapped.text
        by_role = {c.role: c for c in facts.circuits}
        layouts[sid] = SiteLayout(
            wrapped=wrapped,
            file=rel,
            batfish_format=platform.batfish_format,
            circuits={
                role: (wrapped.snapshot_interface(by_role[role].interface), by_role[role].gateway)
                for role in CIRCUIT_ROLES
                if role in by_role
            },
            lan_interfaces=[wrapped.snapshot_interface(lan.interface) for lan in facts.lan_segments],
        )
    if layouts:
        files[ISP_CONFIG] = json.dumps(isp_config(rendered, list(layouts)), indent=2) + "\n"
    return SnapshotLayout(files, layouts, unsupported)
