"""Deploy against the real FRR lab: waves, idempotency, --check, halts, faults, resume, lock, secrets.

Order matters: the tests share one lab (see conftest.py) and each starts from the state the
previous one left, exactly as an operator's successive rollouts would.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from agentorder import as_before
from conftest import REPO, SECRET, SITES, RolloutLab

from runbook_wan.rollout.journal import read_journal

pytestmark = pytest.mark.lab

GATE = ["--gate-timeout", "20", "--revert-in", "40"]
#: The rollout-mechanics tests change every site of this 5-site estate at once on purpose: wider than
#: the example estate's blast-radius gate (estate.change_policy), so they say so, with a reason.
WIDE = ["--allow-wide-change", "rollout mechanics test: every site on purpose"]


def _report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {s["site"]: s["outcome"] for s in report["sites"]}


def _snapshot(env: RolloutLab) -> dict[str, str]:
    return {site: env.running(site) for site in SITES}


def _now_as_before(env: RolloutLab, before: dict[str, str]) -> dict[str, str]:
    """Each site's running config now, any class its edge agent moved since in ``before``'s order (agentorder.py)."""
    return {site: as_before(env.lab, site, before[site]) for site in SITES}


def test_01_first_rollout_deploys_day0_sites_canary_first(rollout_lab: RolloutLab) -> None:
    env = rollout_lab
    assert "router bgp" not in env.running("chi-021")  # day-0: nothing but the base
    report = env.root / "first.json"
    code, out = env.deploy("--canary", "1", "--wave-size", "2", "--report", str(report), *GATE)
    assert code == 0, out
    data = _report(report)
    assert data["waves"] == [["atl-061"], ["chi-021", "mke-022"], ["nyc-041", "sea-001"]]
    assert set(_outcomes(data).values()) == {"changed"}
    code, out = env.cli("verify", "--intents", str(env.intents), "--inventory", str(env.inventory), "--format", "json")
    assert code == 0, out
    health = json.loads(out[out.index("{") :])
    assert health["summary"]["up"] == 5 and health["summary"]["healthy"] == 5


def _in_netns(env: RolloutLab, site: str, *argv: str) -> str:
    argv = ("ip", "netns", "exec", env.lab.netns(site), *argv)
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else ""


def _device_file(env: RolloutLab, site: str, name: str) -> str | None:
    """A file of the site's FRR folder as the device sees it (/etc/frr/<name>)."""
    path = Path("/etc/frr") / env.lab.netns(site) / name
    return path.read_text() if path.is_file() else None


def test_01b_dscp_is_enforced_by_the_deployed_classifier_as_fwmark_rules(rollout_lab: RolloutLab) -> None:
    """After the first rollout each FRR site runs its nftables classifier, and pbrd installed the
    DSCP classes' `match mark` sequences as fwmark FIB rules on every LAN interface."""
    env = rollout_lab
    for site in SITES:
        table = _in_netns(env, site, "nft", "list", "table", "inet", "runbook_sdwan")
        assert "ip dscp ef meta mark set 0x0000012e" in table, site  # voice (EF) -> mark 0x12e
        assert "type filter hook prerouting priority mangle" in table
        rules = _in_netns(env, site, "ip", "rule", "show")
        lans = {lan.site_if for lan in env.lab.topology.sites[site].lans}
        marked = {line.split(" iif ")[1].split()[0] for line in rules.splitlines() if "fwmark 0x12e iif" in line}
        assert marked == lans, f"{site}: EF is policy-routed on {marked}, not on every LAN {lans}"
        policy = json.loads(_device_file(env, site, "runbook-agent.json") or "{}")
        assert policy.get("site") == site and policy.get("format") == "runbook-agent-policy"


def test_02_second_rollout_changes_nothing(rollout_lab: RolloutLab) -> None:
    env = rollout_lab
    report = env.root / "second.json"
    code, out = env.deploy("--report", str(report), *GATE)
    assert code == 0, out
    assert set(_outcomes(_report(report)).values()) == {"unchanged"}


