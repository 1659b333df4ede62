"""``runbook-agent``: --check, the pid file, stale probes, and the daemon's life with signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from recorded_kit import POLICY, Clock, RecordedRunner, looped, read_text

from runbook_wan.agent.cli import Daemon, ExitCode, main, probes_file, running_agent, stop_stale_probes

SRC = Path(__file__).resolve().parents[2] / "src"


def test_check_describes_what_the_agent_would_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", "--policy", str(POLICY)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "circuit primary_dia: fping -I wan1 -S 100.64.0.85 100.64.255.1 every 100 ms, 10 s windows" in out
    assert "(3.20 kbit/s each way)" in out and "0.32 kbit/s each way), metered" in out
    assert "class guest: secondary_dia > primary_dia;" in out
    assert "hold 60 s, least bad by criteria_met, loss, latency, jitter, path_order" in out


def test_check_reports_a_bad_file_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "runbook-agent.json"
    bad.write_text(json.dumps({"format": "runbook-agent-policy", "version": 1}))
    assert main(["--check", "--policy", str(bad)]) == ExitCode.ERROR
    err = capsys.readouterr().err.splitlines()
    assert f"error: {bad}: site: missing" in err and f"error: {bad}: circuits: missing" in err


def test_a_second_agent_refuses_to_start(tmp_path: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "runbook-agent"])
    try:
        deadline = time.monotonic() + 10
        while b"runbook-agent" not in Path(f"/proc/{other.pid}/cmdline").read_bytes() and time.monotonic() < deadline:
            time.sleep(0.01)  # until the child has exec'd
        pid_file = tmp_path / "runbook-agent.pid"
        pid_file.write_text(f"{other.pid}\n")
        assert running_agent(pid_file) == other.pid
        assert main(["--pid-file", str(pid_file), "--policy", str(tmp_path / "none.json")]) == ExitCode.RUNNING
        pid_file.write_text("999999\n")
        assert running_agent(pid_file) is None, "a stale pid file does not block"
    finally:
        other.kill()
        other.wait()


def test_probes_a_killed_agent_left_are_stopped_and_nothing_else(tmp_path: Path) -> None:
    pid_file = tmp_path / "runbook-agent.pid"
    left = subprocess.Popen(["sleep", "60"])
    unrelated = subprocess.Popen(["sleep", "61"])
    try:
        probes_file(pid_file).write_text(f"{left.pid} sleep 60\n{unrelated.pid} fping -l 10.0.0.1\n")
        assert stop_stale_probes(pid_file) == 1
        assert left.wait(timeout=5) == -signal.SIGTERM
        assert unrelated.poll() is None, "a pid whose command line changed is not ours"
        assert not probes_file(pid_file).exists()
    finally:
        for proc in (left, unrelated):
            proc.kill()
            proc.wait()


def _daemon(tmp_path: Path) -> tuple[Daemon, Clock, RecordedRunner, Path]:
    clock = Clock()
    runner = RecordedRunner(
        clock,
        {
            "wan1": [(looped("fping-primary-clean.txt", 60), False)],
            "wan2": [(looped("fping-primary-clean.txt", 60), False)],
            "lte0": [(looped("fping-wireless-5g.txt", 60), False)],
        },
        reads=[read_text("vtysh-chi-021-rendered-order.txt")],
    )
    policy = tmp_path / "runbook-agent.json"
    daemon = Daemon(policy, tmp_path / "runbook-agent.pid", runner, clock, wall=lambda: 1.8e9 + clock())
    return daemon, clock, runner, policy


def test_recorded_daemon_idles_without_a_policy_and_starts_on_reload(tmp_path: Path) -> None:
    daemon, _clock, runner, policy = _daemon(tmp_path)
    daemon.step()
    assert runner.spawned == [], "no policy: no probes, nothing touched"
    assert daemon.collector.snapshot.site is None
    doc = json.loads(POLICY.read_text())
    doc["metrics"] = None
    policy.write_text(json.dumps(doc))
    daemon.request_reload()
    daemon.step()
    assert daemon.agent is not None and len(runner.spawned) == 3
    assert daemon.collector.snapshot.site == "chi-021"


def test_recorded_daemon_keeps_its_policy_when_the_new_file_is_bad(tmp_path: Path) -> None:
    daemon, _clock, runner, policy = _daemon(tmp_path)
    policy.write_text(POLICY.read_text())
    daemon.step()
    assert daemon.agent is not None
    digest, reads = daemon.agent.policy.digest, runner.read_calls
    policy.write_text("{not json")
    daemon.request_reload()
    daemon.step()
    assert daemon.agent.policy.digest == digest and len(runner.spawned) == 3
    policy.write_text(POLICY.read_text())
    daemon.request_reload()
    daemon.step()
    assert len(runner.spawned) == 3, "same digest: the agent goes on, probes are not restarted"
    assert runner.read_calls > reads, "a SIGHUP re-reads FRR (a deploy may have reset the pbr-map)"
    daemon.shutdown()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_real_daemon_idles_loads_on_sighup_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    """A real process with real fping (its interfaces do not exist here, so the circuits breach)
    and real vtysh (no FRR instance answers, so no class is placed and nothing is moved)."""
    policy, pid_file, log = tmp_path / "runbook-agent.json", tmp_path / "runbook-agent.pid", tmp_path / "agent.log"
    env = os.environ | {"PYTHONPATH": str(SRC)}
    argv = [sys.executable, "-m", "runbook_wan.agent", "--policy", str(policy), "--pid-file", str(pid_file)]
    proc = subprocess.Popen([*argv, "--log-file", str(log), "--pathspace", "rbt-no-such-instance"], env=env)
    try:
        deadline = time.monotonic() + 20
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pid_file.read_text().strip() == str(proc.pid)
        doc = json.loads(POLICY.read_text())
        port = _free_port()
        doc["metrics"] = {"interface": "lo", "port": port}
        policy.write_text(json.dumps(doc))
        os.kill(proc.pid, signal.SIGHUP)
        state = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/state", timeout=2) as answer:
                    state = json.loads(answer.read())
                break
            except OSError:
                time.sleep(0.2)
        assert state is not None and state["site"] == "chi-021"
        assert state["classes"]["voice"]["circuit"] is None, "FRR did not answer: nothing placed, nothing moved"
        assert probes_file(pid_file).exists(), "the agent records its probes (none may be left: no such interfaces)"
        probes = [int(line.split()[0]) for line in probes_file(pid_file).read_text().splitlines() if line.strip()]
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert not pid_file.exists() and not probes_file(pid_file).exists()
        for pid in probes:
            assert not Path(f"/proc/{pid}").exists() or "fping" not in Path(f"/proc/{pid}/cmdline").read_text()
        text = log.read_text()
        assert "running policy sha256:" in text and "stopped" in text
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
