"""Drift comparison on hand-built configs: normalisation, sections, line numbers, secrets, store, metric.

The device texts here are hand-built (shaped like FRR 8.4's ``show running-config no-header``);
the lab tests in ``tests/pane/`` read real devices.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Gauge, generate_latest

from runbook_wan.credentials.redact import Redactor
from runbook_wan.drift.compare import compare, compare_files, mask_unknown_secrets
from runbook_wan.drift.metric import export_drift
from runbook_wan.drift.model import DriftResult, DriftStatus
from runbook_wan.drift.normalize import comparable_lines
from runbook_wan.drift.output import exit_code, to_markdown
from runbook_wan.drift.store import DriftStore
from runbook_wan.model.loader import load_estate
from runbook_wan.model.platform import PlatformSpec, load_platforms
from runbook_wan.ops import metrics

INTENDED = """\
! runbook: t-001 (Test), platform frr
! Secrets appear as <secret:NAME> and are resolved only when the config is pushed.
frr defaults traditional
hostname t-001
!
router bgp 65001
 neighbor 100.64.0.2 remote-as 64501
 neighbor 100.64.0.2 password <secret:bgp-test>
 !
 address-family ipv4 unicast
  network 10.1.10.0/24
  network 10.255.0.1/32
 exit-address-family
exit
!
"""

RUNNING = """\
frr version 8.4.4
frr defaults traditional
hostname t-001
hostname vm
!
router bgp 65001
 neighbor 100.64.0.2 remote-as 64501
 neighbor 100.64.0.2 password Real-secret-value-1
 !
 address-family ipv4 unicast
  network 10.1.10.0/24
  network 10.255.0.1/32
 exit-address-family
exit
!
end
"""


@pytest.fixture(scope="module")
def frr() -> PlatformSpec:
    platforms, problems = load_platforms()
    assert problems == []
    return platforms["frr"]


def _redactor() -> Redactor:
    redactor = Redactor()
    redactor.add("bgp-test", "Real-secret-value-1")
    return redactor


def test_device_banners_comments_and_vtysh_hostname_are_not_drift(frr: PlatformSpec) -> None:
    assert comparable_lines(INTENDED, frr) == comparable_lines(_redactor().mask(RUNNING), frr)
    result = compare("t-001", INTENDED, _redactor().mask(RUNNING), frr, checked_at="now", source="test")
    assert result.status is DriftStatus.IN_SYNC and result.diff == []


def test_a_hand_added_line_is_reported_under_its_parent_section_with_config_line_numbers(frr: PlatformSpec) -> None:
    running = RUNNING.replace("  network 10.255.0.1/32\n", "  network 10.99.0.0/24\n  network 10.255.0.1/32\n")
    result = compare("t-001", INTENDED, _redactor().mask(running), frr, checked_at="now", source="test")
    assert result.status is DriftStatus.DRIFT
    assert (result.lines_added, result.lines_removed) == (1, 0)
    assert result.sections == ["router bgp 65001 › address-family ipv4 unicast"]
    assert "+  network 10.99.0.0/24" in result.diff
    # the header counts lines as in configs/<site>.cfg, comments included: context starts at line 10
    header = result.diff[0]
    assert header.startswith("@@ -10,4 +10,5 @@") and header.endswith(
        "router bgp 65001 › address-family ipv4 unicast"
    ), header


def test_a_removed_top_level_line_is_drift(frr: PlatformSpec) -> None:
    running = RUNNING.replace("frr defaults traditional\n", "")
    result = compare("t-001", INTENDED, _redactor().mask(running), frr, checked_at="now", source="test")
    assert result.status is DriftStatus.DRIFT and "-frr defaults traditional" in result.diff


def test_a_secret_typed_on_the_device_never_reaches_the_diff(frr: PlatformSpec) -> None:
    running = RUNNING.replace("Real-secret-value-1", "Hand-typed-on-device")
    sanitized = running.replace("password Hand-typed-on-device", "password <removed>")
    masked = mask_unknown_secrets(_redactor().mask(running), sanitized)
    result = compare("t-001", INTENDED, masked, frr, checked_at="now", source="test")
    text = "\n".join(result.diff)
    assert "Hand-typed-on-device" not in text
    assert "- neighbor 100.64.0.2 password <secret:bgp-test>" in result.diff
    assert "+ neighbor 100.64.0.2 password <removed>" in result.diff


def test_a_known_secret_keeps_its_token(frr: PlatformSpec) -> None:
    sanitized = RUNNING.replace("password Real-secret-value-1", "password <removed>")
    masked = mask_unknown_secrets(_redactor().mask(RUNNING), sanitized)
    assert "password <secret:bgp-test>" in masked


def test_store_keeps_the_latest_result_per_site_private(tmp_path: Path) -> None:
    store = DriftStore(tmp_path, _redactor())
    first = DriftResult("t-001", DriftStatus.DRIFT, "2026-01-01T00:00:00Z", diff=["+x Real-secret-value-1"])
    store.save(first)
    path = store.save(DriftResult("t-001", DriftStatus.IN_SYNC, "2026-01-01T00:05:00Z"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.load("t-001") == DriftResult("t-001", DriftStatus.IN_SYNC, "2026-01-01T00:05:00Z")
    store.save(first)
    assert "Real-secret-value-1" not in path.read_text()
    assert store.all()["t-001"].diff == ["+x <secret:bgp-test>"]


def test_exit_codes_unreachable_beats_drift_beats_sync() -> None:
    ok = DriftResult("a", DriftStatus.IN_SYNC, "t")
    drift = DriftResult("b", DriftStatus.DRIFT, "t")
    gone = DriftResult("c", DriftStatus.UNREACHABLE, "t", error="unreachable: refused")
    assert exit_code([ok]) == 0
    assert exit_code([ok, drift]) == 2
    assert exit_code([ok, drift, gone]) == 3
    assert "(c)" in to_markdown([ok, drift, gone]).splitlines()[2]


def test_config_drift_gauge(example_intents: Path) -> None:
    estate, _ = load_estate(example_intents)
    sites = estate.site_ids()[:3]
    registry = CollectorRegistry()
    gauge = Gauge(metrics.CONFIG_DRIFT, "drift", [metrics.SITE, metrics.REGION], registry=registry)
    export_drift(
        gauge,
        estate,
        [
            DriftResult(sites[0], DriftStatus.DRIFT, "t"),
            DriftResult(sites[1], DriftStatus.IN_SYNC, "t"),
            DriftResult(sites[2], DriftStatus.IN_SYNC, "t"),
        ],
    )
    export_drift(gauge, estate, [DriftResult(sites[2], DriftStatus.UNREACHABLE, "t")])
    text = generate_latest(registry).decode()
    region = estate.sites[sites[0]].region
    assert f'{metrics.CONFIG_DRIFT}{{region="{region}",site="{sites[0]}"}} 1.0' in text
    assert f'site="{sites[1]}"}} 0.0' in text
    assert f'site="{sites[2]}"' not in text  # unknown: no series rather than a false 0


# -- steering (hand-built: chi-021's rendered pbr-map and agent policy, with moves as the agent makes them)

REPO = Path(__file__).resolve().parents[2]
CONFIG = (REPO / "configs" / "chi-021.cfg").read_text(encoding="utf-8")
POLICY = (REPO / "configs" / "chi-021.agent.json").read_text(encoding="utf-8")


def _with_nexthops(config: str, moves: dict[int, str]) -> str:
    """``config`` with sequence -> next hop changed, as ``set nexthop`` in vtysh would leave it."""
    lines = config.splitlines(keepends=True)
    current = None
    for index, line in enumerate(lines):
        if line.startswith("pbr-map SDWAN seq "):
            current = int(line.split()[-1])
        elif current in moves and line.startswith(" set nexthop "):
            lines[index] = f" set nexthop {moves[current]}\n"
    return "".join(lines)


def _groups(name: str) -> list[list[int]]:
    """The sequences of each of a class's groups, from the agent policy."""
    classes = json.loads(POLICY)["classes"]
    return [[int(seq) for seq in g["sequences"]] for c in classes if c["name"] == name for g in c["groups"]]