def test_03_check_shows_device_diffs_and_commits_nothing(rollout_lab: RolloutLab) -> None:
    env = rollout_lab
    env.edit("defaults.yaml", r"interval_ms: 500", "interval_ms: 400")
    before = _snapshot(env)
    code, out = env.deploy("--check", *GATE)
    assert code == 2, out  # changes pending
    assert out.count("device diff against running") == 5
    assert "transmit-interval 400" in out
    assert _now_as_before(env, before) == before


def test_04_bad_change_stops_at_the_canary(rollout_lab: RolloutLab) -> None:
    """Valid intents that break every primary circuit (the provider edges' ASN is wrong)."""
    env = rollout_lab
    env.reset_intents()
    env.edit("providers/fibrelink.yaml", r"^asn: 64501", "asn: 64599")
    env.edit("providers/metrofiber.yaml", r"^asn: 64502", "asn: 64598")
    before = _snapshot(env)
    report = env.root / "bad.json"
    code, out = env.deploy("--report", str(report), "--canary", "1", "--wave-size", "2", *GATE, *WIDE)
    assert code == 4, out  # halted
    data = _report(report)
    outcomes = _outcomes(data)
    assert outcomes == {
        "atl-061": "rolled_back",
        "chi-021": "not_started",
        "mke-022": "not_started",
        "nyc-041": "not_started",
        "sea-001": "not_started",
    }
    canary = next(s for s in data["sites"] if s["site"] == "atl-061")
    assert "primary_dia" in canary["reason"] and "old config restored and verified" in canary["reason"]
    assert canary["gate"]["circuits"]["primary_dia"]["bgp"]["status"] == "failure"
    assert "HALTED: canary had 1 failure(s)" in out
    assert _now_as_before(env, before) == before  # the canary is back on its old config, the rest untouched


def test_05_unreachable_device_is_reported_and_the_rest_follows_the_threshold(rollout_lab: RolloutLab) -> None:
    env = rollout_lab
    env.reset_intents()
    env.edit("defaults.yaml", r"interval_ms: 500", "interval_ms: 400")
    hosts = env.inventory / "hosts.yaml"
    original = hosts.read_text()
    data = yaml.safe_load(original)
    data["hosts"]["mke-022"]["port"] = 2  # nothing listens there: connection refused
    hosts.write_text(yaml.safe_dump(data))
    try:
        report = env.root / "unreachable.json"
        code, out = env.deploy("--report", str(report), "--wave-size", "4", "--max-failures", "1", *GATE, *WIDE)
    finally:
        hosts.write_text(original)
    assert code == 3, out  # finished, with a failed site
    data = _report(report)
    outcomes = _outcomes(data)
    assert outcomes.pop("mke-022") == "failed"
    assert set(outcomes.values()) == {"changed"}
    mke = next(s for s in data["sites"] if s["site"] == "mke-022")
    assert mke["reason"].startswith("unreachable: connect:") and "the device was not changed" in mke["reason"]
    assert "transmit-interval 500" in env.running("mke-022")


