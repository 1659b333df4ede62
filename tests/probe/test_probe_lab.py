"""``runbook.py probe --once`` against the real lab: a blackholed circuit stops answering, and only
because the echoes are hop-limited (a plain ping still gets through the other circuits)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))
from labkit import derive_intents

from runbook_wan import cli as runbook
from runbook_wan.lab.api import Lab
from runbook_wan.lab.builder import free_management_network
from runbook_wan.lab.teardown import down

pytestmark = pytest.mark.lab
REPO = Path(__file__).resolve().parents[2]
PREFIX = "rbp" + os.environ.get("RUNBOOK_TEST_LAB_TAG", "")
SITE = "sea-001"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path, Path]]:
    if os.geteuid() != 0 or not Path("/usr/lib/frr/zebra").exists():
        pytest.fail("probe lab tests need root and FRR (CI has both); set RUNBOOK_SKIP_LAB=1 to deselect locally")
    root = tmp_path_factory.mktemp("probe")
    intents = derive_intents(root / "intents", (SITE,), free_management_network(prefixlen=24))
    state = root / "state"
    assert (
        runbook.main(["--state", str(state), "render", "--intents", str(intents), "--configs", str(root / "configs")])
        == 0
    )
    down(state, PREFIX)
    try:
        yield (
            Lab.up(intents, state, prefix=PREFIX, configs=root / "configs", inventory_dir=root / "inventory"),
            intents,
            state,
        )
    finally:
        down(state, PREFIX)


def _probe(intents: Path, state: Path) -> tuple[int, dict[str, dict[str, object]]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = runbook.main(["--state", str(state), "probe", "--once", "--intents", str(intents), "--format", "json"])
    return code, {row["what"]: row for row in json.loads(out.getvalue())}


def test_probe_sees_a_blackholed_circuit_that_a_plain_ping_does_not(lab: tuple[Lab, Path, Path]) -> None:
    the_lab, intents, state = lab
    # Right after boot, BGP and BFD may still be coming up on a loaded machine: wait until one
    # probe cycle sees every circuit and target answer (the LTE relay loses ~1 % by design).
    deadline = time.monotonic() + 90
    while True:
        code, rows = _probe(intents, state)
        answered = {k: int(r["received"]) > 0 for k, r in rows.items()}  # type: ignore[call-overload]
        if (code == 0 and all(answered.values())) or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert code == 0, rows
    assert answered == dict.fromkeys(("primary_dia", "secondary_dia", "tertiary_wireless", "hub", "saas"), True)
    tracking = the_lab.topology.providers["fibrelink"].tracking_address
    the_lab.fail(SITE, "primary_dia", mode="blackhole")
    try:
        # BFD moves the site's default route to the secondary within seconds; then measure.
        assert the_lab.reaches(SITE, "users", the_lab.topology.internet.hub, timeout=30) is not None
        code, rows = _probe(intents, state)
        assert code == 3
        assert rows["primary_dia"]["received"] == 0 and rows["primary_dia"]["loss"] == 1.0
        assert rows["secondary_dia"]["received"] > 0 and rows["hub"]["received"] > 0  # type: ignore[operator]
        # Without the hop limit the tracking address still answers, through another provider.
        assert the_lab.ping(SITE, "users", tracking, count=3).ok
    finally:
        the_lab.restore(SITE, "primary_dia", wait=90)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _metrics(url: str) -> str:
    try:
        return httpx.get(url, timeout=5).text
    except httpx.HTTPError:
        return ""


def _wait_for(url: str, pattern: str, timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = _metrics(url)
        if re.search(pattern, text, re.MULTILINE):
            return text
        time.sleep(0.5)
    raise AssertionError(f"{pattern!r} not in the probe's metrics after {timeout:g} s:\n{text[-2000:]}")


def test_the_agent_exports_config_drift_and_change_lead_time(lab: tuple[Lab, Path, Path]) -> None:
    """The probe runs the drift check and the lead-time count on its own timers (ConfigDrift, ChangeOverdue)."""
    the_lab, intents, state = lab
    root = intents.parent
    port = free_port()
    argv = [sys.executable, str(REPO / "runbook.py"), "--state", str(state), "probe", "--intents", str(intents)]
    argv += ["--configs", str(root / "configs"), "--inventory", str(root / "inventory")]
    argv += ["--listen", f"127.0.0.1:{port}", "--device-interval", "0"]
    argv += ["--drift-interval", "2", "--lead-time-interval", "1"]
    url = f"http://127.0.0.1:{port}/metrics"
    agent = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    changed = False
    try:
        _wait_for(url, rf'^runbook_config_drift{{region="\w+",site="{SITE}"}} 0\.0$')
        _wait_for(url, r"^runbook_change_open_seconds [0-9.e+]+$")
        the_lab.configure(SITE, "ip prefix-list RB-HAND-MADE seq 5 permit 10.250.0.0/24")
        changed = True
        _wait_for(url, rf'^runbook_config_drift{{region="\w+",site="{SITE}"}} 1\.0$')
    finally:
        if changed:
            the_lab.configure(SITE, "no ip prefix-list RB-HAND-MADE")
        agent.terminate()
        _, err = agent.communicate(timeout=30)
    assert "Traceback" not in err, err[-2000:]