PRIMARY, SECONDARY, WIRELESS = "100.64.255.1", "100.67.255.1", "100.69.255.1"


def _voice_on_secondary() -> dict[int, str]:
    moves: dict[int, str] = {}
    for group in _groups("voice"):
        moves.update(zip(group, [SECONDARY, PRIMARY, WIRELESS], strict=True))
    return moves


def test_the_agents_order_within_a_steering_group_is_not_drift_but_steered(frr: PlatformSpec) -> None:
    running = _with_nexthops(CONFIG, _voice_on_secondary())
    assert running != CONFIG
    result = compare("chi-021", CONFIG, running, frr, checked_at="t", source="drift", agent_policy=POLICY)
    assert result.status is DriftStatus.IN_SYNC, result.diff
    assert result.steered == [
        "class voice on secondary_dia (sequences 45/50/55)",
        "class voice on secondary_dia (sequences 75/80/85)",
    ]
    # without the policy (no agent) the same order is drift
    plain = compare("chi-021", CONFIG, running, frr, checked_at="t", source="drift")
    assert plain.status is DriftStatus.DRIFT and plain.steered == []


def test_any_other_next_hop_change_in_a_steering_group_is_drift(frr: PlatformSpec) -> None:
    # a next hop that is not one of the group's (the discard address), and a group half moved
    [first, _] = _groups("voice")
    odd = _with_nexthops(CONFIG, {first[0]: "100.127.255.254"})
    result = compare("chi-021", CONFIG, odd, frr, checked_at="t", source="drift", agent_policy=POLICY)
    assert result.status is DriftStatus.DRIFT and result.steered == []
    assert "+ set nexthop 100.127.255.254" in result.diff
    assert result.sections == [f"pbr-map SDWAN seq {first[0]}"]


def test_an_artifact_file_that_differs_on_the_device_is_drift_in_its_own_section(frr: PlatformSpec) -> None:
    nft = (REPO / "configs" / "chi-021.nft").read_text(encoding="utf-8")
    hunks = compare_files({".nft": nft, ".agent.json": POLICY}, {".nft": nft + "# by hand\n", ".agent.json": None})
    result = compare("chi-021", CONFIG, CONFIG, frr, checked_at="t", source="drift", agent_policy=POLICY, extra=hunks)
    assert result.status is DriftStatus.DRIFT
    assert "+# by hand" in result.diff
    assert any(line.startswith("-") and '"format": "runbook-agent-policy"' in line for line in result.diff)
    assert result.sections[0] == ".agent.json" and result.sections[-1] == ".nft"