def test_06_link_flap_mid_wave_is_reported_truthfully(rollout_lab: RolloutLab) -> None:
    """sea-001's primary link drops right after its commit: its gate fails, it is rolled back and
    verified; every other site in the wave still ends verified."""
    env = rollout_lab
    env.reset_intents()
    env.edit("defaults.yaml", r"interval_ms: 500", "interval_ms: 350")
    journal_glob = env.state / "rollouts"
    seen_before = {p.name for p in journal_glob.glob("*")}
    flapped = threading.Event()

    def flap() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not flapped.is_set():
            for folder in journal_glob.glob("*"):
                if folder.name in seen_before:
                    continue
                for record in read_journal(folder / "journal.jsonl"):
                    if record.get("site") == "sea-001" and record.get("step") == "commit":
                        env.lab.fail("sea-001", "primary_dia", mode="link")
                        flapped.set()
                        return
            time.sleep(0.05)

    watcher = threading.Thread(target=flap, daemon=True)
    watcher.start()
    report = env.root / "flap.json"
    try:
        code, out = env.deploy("--report", str(report), "--wave-size", "4", "--max-failures", "1", *GATE, *WIDE)
    finally:
        watcher.join(timeout=5)
        env.lab.restore("sea-001", "primary_dia", wait=60)
    assert flapped.is_set(), "the fault was never injected"
    assert code == 3, out
    data = _report(report)
    outcomes = _outcomes(data)
    assert outcomes.pop("sea-001") == "rolled_back"
    assert set(outcomes.values()) == {"changed"}
    sea = next(s for s in data["sites"] if s["site"] == "sea-001")
    assert "health gate failed: primary_dia" in sea["reason"]
    assert "old config restored and verified" in sea["reason"]
    assert "transmit-interval 400" in env.running("sea-001")


