"""FRR-specific driver behaviour on the real test box: host-key checking, device-side state."""

from __future__ import annotations

import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import napalm
import pytest
from frr_testbox import INTERNET, PEER_WAN, FrrTestBox
from napalm.base import NetworkDriver
from napalm.base.exceptions import ConnectionClosedException, ConnectionException
from napalm_conformance import wait_for

from runbook_wan.lab import device

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("require_lab")]


def connect(box: FrrTestBox, **overrides: str) -> NetworkDriver:
    driver = napalm.get_network_driver("frr")(
        box.address, box.username, None, optional_args={**box.optional_args(), **overrides}
    )
    driver.open()
    return driver


def other_host_key(folder: Path) -> str:
    key = folder / "impostor"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    kind, blob = key.with_suffix(".pub").read_text().split()[:2]
    return f"{kind} {blob}"


@pytest.fixture
def restore(frr_driver: NetworkDriver) -> Iterator[NetworkDriver]:
    """Hands out the session driver and puts the box's config back afterwards."""
    initial = frr_driver.get_config(retrieve="running")["running"]
    yield frr_driver
    frr_driver.discard_config()
    if frr_driver.has_pending_commit():
        frr_driver.rollback()
    if frr_driver.get_config(retrieve="running")["running"] != initial:
        frr_driver.load_replace_candidate(config=initial)
        frr_driver.commit_config()


