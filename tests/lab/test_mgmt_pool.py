"""Management networks picked for labs beside other labs (``free_management_network``): a pick is
held, so labs that start at once never get the same network, and a pick whose process died or that
lapsed is free again. Real processes and the machine's real addresses; the reservations live in a
folder of the test's own, and the pool is one no lab uses."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runbook_wan.lab import mgmt_pool
from runbook_wan.lab.builder import free_management_network

POOL = "198.18.240.0/24"
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(autouse=True)
def reservations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "reserved"
    monkeypatch.setattr(mgmt_pool, "RESERVED", folder)
    return folder


def _pick() -> str:
    return free_management_network(POOL, prefixlen=28)


def test_picks_in_a_row_get_different_networks_each_held_by_this_process(reservations: Path) -> None:
    first, second = _pick(), _pick()
    assert first == "198.18.240.0/28" and second == "198.18.240.16/28"
    assert sorted(p.name for p in reservations.iterdir() if p.name != ".lock") == [
        "198.18.240.0_28",
        "198.18.240.16_28",
    ]


#: One process picking, as a lab of its own would: it waits for the go file, picks, says what, and
#: lives on (as a lab being built does: a pick is held while its process lives).
_PICKER = """
import sys, time
from pathlib import Path
from runbook_wan.lab import mgmt_pool
from runbook_wan.lab.builder import free_management_network
mgmt_pool.RESERVED = Path(sys.argv[1])
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
print(free_management_network(sys.argv[3], prefixlen=28), flush=True)
time.sleep(60)
"""


def test_labs_starting_at_once_never_share_a_network(reservations: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    argv = [sys.executable, "-c", _PICKER, str(reservations), str(go), POOL]
    pickers = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env) for _ in range(6)]
    try:
        time.sleep(1.0)  # every interpreter is up and waiting
        go.touch()
        picked = [p.stdout.readline().strip() if p.stdout else "" for p in pickers]
    finally:
        for p in pickers:
            p.kill()
            p.wait()
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
