"""Management networks picked for labs beside other labs (``free_management_network``): a pick is
held, so labs that start at once never get the same network, and a pick whose process died or that
lapsed is free again. Real processes and the machine's real addresses; the reservations live in a
folder of the test's own, and the pool is one no lab uses."""

from __future__ import annotations

import ipaddress
import multiprocessing
import subprocess
import time
from pathlib import Path

import pytest

from runbook_wan.lab import mgmt_pool
from runbook_wan.lab.builder import free_management_network

POOL = "198.18.240.0/24"


@pytest.fixture(autouse=True)
def reservations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "reserved"
    monkeypatch.setattr(mgmt_pool, "RESERVED", folder)
    return folder


def _pick(_: object = None) -> str:
    return free_management_network(POOL, prefixlen=28)


def test_picks_in_a_row_get_different_networks_each_held_by_this_process(reservations: Path) -> None:
    first, second = _pick(), _pick()
    assert first == "198.18.240.0/28" and second == "198.18.240.16/28"
    assert sorted(p.name for p in reservations.iterdir() if p.name != ".lock") == [
        "198.18.240.0_28",
        "198.18.240.16_28",
    ]


def test_labs_starting_at_once_never_share_a_network() -> None:
    with multiprocessing.get_context("fork").Pool(6) as pool:
        picked = pool.map(_pick, range(6))
    assert len(set(picked)) == 6, picked
    assert all(ipaddress.IPv4Network(p).subnet_of(ipaddress.IPv4Network(POOL)) for p in picked)


def test_a_pick_whose_process_is_gone_or_that_lapsed_is_free_again(reservations: Path) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    reservations.mkdir()
    (reservations / "198.18.240.0_28").write_text(f"{gone.pid} {time.time():.3f}")
    assert _pick() == "198.18.240.0/28", "the picking process died: its network is free"
    (reservations / "198.18.240.16_28").write_text(f"1 {time.time() - mgmt_pool.HOLD_S - 1:.3f}")
    assert _pick() == "198.18.240.16/28", "held longer than HOLD_S: free again"
    assert _pick() == "198.18.240.32/28"
