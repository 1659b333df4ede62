"""The twin survivability proof against the real FRR lab (``validate --twin``).

Each run boots its own lab (prefix ``rbtw`` and the xdist worker's number: tests/conftest.py runs
these beside the other lab tests) from the candidate configs, fails circuits on every
site at once, checks LAN traffic and SD-WAN steering, and tears the lab down.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from runbook_wan import cli as runbook

pytestmark = pytest.mark.lab

SITES = "atl-061,chi-021,mke-022,nyc-041,sea-001"
SCENARIOS = {
    "primary-down",
    "secondary-down",
    "wireless-only",
    "primary-blackhole",
    "primary-slow",
    "primary-brownout",
}


@pytest.fixture
def intents(tmp_path: Path, example_intents: Path) -> Path:
    dest = tmp_path / "intents"
    shutil.copytree(example_intents, dest)
    return dest


def _validate(tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = runbook.main(
        [
            "--no-color",
            "--state",
            str(tmp_path / "state"),
            "validate",
            "--intents",
            str(intents),
            "--configs",
            str(tmp_path / "configs"),
            "--format",
            "json",
            *argv,
        ]
    )
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_every_site_survives_every_scenario_and_steers_its_classes(
    require_lab: None, tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _validate(
        tmp_path, intents, capsys, "--twin", "--all", "--limit", SITES, "--junit", str(tmp_path / "twin.xml")
    )
    twin = [r for r in report["results"] if r["check"].startswith("twin.")]
    assert code == 0, [r for r in twin if r["status"] != "success"]
    assert {(r["subject"], r["check"].removeprefix("twin.")) for r in twin} == {
        (s, sc) for s in SITES.split(",") for sc in SCENARIOS
    }
    for r in twin:
        assert r["status"] == "success"
        steered, probed = map(int, re.search(r"(\d+)/(\d+) classes steered", r["message"]).groups())  # type: ignore[union-attr]
        assert steered == probed >= 2, r
    assert (tmp_path / "twin.xml").read_text().count('classname="twin.wireless-only"') == 5


def test_a_policy_that_strands_the_hub_on_wireless_is_caught(
    require_lab: None, tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Valid intents (every estate rule passes) whose bulk class now covers the hub address: with
    only wireless left, traffic to the hub is discarded by the guardrail. Only the scenario that
    shows it runs (``--scenario``)."""
    for name in ("retail-standard", "retail-flagship"):
        policy = intents / "policies" / f"{name}.yaml"
        policy.write_text(
            policy.read_text().replace("destinations: [198.51.100.128/25]", "destinations: [198.51.100.0/24]")
        )
    code, report = _validate(
        tmp_path, intents, capsys, "--twin", "--all", "--limit", "sea-001", "--scenario", "wireless-only"
    )
    assert code == 1
    assert {r["check"] for r in report["results"] if r["check"].startswith("twin.")} == {"twin.wireless-only"}
    failing = {r["check"]: r for r in report["results"] if r["status"] == "failure"}
    assert set(failing) == {"twin.wireless-only"}
    messages = [d["message"] for d in failing["twin.wireless-only"]["diagnostics"]]
    assert any("does not reach the hub 198.51.100.10" in m for m in messages)
    assert failing["twin.wireless-only"]["diagnostics"][0]["file"].endswith("sites/sea-001.yaml")
