"""A BGP password rotation, end to end: a test repository in git, an 8-site FRR lab, the carrier's edge.

1. The value is rotated in the secrets source only (nothing in git): ``deploy`` compares keyed
   fingerprints with what each site last ran, refuses (exit 7) and touches nothing.
2. The rotation is declared in a pull request (``rotation: 2``): ``plan`` and the PR report name the
   secret, the sites and the sessions, never the value; the blast-radius gate counts the sites.
3. ``deploy`` without the override exits 7 and touches nothing; with it the rotation rolls out (the
   carrier's edge was rotated at the agreed time) and the audit log records it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from agentorder import as_before

from runbook_wan import cli as runbook
from runbook_wan.lab.api import Lab
from runbook_wan.lab.builder import free_management_network
from runbook_wan.lab.probes import configure
from runbook_wan.lab.teardown import down

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[2]
PREFIX = "rbtr" + os.environ.get("RUNBOOK_TEST_LAB_TAG", "")
#: fibrelink is the primary circuit of the west and central stores; metrofiber of east and south.
FIBRELINK = ("chi-021", "mke-022", "pdx-002", "sea-001")
SITES = (*FIBRELINK, "atl-061", "bos-042", "dfw-072", "nyc-041")
V1, V2 = "Fibrelink-bgp-value-one", "Fibrelink-bgp-value-two"
ENV = {
    "RUNBOOK_SECRET_BGP_FIBRELINK": V1,
    "RUNBOOK_SECRET_BGP_METROFIBER": "Metrofiber-bgp-value-one",
    "RUNBOOK_SECRET_RUNBOOK_FINGERPRINT_KEY": "estate-fingerprint-key-for-the-test",
}
GATE = ["--gate-timeout", "30", "--revert-in", "60"]


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@dataclass
class Rotation:
    root: Path
    lab: Lab
    outputs: list[str]

    @property
    def state(self) -> Path:
        return self.root / ".runbook"

    def cli(self, *argv: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = runbook.main(["--no-color", "--state", str(self.state), "--workspace", str(self.root), *argv])
        text = out.getvalue() + err.getvalue()
        self.outputs.append(text)
        return code, text

    def deploy(self, *argv: str) -> tuple[int, str]:
        return self.cli("deploy", "--yes", *GATE, *argv)

    def running(self, site: str) -> str:
        text = self.lab.vtysh(site, "show running-config")
        assert text is not None
        return text

    def passwords(self) -> dict[str, str]:
        """The fibrelink password each site runs (read from the device)."""
        found = {}
        for site in FIBRELINK:
            match = re.search(r"neighbor \S+ password (\S+)", self.running(site))
            found[site] = match.group(1) if match else ""
        return found


@pytest.fixture(scope="module")
def rotation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rotation]:
    if os.geteuid() != 0 or not Path("/usr/lib/frr/zebra").exists():
        pytest.fail("lab tests need root and FRR (CI has both); set RUNBOOK_SKIP_LAB=1 to deselect locally")
    root = tmp_path_factory.mktemp("rotation") / "repo"
    intents = root / "intents"
    shutil.copytree(REPO / "intents", intents, ignore=shutil.ignore_patterns("sites"))
    (intents / "sites").mkdir()
    for site in SITES:
        shutil.copy(REPO / "intents" / "sites" / f"{site}.yaml", intents / "sites")
    defaults = intents / "defaults.yaml"
    mgmt = free_management_network(prefixlen=24)
    defaults.write_text(re.sub(r"management_network: \S+", f"management_network: {mgmt}", defaults.read_text()))
    shutil.copytree(
        REPO / "inventory", root / "inventory", ignore=shutil.ignore_patterns("*.py", "hosts.yaml", "__pycache__")
    )
    (root / ".gitignore").write_text(".runbook/\ninventory/hosts.yaml\n")
    saved = {k: os.environ.get(k) for k in (*ENV, "RUNBOOK_SECRETS_FILE")}
    os.environ.update(ENV)
    os.environ["RUNBOOK_SECRETS_FILE"] = str(root / "no-secrets.yaml")
    env = Rotation(root, None, [])  # type: ignore[arg-type]
    down(env.state, PREFIX)
    try:
        code, out = env.cli("render")
        assert code == 0, out
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", "-A")
        _git(root, "commit", "-qm", "estate of 8 sites")
        env.lab = Lab.up(intents, env.state, prefix=PREFIX, inventory_dir=root / "inventory")
        yield env
    finally:
        down(env.state, PREFIX)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_1_first_rollout_onboards_the_values(rotation: Rotation) -> None:
    code, out = rotation.deploy("--canary", "1", "--wave-size", "4")
    assert code == 0, out
    assert set(rotation.passwords().values()) == {V1}
    recorded = json.loads((rotation.state / "deployed" / "secrets.json").read_text())
    assert sorted(recorded["sites"]) == sorted(SITES)
    assert set(recorded["sites"]["sea-001"]) == {"bgp-fibrelink"}
    assert V1 not in json.dumps(recorded) and recorded["sites"]["sea-001"]["bgp-fibrelink"]["fingerprint"].startswith(
        "hmac-sha256:"
    )


def test_2_a_value_rotated_only_in_the_secrets_source_is_refused_untouched(rotation: Rotation) -> None:
    os.environ["RUNBOOK_SECRET_BGP_FIBRELINK"] = V2
    before = {site: rotation.running(site) for site in SITES}
    code, out = rotation.deploy()
    assert code == 7, out
    assert (
        "secret 'bgp-fibrelink' changed in the secrets source since it was deployed, at 4 site(s) (4 session(s)), "
        "but the intents declare no rotation: review never saw it" in out
    )
    assert "intents/providers/fibrelink.yaml:8" in out
    assert {site: as_before(rotation.lab, site, before[site]) for site in SITES} == before
    assert V2 not in out and V1 not in out


def test_3_the_declared_rotation_shows_in_plan_and_the_pr_report_and_the_gate_counts_it(rotation: Rotation) -> None:
    root = rotation.root
    _git(root, "checkout", "-qb", "rotate-fibrelink")
    provider = root / "intents" / "providers" / "fibrelink.yaml"
    provider.write_text(provider.read_text().replace("{secret: bgp-fibrelink}", "{secret: bgp-fibrelink, rotation: 2}"))
    _git(root, "commit", "-qam", "Rotate the FibreLink BGP password (CHG-4711)")
    report = root / "review-full.md"
    code, out = rotation.cli("plan", "--against", "main", "--format", "markdown", "--report", str(report))
    assert code == 7, out  # 4 of 8 sites, and a provider change: the gate wants an approval
    row = next(line for line in out.splitlines() if line.startswith("| `bgp-fibrelink` |"))
    assert "rotation none → 2" in row and "**4** (central 2, west 2)" in row
    for site in FIBRELINK:
        assert f"`{site}`" in row
    assert "password <secret:bgp-fibrelink>" in row
    assert "❌ **Exceeds the blast-radius gate**" in out
    assert "| `max_sites` | 25% of 8 = 2 | 4 site(s) | ❌ |" in out
    assert "### Secret changes (values never shown)" in report.read_text()
    for text in (out, report.read_text()):
        assert V1 not in text and V2 not in text


def test_4_deploy_without_the_override_exits_7_and_touches_nothing(rotation: Rotation) -> None:
    before = {site: rotation.running(site) for site in SITES}
    rollouts = set((rotation.state / "rollouts").glob("*"))
    code, out = rotation.deploy()
    assert code == 7, out
    assert "blast-radius gate: 4 sites change; estate.change_policy.max_sites allows 2 (25% of 8 = 2)" in out
    assert "review never saw it" not in out  # declared now: reviewed, but wider than the gate
    assert {site: as_before(rotation.lab, site, before[site]) for site in SITES} == before
    assert set((rotation.state / "rollouts").glob("*")) == rollouts


def test_5_with_the_override_the_rotation_rolls_out_and_is_audited(rotation: Rotation) -> None:
    # The carrier rotates its edge at the agreed time: from now on only the new value establishes.
    provider = rotation.lab.topology.providers["fibrelink"]
    configure(provider.netns, [f"router bgp {provider.asn}", f"neighbor SITES password {V2}"])
    reason = "CHG-4711: FibreLink BGP password rotation, approved by the network lead"
    report = rotation.root / "rollout.json"
    code, out = rotation.deploy(
        "--canary", "1", "--wave-size", "4", "--allow-wide-change", reason, "--report", str(report)
    )
    assert code == 0, out
    assert set(rotation.passwords().values()) == {V2}
    data = json.loads(report.read_text())
    outcomes = {s["site"]: s["outcome"] for s in data["sites"]}
    assert {s for s, o in outcomes.items() if o == "changed"} == set(FIBRELINK)
    code, out = rotation.cli("verify")
    assert code == 0, out  # every fibrelink session is up again, on the new value
    audit = [json.loads(line) for line in (rotation.state / "audit.log").read_text().splitlines()]
    [record] = [r for r in audit if r["event"] == "secret-rotation"]
    assert record["secret"] == "bgp-fibrelink" and record["reviewed"] is True
    assert (record["rotation_before"], record["rotation_after"]) == (None, 2)
    assert sorted(record["sites"]) == sorted(FIBRELINK) and record["sessions"] == 4
    assert record["fingerprint_before"] != [record["fingerprint_after"]]
    assert any(r["event"] == "wide-change-override" and r["reason"] == reason for r in audit)


def test_6_no_value_leaked_anywhere(rotation: Rotation) -> None:
    for text in rotation.outputs:
        assert V1 not in text and V2 not in text
    leaks = [
        p
        for p in rotation.state.rglob("*")
        if p.is_file()
        and "lab" not in p.relative_to(rotation.state).parts
        and (V1.encode() in p.read_bytes() or V2.encode() in p.read_bytes())
    ]
    assert leaks == []  # backups and journals hold the old value masked too
