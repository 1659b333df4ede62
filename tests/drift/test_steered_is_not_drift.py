"""The edge agent's steering (another order of a class's nexthops) is no drift; anything else is.

Uses the golden chi-021 config and agent policy (tests/golden/frr/expected/configs/), with the
running config made by hand from them: voice moved to the secondary as the agent would do it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook_wan.drift.compare import compare
from runbook_wan.drift.model import DriftStatus
from runbook_wan.drift.steered import SteeredSequences, rendered_order
from runbook_wan.model.platform import PlatformSpec, load_platforms
from runbook_wan.workspace import BUILTIN_PLATFORMS

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "frr" / "expected" / "configs"
INTENDED = (GOLDEN / "chi-021.cfg").read_text()
STEERED = SteeredSequences.from_policy((GOLDEN / "chi-021.agent.json").read_text())
P, S = "100.64.255.1", "100.67.255.1"


@pytest.fixture
def frr() -> PlatformSpec:
    platforms, _ = load_platforms(BUILTIN_PLATFORMS)
    return platforms["frr"]


def _set(text: str, seq: int, nexthop: str) -> str:
    head = f"pbr-map SDWAN seq {seq}\n"
    before, _, rest = text.partition(head)
    block, _, after = rest.partition("exit\n")
    lines = [f" set nexthop {nexthop}" if line.startswith(" set nexthop ") else line for line in block.splitlines()]
    return before + head + "\n".join(lines) + "\n" + "exit\n" + after


def test_the_policy_names_the_agents_sequences() -> None:
    assert STEERED is not None and STEERED.pbr_map == "SDWAN"
    assert (45, 50, 55) in STEERED.groups
    assert SteeredSequences.from_policy("not json") is None


def test_a_class_the_agent_moved_is_no_drift(frr: PlatformSpec) -> None:
    running = _set(_set(INTENDED, 45, S), 50, P)  # voice: secondary first, as the agent rewrites it
    assert running != INTENDED
    assert rendered_order(running, INTENDED, STEERED) == INTENDED  # type: ignore[arg-type]
    result = compare("chi-021", INTENDED, running, frr, checked_at="now", source="test", steered=STEERED)
    assert result.status is DriftStatus.IN_SYNC
    without = compare("chi-021", INTENDED, running, frr, checked_at="now", source="test")
    assert without.status is DriftStatus.DRIFT, "without the policy the reorder is a change"


def test_a_foreign_nexthop_in_an_agent_sequence_is_still_drift(frr: PlatformSpec) -> None:
    running = _set(INTENDED, 45, "192.0.2.99")
    result = compare("chi-021", INTENDED, running, frr, checked_at="now", source="test", steered=STEERED)
    assert result.status is DriftStatus.DRIFT
    assert any(line.startswith("+") and "192.0.2.99" in line for line in result.diff)


def test_half_a_move_is_still_drift(frr: PlatformSpec) -> None:
    running = _set(INTENDED, 45, S)  # voice's first two sequences both on the secondary
    result = compare("chi-021", INTENDED, running, frr, checked_at="now", source="test", steered=STEERED)
    assert result.status is DriftStatus.DRIFT
