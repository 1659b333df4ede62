"""A site's SSH is cut in the middle of its commit (nftables drop on its management address).

The real FRR lab, one site (chi-021), day-0 config, the driver's classic ``apply: frr-reload``
cycle. Its ``frr-reload.py`` is wrapped so the commit's apply step signals when it starts and takes
a few seconds: the cut lands inside the
commit, deterministically. The commit itself completes on the device (its revert timer armed),
but the controller never hears back. Then:

The site is first deployed normally; each test then pushes a small change (the BFD interval), so
the commit and its rollback are quick even on a loaded machine.

* the cut is lifted after a few seconds: the deploy reconnects, finds the pending commit, rolls
  it back and verifies it -- the report says ``rolled_back`` and the device runs its old config;
* the cut outlasts the deploy's reconnect window: the report says ``revert_pending`` (exit 6),
  never "rolled back"; once its timer is due the device runs its old config again.

Either way: the site ends on its old config (or its new verified one) and the report says which.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from agentorder import as_before

from runbook_wan.lab.api import Lab
from runbook_wan.lab.builder import free_management_network
from runbook_wan.lab.teardown import down

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[2]
SITE = "chi-021"
TAG = os.environ.get("RUNBOOK_TEST_LAB_TAG", "")
PREFIX = "rbtf" + TAG
NFT_TABLE = f"rbtf{TAG}_cut"
SECRETS = {"RUNBOOK_SECRET_BGP_FIBRELINK": "Known-BGP-secret-4242", "RUNBOOK_SECRET_BGP_METROFIBER": "Mf-secret-4242"}
#: Driver timeout (s): how long the controller waits for a silent command before calling it lost.
TIMEOUT = 15
REVERT_IN = 45
SLOW_RELOAD = """#!/bin/sh
# The first "--reload" after ARM appears (the commit's apply) marks STARTED and takes 4 s more.
dir=$(dirname "$0")
if [ "$1" = "--reload" ] && rm "$dir/ARM" 2>/dev/null; then
    touch "$dir/STARTED"
    sleep 4
fi
exec /usr/lib/frr/frr-reload.py "$@"
"""


@dataclass
class CutLab:
    root: Path
    lab: Lab

    @property
    def state(self) -> Path:
        return self.root / "state"

    def running(self) -> str:
        text = self.lab.vtysh(SITE, "show running-config")  # through the netns, not SSH
        assert text is not None, "FRR does not answer"
        return text

    def set_interval(self, interval_ms: int) -> None:
        defaults = self.root / "intents" / "defaults.yaml"
        text = defaults.read_text()
        updated = re.sub(r"interval_ms: \d+", f"interval_ms: {interval_ms}", text, count=1)
        assert updated != text or f"interval_ms: {interval_ms}" in text
        defaults.write_text(updated)

    def deploy(self, report: Path, *, slow: bool) -> subprocess.Popen[str]:
        for marker in ("STARTED", "ARM"):
            (self.root / marker).unlink(missing_ok=True)
        if slow:
            (self.root / "ARM").touch()
        command = [
            sys.executable,
            str(REPO / "runbook.py"),
            "--no-color",
            "--state",
            str(self.state),
            "deploy",
            "--intents",
            str(self.root / "intents"),
            "--inventory",
            str(self.root / "inventory"),
            "--limit",
            SITE,
            "--yes",
            "--gate-timeout",
            "10",
            "--revert-in",
            str(REVERT_IN),
            "--report",
            str(report),
        ]
        # This checkout's driver too (runbook.py puts only src/ first; napalm_frr is its own distribution).
        path = os.pathsep.join([str(REPO / "src"), str(REPO / "napalm_frr" / "src"), os.environ.get("PYTHONPATH", "")])
        return subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **SECRETS, "PYTHONPATH": path},
        )

    def deploy_with_cut(self, cut_seconds: float | None) -> tuple[int, str, dict[str, object]]:
        """Deploy; when the commit's apply starts, drop the site's SSH for ``cut_seconds`` (None:
        until the deploy has finished). Returns exit code, output and the site's report entry."""
        report = self.root / f"report-{time.monotonic_ns()}.json"
        proc = self.deploy(report, slow=True)
        try:
            deadline = time.monotonic() + 120
            while not (self.root / "STARTED").exists():
                assert time.monotonic() < deadline and proc.poll() is None, "the commit never started"
                time.sleep(0.05)
            _cut(self.lab.management_address(SITE))
            if cut_seconds is not None:
                time.sleep(cut_seconds)
                _mend()
            output, _ = proc.communicate(timeout=240)
        finally:
            _mend()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        data = json.loads(report.read_text())
        (site,) = data["sites"]
        return proc.returncode, output, site


def _nft(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["nft", *args], capture_output=True, text=True, check=False)


