"""Helpers for the lab tests: the small estate they use and a CLI runner."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from runbook_wan.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "intents"
#: Six sites over all four regions: every provider (two of each kind), fiber/broadband/LTE/5G,
#: both policies. chi-021 is a flagship store on fiber/broadband/5G.
SMALL_SITES = ("chi-021", "mke-022", "sea-001", "nyc-041", "atl-061", "dfw-072")


def derive_intents(dest: Path, sites: tuple[str, ...], management_network: str) -> Path:
    """Copy the example intents with only ``sites`` and another management network."""
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("sites"))
    (dest / "sites").mkdir()
    for site in sites:
        shutil.copy(EXAMPLE / "sites" / f"{site}.yaml", dest / "sites" / f"{site}.yaml")
    defaults = dest / "defaults.yaml"
    text, count = re.subn(r"management_network: \S+", f"management_network: {management_network}", defaults.read_text())
    assert count == 1, "the example's defaults.yaml no longer sets management_network"
    defaults.write_text(text)
    return dest


def run_cli(state: Path, *argv: str) -> int:
    return main(["--no-color", "--state", str(state), *argv])
