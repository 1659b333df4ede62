"""Sidecar files on the real FRR test box: committed, reverted and rolled back with the config.

The sidecar is what Runbook deploys beside an FRR config: an nftables ruleset applied with
``nft -f`` in the box's namespace (its check is ``nft -c -f``), and a policy file whose daemon is
sent SIGHUP through its pid file (here a shell that counts the signals it gets).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from frr_testbox import FrrTestBox
from napalm.base import NetworkDriver
from napalm.base.exceptions import CommitError, ReplaceConfigException
from napalm_conformance import running, wait_for

from napalm_frr.sidecars import SidecarFile

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("require_lab")]

TABLE = "napalm_frr_test"
NFT_PATH = "/etc/frr/test-sidecar.nft"
POLICY_PATH = "/etc/frr/test-policy.json"
PID_FILE = "/run/frr/test-daemon.pid"
ROUTE = "ip route 10.254.97.0/24 Null0"


def ruleset(mark: int) -> str:
    return (
        f"# test ruleset\ntable inet {TABLE}\ndelete table inet {TABLE}\ntable inet {TABLE} {{\n"
        "  chain prerouting {\n    type filter hook prerouting priority mangle; policy accept;\n"
        f'    iifname "lan0" ip dscp 46 meta mark set {hex(mark)}\n  }}\n}}\n'
    )


def nft_file(mark: int | None) -> SidecarFile:
    return SidecarFile(
        NFT_PATH,
        None if mark is None else ruleset(mark),
        check="nft -c -f {path}",
        apply="nft -f {path}",
        remove=f"nft delete table inet {TABLE}",
    )


def policy_file(text: str | None) -> SidecarFile:
    return SidecarFile(POLICY_PATH, text, signal=PID_FILE)


class Box:
    """The DUT's files and kernel state, seen from the host."""

    def __init__(self, box: FrrTestBox) -> None:
        self.box = box
        self.etc = Path("/etc/frr") / box.names.dut
        self.run = Path("/run/frr") / box.names.dut

    def file(self, device_path: str) -> Path:
        prefix = "/run/frr/" if device_path.startswith("/run/frr/") else "/etc/frr/"
        return (self.run if prefix == "/run/frr/" else self.etc) / device_path.removeprefix(prefix)

    def text(self, device_path: str) -> str | None:
        path = self.file(device_path)
        return path.read_text() if path.exists() else None

    def mark(self) -> int | None:
        """The mark the box's table sets now (None: no table)."""
        done = subprocess.run(
            ["ip", "netns", "exec", self.box.names.dut, "nft", "list", "table", "inet", TABLE],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            return None
        word = done.stdout.split("meta mark set ")[1].split()[0]
        return int(word, 16)

    @property
    def startup(self) -> str:
        return (self.etc / "frr.conf").read_text()


@pytest.fixture
def dut(frr_box: FrrTestBox) -> Box:
    return Box(frr_box)


@pytest.fixture
def hups(dut: Box) -> Iterator[Path]:
    """A daemon in the box's namespace that logs each SIGHUP; its pid file is PID_FILE."""
    log = dut.box.root / f"hups-{time.monotonic_ns()}.log"
    log.write_text("")
    script = f"trap 'echo hup >> {log}' HUP; while :; do sleep 0.2; done"
    # SIGHUP back to its default first: a shell cannot trap a signal ignored when it started (a suite
    # run under nohup would otherwise fail here, not the driver).
    command = ["ip", "netns", "exec", dut.box.names.dut, "env", "--default-signal=HUP", "sh", "-c", script]
    proc = subprocess.Popen(command)
    dut.file(PID_FILE).write_text(f"{proc.pid}\n")
    wait_for(lambda: Path(f"/proc/{proc.pid}").exists(), 5)
    time.sleep(0.3)  # the shell installs its trap
    try:
        yield log
    finally:
        proc.kill()
        proc.wait()
        dut.file(PID_FILE).unlink(missing_ok=True)


@pytest.fixture
def clean(frr_driver: NetworkDriver, dut: Box) -> Iterator[NetworkDriver]:
    """The session driver; afterwards the box's config is back and the sidecars are gone."""
    initial = running(frr_driver)
    yield frr_driver
    frr_driver.discard_config()
    if frr_driver.has_pending_commit():
        frr_driver.rollback()
    frr_driver.load_replace_candidate(config=initial)
    frr_driver.extensions.load_sidecars([nft_file(None), policy_file(None)])
    if frr_driver.compare_config().strip():
        frr_driver.commit_config()
    else:
        frr_driver.discard_config()
    assert dut.mark() is None and dut.text(NFT_PATH) is None and dut.text(POLICY_PATH) is None


def with_route(config: str) -> str:
    return config.replace("!\ninterface lan0", f"{ROUTE}\n!\ninterface lan0", 1)


def test_files_are_diffed_committed_and_confirmed_with_the_config(clean: NetworkDriver, dut: Box, hups: Path) -> None:
    driver = clean
    before = running(driver)
    driver.load_replace_candidate(config=with_route(before))
    driver.extensions.load_sidecars([nft_file(0x12E), policy_file('{"v": 1}\n')])
    diff = driver.compare_config()
    assert f"+{ROUTE}" in diff
    assert f"--- {NFT_PATH}\t(absent)\n+++ {NFT_PATH}\n" in diff and '+    iifname "lan0" ip dscp 46' in diff
    assert f'+++ {POLICY_PATH}\n@@ -0,0 +1 @@\n+{{"v": 1}}' in diff
    driver.commit_config(revert_in=60)
    assert driver.has_pending_commit()
    assert dut.mark() == 0x12E and dut.text(POLICY_PATH) == '{"v": 1}\n'
    assert wait_for(lambda: hups.read_text() == "hup\n", 5) is not None, "the daemon was not told"
    assert ROUTE not in dut.startup, "an unconfirmed commit reached the startup config"
    # nothing left to change: the same files compare clean
    driver.load_replace_candidate(config=with_route(before))
    driver.extensions.load_sidecars([nft_file(0x12E), policy_file('{"v": 1}\n')])
    assert driver.compare_config() == ""
    driver.discard_config()
    driver.confirm_commit()
    assert ROUTE in dut.startup and not driver.has_pending_commit()


def test_the_revert_timer_restores_the_files_and_the_startup_config(clean: NetworkDriver, dut: Box, hups: Path) -> None:
    driver = clean
    before, startup = running(driver), dut.startup
    driver.load_replace_candidate(config=with_route(before))
    driver.extensions.load_sidecars([nft_file(0x12E), policy_file('{"v": 1}\n')])
    driver.commit_config(revert_in=3)
    assert dut.mark() == 0x12E
    assert wait_for(lambda: not driver.has_pending_commit(), 20) is not None, "the timer did not revert"
    assert running(driver) == before
    assert dut.mark() is None and dut.text(NFT_PATH) is None, "the new ruleset survived the revert"
    assert dut.text(POLICY_PATH) is None
    assert dut.startup == startup, "frr-reload's save of the reverted config was not undone"
    heard = wait_for(lambda: hups.read_text() == "hup\nhup\n", 5)
    assert heard is not None, f"the daemon must hear of the commit and of the revert: {hups.read_text()!r}"


def test_rollback_after_confirm_restores_the_files_of_that_commit(clean: NetworkDriver, dut: Box) -> None:
    driver = clean
    before = running(driver)
    driver.load_replace_candidate(config=before)
    driver.extensions.load_sidecars([nft_file(0x12E)])
    driver.commit_config()  # plain commit: armed and confirmed at once
    assert dut.mark() == 0x12E
    driver.load_replace_candidate(config=with_route(before))
    driver.extensions.load_sidecars([nft_file(0x122)])
    driver.commit_config(revert_in=60)
    driver.confirm_commit()
    assert dut.mark() == 0x122 and ROUTE in dut.startup
    driver.rollback()
    assert dut.mark() == 0x12E, "rollback must bring the previous ruleset back"
    assert ROUTE not in running(driver) and ROUTE not in dut.startup


def test_a_file_the_device_refuses_is_refused_at_load_and_nothing_changes(clean: NetworkDriver, dut: Box) -> None:
    driver = clean
    before = running(driver)
    driver.load_replace_candidate(config=with_route(before))
    broken = SidecarFile(NFT_PATH, "table inet x {\n  chain c { type nonsense hook; }\n}\n", check="nft -c -f {path}")
    with pytest.raises(ReplaceConfigException, match=f"{NFT_PATH}: refused by"):
        driver.extensions.load_sidecars([broken])
    driver.discard_config()
    assert running(driver) == before and dut.text(NFT_PATH) is None


def test_a_file_whose_apply_fails_ends_the_commit_with_everything_as_before(
    clean: NetworkDriver, dut: Box, hups: Path
) -> None:
    driver = clean
    before = running(driver)
    driver.load_replace_candidate(config=before)
    driver.extensions.load_sidecars([nft_file(0x12E)])
    driver.commit_config()
    driver.load_replace_candidate(config=with_route(before))
    failing = SidecarFile(POLICY_PATH, '{"v": 2}\n', apply="false", signal=PID_FILE)
    driver.extensions.load_sidecars([nft_file(0x122), failing])
    with pytest.raises(CommitError, match="refused"):
        driver.commit_config(revert_in=60)
    assert not driver.has_pending_commit()
    assert running(driver) == before, "the config changed although a file was refused"
    assert dut.mark() == 0x12E and dut.text(POLICY_PATH) is None, "the files are not as before"


def test_confirm_saves_what_was_committed_not_what_runs_by_then(clean: NetworkDriver, dut: Box) -> None:
    """A daemon may change the running config at run time (the edge agent moves next hops);
    confirming a commit must not make its changes permanent."""
    driver = clean
    before = running(driver)
    driver.load_replace_candidate(config=with_route(before))
    driver.commit_config(revert_in=60)
    vtysh = ["ip", "netns", "exec", dut.box.names.dut, "vtysh", "-N", dut.box.names.dut]
    subprocess.run([*vtysh, "-c", "configure", "-c", "ip route 10.254.96.0/24 Null0"], check=True, capture_output=True)
    assert "ip route 10.254.96.0/24 Null0" in running(driver)
    driver.confirm_commit()
    assert ROUTE in dut.startup and "10.254.96.0/24" not in dut.startup
    driver.load_replace_candidate(config=with_route(before))
    driver.commit_config()  # takes the run-time route away again (the fixture restores the rest)