def _cut(address: str) -> None:
    _nft("add", "table", "inet", NFT_TABLE)
    _nft("add", "chain", "inet", NFT_TABLE, "out", "{ type filter hook output priority -5 ; }")
    _nft("add", "chain", "inet", NFT_TABLE, "in", "{ type filter hook input priority -5 ; }")
    assert _nft("add", "rule", "inet", NFT_TABLE, "out", "ip", "daddr", address, "drop").returncode == 0
    assert _nft("add", "rule", "inet", NFT_TABLE, "in", "ip", "saddr", address, "drop").returncode == 0


def _mend() -> None:
    _nft("delete", "table", "inet", NFT_TABLE)


@pytest.fixture(scope="module")
def cut_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CutLab]:
    if os.geteuid() != 0 or not Path("/usr/lib/frr/zebra").exists() or shutil.which("nft") is None:
        pytest.fail("this test needs root, FRR and nftables (CI has all three)")
    root = tmp_path_factory.mktemp("cut")
    shutil.copytree(REPO / "intents", root / "intents")
    shutil.copytree(REPO / "inventory", root / "inventory", ignore=shutil.ignore_patterns("*.py", "hosts.yaml"))
    wrapper = root / "slow-reload.sh"
    wrapper.write_text(SLOW_RELOAD)
    wrapper.chmod(0o755)
    (root / "inventory" / "groups.yaml").write_text(
        "frr:\n  connection_options:\n    napalm:\n      extras:\n"
        f"        timeout: {TIMEOUT}\n        optional_args:\n          frr_reload: {wrapper}\n"
        # The classic apply runs frr-reload.py on the device, where the wrapper marks it; the
        # lean apply's lost-controller path is tested in tests/driver/test_lean_apply.py.
        "          apply: frr-reload\n"
    )
    saved = {k: os.environ.get(k) for k in SECRETS}
    os.environ.update(SECRETS)
    _mend()
    down(root / "state", PREFIX)
    try:
        lab = Lab.up(
            root / "intents",
            root / "state",
            prefix=PREFIX,
            limit=SITE,
            inventory_dir=root / "inventory",
            management_network=free_management_network(prefixlen=24),
        )
        env = CutLab(root, lab)
        proc = env.deploy(root / "first.json", slow=False)  # day-0 -> the intended config, no cut
        output, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, output
        yield env
    finally:
        _mend()
        down(root / "state", PREFIX)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _step_statuses(site: dict[str, object]) -> dict[str, str]:
    return {str(s["name"]): str(s["status"]) for s in site["steps"]}  # type: ignore[attr-defined]


def _story(site: dict[str, object]) -> str:
    """The site's outcome, reason and steps, for assertion messages."""
    steps = "; ".join(f"{s['name']} {s['status']} {s['detail'][:120]}" for s in site["steps"])  # type: ignore[attr-defined]
    return f"{site['outcome']}: {site['reason']} | steps: {steps}"


def test_1_cut_mid_commit_then_back_the_pending_commit_is_rolled_back_and_verified(cut_lab: CutLab) -> None:
    before = cut_lab.running()
    assert "transmit-interval 500" in before
    cut_lab.set_interval(400)
    code, output, site = cut_lab.deploy_with_cut(cut_seconds=TIMEOUT + 4)
    steps = _step_statuses(site)
    assert steps["commit"] == "error", f"the cut did not land in the commit: {_story(site)}"
    assert steps["reconnect"] == "success" and steps["rollback"] == "success", _story(site)
    assert site["outcome"] == "rolled_back", site["reason"]
    assert "connection lost during commit" in str(site["reason"])
    assert "old config restored and verified" in str(site["reason"])
    assert site["status"] == "error" and site["hint"]
    assert code == 4, output  # the canary failed: halted
    assert "Traceback" not in output
    assert as_before(cut_lab.lab, SITE, before) == before  # the report is right: the old config


def test_2_cut_outlasting_the_deploy_is_revert_pending_and_the_device_reverts(cut_lab: CutLab) -> None:
    before = cut_lab.running()
    assert "transmit-interval 500" in before
    cut_lab.set_interval(350)
    started = time.monotonic()
    code, output, site = cut_lab.deploy_with_cut(cut_seconds=None)
    assert code == 6, output  # REVERT_PENDING wins over halted
    assert site["outcome"] == "revert_pending", site["reason"]
    assert "rolled back" not in str(site["reason"]) and "rolled_back" not in str(site["reason"])
    assert "revert pending: the device restores its old config within" in str(site["reason"])
    assert _step_statuses(site)["reconnect"] == "error"
    # the commit did apply on the device: while its timer runs it holds the new config...
    assert "transmit-interval 350" in cut_lab.running()
    # ...and when the timer is due the device restores the old config by itself
    deadline = started + REVERT_IN + 60
    while as_before(cut_lab.lab, SITE, before) != before and time.monotonic() < deadline:
        time.sleep(1)
    assert as_before(cut_lab.lab, SITE, before) == before