def test_07_killed_controller_device_reverts_and_resume_finishes(rollout_lab: RolloutLab) -> None:
    env = rollout_lab
    env.reset_intents()
    env.edit("defaults.yaml", r"interval_ms: 500", "interval_ms: 450")
    revert_in = 25
    rollouts = env.state / "rollouts"
    seen_before = {p.name for p in rollouts.glob("*")}
    proc = subprocess.Popen(
        [
            *env.python_cli(),
            "deploy",
            "--intents",
            str(env.intents),
            "--inventory",
            str(env.inventory),
            "--yes",
            "--canary",
            "1",
            "--wave-size",
            "4",
            "--gate-timeout",
            "10",
            "--revert-in",
            str(revert_in),
            *WIDE,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    committed: str | None = None
    rollout_id = ""
    deadline = time.monotonic() + 120
    try:
        while committed is None and time.monotonic() < deadline and proc.poll() is None:
            for folder in rollouts.glob("*"):
                if folder.name in seen_before:
                    continue
                rollout_id = folder.name
                for record in read_journal(folder / "journal.jsonl"):
                    if record.get("step") == "commit" and record.get("status") == "success":
                        committed = str(record["site"])
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert committed is not None, "no commit seen before the controller finished"
    steps = [(r.get("site"), r.get("step")) for r in read_journal(rollouts / rollout_id / "journal.jsonl")]
    assert (committed, "confirm") not in steps, "the controller confirmed before it was killed"
    # the device reverts on its own within revert_in (+5 s slack)
    start = time.monotonic()
    while "transmit-interval 450" in env.running(committed) and time.monotonic() - start < revert_in + 5:
        time.sleep(0.5)
    assert "transmit-interval 450" not in env.running(committed)
    report = env.root / "resumed.json"
    code, out = env.cli(
        "deploy",
        "--intents",
        str(env.intents),
        "--inventory",
        str(env.inventory),
        "--resume",
        rollout_id,
        "--report",
        str(report),
        *GATE,
    )
    assert code == 0, out
    assert "took over the stale lock" in out
    assert set(_outcomes(_report(report)).values()) <= {"changed", "unchanged"}
    for site in SITES:
        assert "transmit-interval 450" in env.running(site), site
    code, out = env.cli("verify", "--intents", str(env.intents), "--inventory", str(env.inventory))
    assert code == 0, out


def test_08_concurrent_rollout_is_refused(rollout_lab: RolloutLab) -> None:
    env = rollout_lab
    lock = env.state / "lock"
    lock.write_text(
        json.dumps(
            {
                "rollout_id": "r-other",
                "pid": os.getpid(),
                "host": os.uname().nodename,
                "user": "alice",
                "started": time.time(),
            }
        )
    )
    try:
        before = _snapshot(env)
        env.reset_intents()
        env.edit("defaults.yaml", r"interval_ms: 500", "interval_ms: 400")
        code, out = env.deploy(*GATE, *WIDE)
    finally:
        lock.unlink()
    assert code == 5, out
    assert "another rollout is running: r-other by alice" in out
    assert _now_as_before(env, before) == before


def test_08b_wide_change_is_refused_then_overridden_with_its_reason_in_the_audit_log(rollout_lab: RolloutLab) -> None:
    """A BFD timer default reaches every circuit of every site: refused untouched, then deployed with a reason."""
    env = rollout_lab
    env.reset_intents()
    env.edit("defaults.yaml", r"interval_ms: 500", "interval_ms: 250")
    before = _snapshot(env)
    rollouts = {p.name for p in (env.state / "rollouts").glob("*")}
    code, out = env.deploy(*GATE)
    assert code == 7, out
    assert "blast-radius gate: 5 sites change; estate.change_policy.max_sites allows 1 (25% of 5 = 1)" in out
    assert "would change 3 circuit roles at once" in out
    assert _now_as_before(env, before) == before
    assert {p.name for p in (env.state / "rollouts").glob("*")} == rollouts  # not even a journal
    reason = "CHG-250: faster BFD estate-wide, approved by the network lead"
    code, out = env.deploy("--allow-wide-change", reason, *GATE)
    assert code == 0, out
    assert all("transmit-interval 250" in env.running(site) for site in SITES)
    audit = [json.loads(line) for line in (env.state / "audit.log").read_text().splitlines()]
    [override] = [r for r in audit if r["event"] == "wide-change-override" and r["reason"] == reason]
    assert {"max_sites", "max_circuit_roles_per_site"} <= set(override["rules"])
    assert override["sites_changing"] == 5 and override["user"]
    # the record now holds what was deployed: the same intents again are no change at all
    code, out = env.deploy(*GATE)
    assert code == 0, out


def test_08c_device_layer_shows_a_hand_change_beside_the_rendered_diff(rollout_lab: RolloutLab) -> None:
    """chi-021 gets a static route by hand (vtysh); sea-001 an intent change. The review shows the
    rendered diff of sea-001 and, from the devices themselves, both sea-001's change and the hand
    change the rendered config would remove from chi-021."""
    env = rollout_lab
    hand = "ip route 192.0.2.99/32 blackhole"
    done = subprocess.run(
        ["vtysh", "-N", env.lab.netns("chi-021"), "-c", "configure terminal", "-c", hand],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert hand in env.running("chi-021")
    env.edit("sites/sea-001.yaml", r"bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    full = env.root / "review-full.md"
    code, out = env.deploy("--check", "--format", "markdown", "--review-report", str(full), *GATE)
    assert code == 2, out
    config = out[out.index("### Config changes, grouped") : out.index("### Device diffs")]
    device = out[out.index("### Device diffs") :]
    assert "sea-001" in config and "chi-021" not in config  # the intents changed sea-001 only
    assert "+ description primary_dia FibreLink Business FL-SEA-001-00001 2000M fiber" in config
    assert f"-{hand}" in device  # the device's own diff: the hand change goes
    assert "+ description primary_dia FibreLink Business FL-SEA-001-00001 2000M fiber" in device
    assert "| device | 2 device(s) differ from their running config" in out
    assert full.read_text().startswith("## Runbook review")
    assert hand in env.running("chi-021")  # --check touched nothing
    # The configs change at one site, the devices at two (chi-021's hand change goes too): wider than
    # the 5-site estate's gate (25% = 1), refused before the first wave.
    before = _snapshot(env)
    rollouts = {p.name for p in (env.state / "rollouts").glob("*")}
    code, out = env.deploy(*GATE)
    assert code == 7, out
    assert "blast-radius gate, device layer: 2 devices would change; estate.change_policy.max_sites allows 1" in out
    assert "(the configs differ at 1; the others run something else than what was deployed" in out and "chi-021" in out
    assert _now_as_before(env, before) == before
    assert {p.name for p in (env.state / "rollouts").glob("*")} == rollouts
    code, out = env.deploy("--allow-wide-change", "CHG-8: sea-001 bandwidth, and chi-021 back to its config", *GATE)
    assert code == 0, out  # deploying the intents removes the hand change again
    assert hand not in env.running("chi-021")


def test_08d_hand_changes_at_many_sites_exceed_the_gate_although_configs_did_not_change(
    rollout_lab: RolloutLab,
) -> None:
    """Three devices changed by hand, no intent change: review counts 0 sites, the devices 3. deploy asks
    every device before the first wave and refuses (exit 7, nothing touched); with an override it puts
    them back, and the report holds the device layer's count."""
    env = rollout_lab
    hands = {site: f"ip route 192.0.2.{n}/32 blackhole" for n, site in enumerate(("atl-061", "mke-022", "nyc-041"), 1)}
    for site, line in hands.items():
        env.lab.configure(site, line)
        assert line in env.running(site)
    before = _snapshot(env)
    rollouts = {p.name for p in (env.state / "rollouts").glob("*")}
    report = env.root / "hand.json"
    code, out = env.deploy("--report", str(report), *GATE)
    assert code == 7, out
    assert "blast-radius gate, device layer: 3 devices would change; estate.change_policy.max_sites allows 1" in out
    assert "(the configs differ at 0;" in out
    assert _now_as_before(env, before) == before and {p.name for p in (env.state / "rollouts").glob("*")} == rollouts
    audit = [json.loads(line) for line in (env.state / "audit.log").read_text().splitlines()]
    refused = [r for r in audit if r["event"] == "rollout-refused"][-1]
    assert refused["layer"] == "device" and refused["devices_changing"] == 3 and refused["config_layer_counted"] == 0
    code, out = env.deploy("--report", str(report), "--allow-wide-change", "CHG-9: undo hand changes", *GATE)
    assert code == 0, out
    data = _report(report)
    assert data["device_gate"]["changing"] == sorted(hands) and data["device_gate"]["config_layer_counted"] == 0
    outcomes = _outcomes(data)
    assert {s: outcomes[s] for s in hands} == dict.fromkeys(hands, "changed")
    assert outcomes["chi-021"] == outcomes["sea-001"] == "unchanged"
    for site, line in hands.items():
        assert line not in env.running(site)


def test_08e_alertmanager_stopped_mid_deploy_the_deploy_completes_and_the_report_names_what_was_missed(
    rollout_lab: RolloutLab, tmp_path: Path
) -> None:
    """A real Alertmanager (Debian's) is stopped once the canary's silence is set: the rollout goes on
    to the end, its report names the sites whose silences could not be set, and the next deploy posts
    them once Alertmanager is back."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))
    from notifykit import Alertmanager, free_port

    env = rollout_lab
    env.reset_intents()
    env.edit("defaults.yaml", r"interval_ms: 500", "interval_ms: 320")
    config = {"route": {"receiver": "null"}, "receivers": [{"name": "null"}]}
    port = free_port()
    am = Alertmanager(tmp_path, config, port=port).start()
    url = f"http://127.0.0.1:{port}"
    stopped = threading.Event()

    def stop_after_the_first_silence() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/v2/silences", timeout=2).json():
                    am.stop()
                    stopped.set()
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)

    watcher = threading.Thread(target=stop_after_the_first_silence, daemon=True)
    report = env.root / "am-down.json"
    os.environ["RUNBOOK_ALERTMANAGER_URL"] = url
    try:
        watcher.start()
        code, out = env.deploy("--report", str(report), "--canary", "1", "--wave-size", "2", *GATE, *WIDE)
        watcher.join(5)
        assert stopped.is_set(), "Alertmanager was never stopped"
        assert code == 0, out  # the rollout does not depend on monitoring
        data = _report(report)
        assert set(_outcomes(data).values()) == {"changed"}
        alerting = data["alerting"]
        assert alerting["silenced"] == ["atl-061"]  # the canary's, before Alertmanager stopped
        assert alerting["silences_not_set"] == ["chi-021", "mke-022", "nyc-041", "sea-001"]
        assert alerting["outbox"] and "did not answer" in out and "silences of chi-021" in out
        # Alertmanager back: the next deploy posts what was missed (their time is not over yet)
        am = Alertmanager(tmp_path, config, port=port).start()
        code, out = env.deploy(*GATE)
        assert code == 0, out
        assert "posted what an earlier rollout could not: 4 silence(s), 0 alert(s)" in out
        active = {
            m["value"]
            for s in httpx.get(f"{url}/api/v2/silences", timeout=5).json()
            if s["status"]["state"] == "active"
            for m in s["matchers"]
            if m["name"] == "site"
        }
        # the four posted now, and the canary's from before the stop (Alertmanager keeps silences on disk)
        assert active == set(SITES)
    finally:
        os.environ.pop("RUNBOOK_ALERTMANAGER_URL", None)
        am.stop()


FLAGSHIP = {"atl-061", "chi-021", "nyc-041", "sea-001"}  # retail-flagship; mke-022 is retail-standard
VOICE_SLA = r"sla: \{latency_ms: 150, jitter_ms: 30, loss_pct: 1\}"


def _git(root: Path, *argv: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *argv], cwd=root, check=True, capture_output=True
    )


def test_08f_a_class_sla_edit_is_reviewed_gated_and_deployed_as_the_agent_policy(rollout_lab: RolloutLab) -> None:
    """Review: a voice SLA edit in intents/policies/ is, in `plan`, a change of the agent policy at
    the four flagship sites (nothing else); the blast-radius gate counts them and refuses; with an
    approved reason it deploys through commit-confirm and the devices hold the new policy."""
    env = rollout_lab
    assert env.cli("render", "--intents", str(env.intents), "--configs", str(env.root / "configs"))[0] == 0
    _git(env.root, "init", "-q", "-b", "main")
    _git(env.root, "add", "intents", "configs")
    _git(env.root, "commit", "-qm", "deployed estate")
    env.edit("policies/retail-flagship.yaml", VOICE_SLA, "sla: {latency_ms: 120, jitter_ms: 30, loss_pct: 1}")
    where = ["--intents", str(env.intents), "--configs", str(env.root / "configs")]
    code, out = env.cli("plan", *where, "--against", "HEAD", "--format", "json")
    assert code == 7, out  # 4 of 5 sites: wider than the gate allows (1)
    plan = json.loads(out[out.index("{") :])
    changed = {s["site"]: s for s in plan["sites"] if s["change"] != "unchanged"}
    assert set(changed) == FLAGSHIP
    assert all(s["files"] == [".agent.json"] for s in changed.values()), "only the agent policy changes"
    assert all('+        "latency_ms": 120,' in s["diff"] for s in changed.values())
    review = plan["review"]
    assert review["gate"]["blocks"] and sorted(review["gate"]["counted"]) == sorted(FLAGSHIP)
    assert {w["via"] for s in FLAGSHIP for w in review["sites_reached"][s]["why"]} == {"policy retail-flagship"}
    before = {site: _device_file(env, site, "runbook-agent.json") for site in SITES}
    # deploy: the same gate, against what was deployed; the device layer shows the policy file's diff
    code, out = env.deploy("--check", "--format", "markdown", *GATE)
    assert code in (2, 7), out
    device = out[out.index("### Device diffs") :]
    assert "/etc/frr/runbook-agent.json" in device and '+        "latency_ms": 120,' in device
    code, out = env.deploy(*GATE)
    assert code == 7, out
    assert {site: _device_file(env, site, "runbook-agent.json") for site in SITES} == before
    report = env.root / "sla.json"
    code, out = env.deploy("--report", str(report), "--allow-wide-change", "CHG-16: tighter voice latency", *GATE)
    assert code == 0, out
    assert _outcomes(_report(report)) == {s: "changed" if s in FLAGSHIP else "unchanged" for s in SITES}
    for site in SITES:
        policy = json.loads(_device_file(env, site, "runbook-agent.json") or "{}")
        voice = next(c for c in policy["classes"] if c["name"] == "voice")
        assert voice["sla"]["latency_ms"] == (120 if site in FLAGSHIP else 150), site


def _templates_with(env: RolloutLab, name: str, old: str, new: str) -> Path:
    """A copy of the templates with the classifier section edited (a workspace's own templates/)."""
    folder = env.root / name
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(REPO / "templates", folder)
    classify = folder / "nftables" / "classify.j2"
    text = classify.read_text()
    assert old in text
    classify.write_text(text.replace(old, new))
    return folder


def test_08g_a_classifier_the_device_refuses_is_refused_before_anything_changes(rollout_lab: RolloutLab) -> None:
    env = rollout_lab
    bad = _templates_with(env, "templates-refused", "meta mark set {{ mark.mark_hex }}", "meta mark set bogus")
    before, nft = _snapshot(env), {site: _device_file(env, site, "runbook-sdwan.nft") for site in SITES}
    report = env.root / "refused.json"
    code, out = env.deploy("--templates", str(bad), "--report", str(report), "--canary", "1", *GATE, *WIDE)
    assert code == 4, out  # the canary failed: halted
    canary = next(s for s in _report(report)["sites"] if s["site"] == "atl-061")
    assert canary["outcome"] == "failed" and "the device was not changed" in canary["reason"]
    assert "runbook-sdwan.nft: refused by" in canary["reason"]
    assert _now_as_before(env, before) == before
    assert {site: _device_file(env, site, "runbook-sdwan.nft") for site in SITES} == nft


def test_08h_a_classifier_that_breaks_the_site_rolls_back_like_a_config(rollout_lab: RolloutLab) -> None:
    """A classifier the device takes, but that drops what arrives on the circuits: the canary's
    health gate fails, the commit is rolled back, and the old ruleset is back (verified by the
    deploy against the device's own diff, and here in the kernel)."""
    env = rollout_lab
    drop = '{% for c in site.circuits %}\n    iifname "{{ c.interface }}" drop\n{% endfor %}\n  }\n}'
    bad = _templates_with(env, "templates-drop", "  }\n}", drop)
    before, nft = _snapshot(env), {site: _device_file(env, site, "runbook-sdwan.nft") for site in SITES}
    report = env.root / "dropping.json"
    code, out = env.deploy("--templates", str(bad), "--report", str(report), "--canary", "1", *GATE, *WIDE)
    assert code == 4, out
    canary = next(s for s in _report(report)["sites"] if s["site"] == "atl-061")
    assert canary["outcome"] == "rolled_back", canary
    assert "health gate failed" in canary["reason"] and "old config restored and verified" in canary["reason"]
    assert "/etc/frr/runbook-sdwan.nft" in canary["device_diff"]
    assert _now_as_before(env, before) == before
    assert {site: _device_file(env, site, "runbook-sdwan.nft") for site in SITES} == nft
    assert " drop" not in _in_netns(env, "atl-061", "nft", "list", "table", "inet", "runbook_sdwan")
    assert env.lab.restore("atl-061", "primary_dia", wait=60.0) is not None  # BGP back before the next test


def _pause_agent(env: RolloutLab, site: str, sig: signal.Signals) -> None:
    """SIGSTOP/SIGCONT the site's edge agent if the lab runs one (its FRR checks would put a
    simulated move back)."""
    pid_file = Path("/run/frr") / env.lab.netns(site) / "runbook-agent.pid"
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(pid_file.read_text().split()[0]), sig)


def _set_nexthops(env: RolloutLab, site: str, sequences: list[int], hops: list[str]) -> None:
    lines: list[str] = []
    for seq, hop in zip(sequences, hops, strict=True):
        lines += [f"pbr-map SDWAN seq {seq}", f"set nexthop {hop}", "exit"]
    env.lab.configure(site, *lines)


def _voice_nexthops(env: RolloutLab, site: str, sequences: list[int]) -> list[str]:
    config = env.running(site)
    hops = []
    for seq in sequences:
        block = config.split(f"pbr-map SDWAN seq {seq}\n", 1)[1].split("exit", 1)[0]
        hops.append(block.split("set nexthop ", 1)[1].split()[0])
    return hops


def test_08i_the_agents_order_is_not_drift_and_survives_a_deploy_but_not_a_restart(rollout_lab: RolloutLab) -> None:
    """The agent moves voice by rewriting its sequences' next hops: `drift` calls the site steered,
    not drifting; a hand edit of the classifier file is drift; a deploy puts the file back, keeps the
    agent's order in the running config and saves the rendered order for the next restart."""
    env = rollout_lab
    site = "chi-021"
    policy = json.loads(_device_file(env, site, "runbook-agent.json") or "{}")
    voice = next(c for c in policy["classes"] if c["name"] == "voice")
    hops = {c["role"]: c["nexthop"] for c in policy["circuits"]}
    sequences = voice["groups"][0]["sequences"]
    rendered = _voice_nexthops(env, site, sequences)
    assert rendered == [hops[role] for role in voice["path"]]
    moved = [rendered[1], rendered[0], *rendered[2:]]  # voice onto the secondary, as the agent does it
    _pause_agent(env, site, signal.SIGSTOP)
    try:
        _set_nexthops(env, site, sequences, moved)
        assert _voice_nexthops(env, site, sequences) == moved
        configs = env.root / "configs"
        assert env.cli("render", "--intents", str(env.intents), "--configs", str(configs))[0] == 0
        drift = ["drift", "--intents", str(env.intents), "--inventory", str(env.inventory), "--configs", str(configs)]
        drift += ["--format", "json"]
        code, out = env.cli(*drift, "--limit", site)
        assert code == 0, out
        [found] = json.loads(out[out.index("{") :])["sites"]
        assert found["status"] == "in_sync", found
        assert found["steered"] == [f"class voice on secondary_dia (sequences {'/'.join(map(str, sequences))})"]
        nft = Path("/etc/frr") / env.lab.netns(site) / "runbook-sdwan.nft"
        nft.write_text(nft.read_text() + "# edited by hand\n")
        code, out = env.cli(*drift, "--limit", site)
        assert code == 2, out
        assert ".nft" in out and "# edited by hand" in out
        code, out = env.deploy("--limit", site, *GATE)
        assert code == 0, out
        assert "# edited by hand" not in nft.read_text()
        assert _voice_nexthops(env, site, sequences) == moved, "the deploy undid the agent's move"
        startup = (Path("/etc/frr") / env.lab.netns(site) / "frr.conf").read_text()
        for seq, hop in zip(sequences, rendered, strict=True):
            assert f"pbr-map SDWAN seq {seq}\n" in startup
            assert (
                startup.split(f"pbr-map SDWAN seq {seq}\n", 1)[1].split("exit", 1)[0].endswith(f" set nexthop {hop}\n")
            ), "the agent's move was saved for the next restart"
    finally:
        _set_nexthops(env, site, sequences, rendered)
        _pause_agent(env, site, signal.SIGCONT)


def test_09_secret_reaches_the_device_and_nothing_else(rollout_lab: RolloutLab) -> None:
    env = rollout_lab
    assert f"neighbor 100.64.0.86 password {SECRET}" in env.running("chi-021")  # pushed for real
    leaks = [p for p in env.state.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaks == []
    assert not any(SECRET in text for text in env.outputs)
    backups = list((env.state / "backups").rglob("*.cfg"))
    assert backups and any("password <secret:bgp-fibrelink>" in p.read_text() for p in backups)
    audit = (env.state / "audit.log").read_text().splitlines()
    assert any(json.loads(line).get("event") == "rollout-start" for line in audit)