def test_host_missing_from_known_hosts_is_refused(frr_box: FrrTestBox, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(ConnectionException, match="unknown host key"):
        connect(frr_box, known_hosts_file=str(empty))


def test_changed_host_key_is_refused(frr_box: FrrTestBox, tmp_path: Path) -> None:
    wrong = tmp_path / "known_hosts"
    wrong.write_text(f"{frr_box.address} {other_host_key(tmp_path)}\n")
    with pytest.raises(ConnectionException, match="host key mismatch"):
        connect(frr_box, known_hosts_file=str(wrong))


def test_known_hosts_file_is_required(frr_box: FrrTestBox) -> None:
    driver = napalm.get_network_driver("frr")(
        frr_box.address, frr_box.username, None, optional_args={"key_file": str(frr_box.key_file)}
    )
    with pytest.raises(ConnectionException, match="known_hosts_file"):
        driver.open()
    assert driver.is_alive() == {"is_alive": False}


def test_unconfirmed_commit_stays_out_of_startup_until_confirmed(frr_box: FrrTestBox, restore: NetworkDriver) -> None:
    """A reboot during the confirm window must come back with the old config."""
    driver = restore
    initial = driver.get_config(retrieve="running")["running"]
    driver.load_merge_candidate(config="ip route 10.254.95.0/24 Null0\n")
    driver.commit_config(revert_in=120)
    assert "ip route 10.254.95.0/24 Null0" in driver.get_config(retrieve="running")["running"]
    assert "ip route 10.254.95.0/24 Null0" not in driver.get_config(retrieve="startup")["startup"]
    driver.confirm_commit()
    assert "ip route 10.254.95.0/24 Null0" in driver.get_config(retrieve="startup")["startup"]
    assert initial != driver.get_config(retrieve="running")["running"]


def test_device_work_files_are_private_and_candidates_cleaned_up(frr_box: FrrTestBox, restore: NetworkDriver) -> None:
    """Checkpoints hold secrets (BGP passwords), so the work dir is root-only; discard removes files."""
    driver = restore
    driver.load_merge_candidate(config="ip route 10.254.94.0/24 Null0\n")
    driver.commit_config()
    work_dir = frr_box.work_dir_on_host
    before = set(work_dir.glob("candidate-*"))  # other sessions' (e.g. a killed controller's) may exist
    driver.load_merge_candidate(config="ip route 10.254.93.0/24 Null0\n")
    assert stat.S_IMODE(work_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((work_dir / "rollback.conf").stat().st_mode) == 0o600
    assert len(set(work_dir.glob("candidate-*")) - before) == 1
    driver.discard_config()
    assert set(work_dir.glob("candidate-*")) == before


def test_bgp_neighbors_without_peers(restore: NetworkDriver) -> None:
    """With BGP configured but no neighbours, bgpd answers ``{}``; the getter returns no peers."""
    driver = restore
    without_peer = (
        "\n".join(
            line
            for line in driver.get_config(retrieve="running")["running"].splitlines()
            if f"neighbor {PEER_WAN}" not in line
        )
        + "\n"
    )
    driver.load_replace_candidate(config=without_peer)
    driver.commit_config()
    try:
        neighbors = driver.get_bgp_neighbors()
        assert all(not vrf["peers"] for vrf in neighbors.values())
        assert driver.get_route_to(destination=INTERNET, protocol="bgp") == {}
    finally:
        driver.rollback()
        # Later tests need the session: wait until it is back (hold time 9 s).
        assert wait_for(lambda: peer_is_up(driver), timeout=60, interval=0.5) is not None


def peer_is_up(driver: NetworkDriver) -> bool:
    peers = driver.get_bgp_neighbors().get("global", {}).get("peers", {})
    return bool(peers.get(PEER_WAN, {}).get("is_up")) and bool(driver.get_route_to(INTERNET, protocol="bgp"))


def test_commit_message_is_recorded_in_the_device_history(frr_box: FrrTestBox, restore: NetworkDriver) -> None:
    driver = restore
    driver.load_merge_candidate(config="ip route 10.254.92.0/24 Null0\n")
    driver.commit_config(message="change 42:\nadd a\tblackhole")
    history = (frr_box.work_dir_on_host / "history.log").read_text().splitlines()
    assert history[-1].endswith("mode=merge revert_in=0 change 42: add a blackhole")


def test_ping_until_reply_stops_at_the_first_reply(frr_driver: NetworkDriver) -> None:
    """The FRR driver's extension for health gates: one ping on the device, probing until a reply."""
    result = frr_driver.extensions.ping_until_reply(INTERNET, source="10.254.1.1", deadline=3)
    assert "success" in result, result
    stats = result["success"]
    assert stats["probes_sent"] - stats["packet_loss"] == 1  # exactly the first reply, then it stopped
    silent = frr_driver.extensions.ping_until_reply("203.0.113.77", source="10.254.1.1", deadline=1)
    assert "error" in silent or silent["success"]["packet_loss"] == silent["success"]["probes_sent"] >= 1


def test_confirm_and_rollback_stop_the_revert_timer(frr_box: FrrTestBox, restore: NetworkDriver) -> None:
    """The detached timer must not outlive its commit: confirm and rollback end its process group."""
    driver = restore
    pid_file = frr_box.work_dir_on_host / "pending.pid"
    for end in (driver.confirm_commit, driver.rollback):
        driver.load_merge_candidate(config="ip route 10.254.91.0/24 Null0\n")
        driver.commit_config(revert_in=120)
        pid = int(pid_file.read_text().split()[0])
        assert device.alive(pid), "no timer running after commit_config(revert_in=...)"
        end()

        def timer_gone(pid: int = pid) -> bool:
            return not device.alive(pid)

        assert wait_for(timer_gone, timeout=5, interval=0.1) is not None, end.__name__


def _ssh_ports_to(address: str) -> set[int]:
    """Local ports of this machine's established SSH connections to ``address``."""
    out = subprocess.run(
        ["ss", "-Htn", "state", "established", "dst", f"{address}:22"], capture_output=True, text=True, check=True
    ).stdout
    return {int(line.split()[2].rsplit(":", 1)[1]) for line in out.splitlines() if line.strip()}


def test_a_session_the_device_ends_is_reported_as_closed_by_the_device(frr_box: FrrTestBox) -> None:
    """The device's sshd ends our connection (its session process is killed): the next call says
    the device closed it, the NAPALM way (ConnectionClosedException), and reopening works."""
    before = _ssh_ports_to(frr_box.address)
    driver = connect(frr_box)
    try:
        (port,) = _ssh_ports_to(frr_box.address) - before
        sessions = subprocess.run(
            ["ip", "netns", "exec", frr_box.names.dut, "ss", "-Htnp", "state", "established", "sport", "= :22"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (line,) = [line for line in sessions.splitlines() if line.split()[3].endswith(f":{port}")]
        pid = int(line.split("pid=")[1].split(",")[0])
        subprocess.run(["kill", str(pid)], check=True)
        assert wait_for(lambda: driver.is_alive() == {"is_alive": False}, timeout=10) is not None
        with pytest.raises(ConnectionClosedException, match="the device closed the connection"):
            driver.get_facts()
        driver.open()
        assert driver.get_facts()["hostname"] == frr_box.hostname
    finally:
        driver.close()
