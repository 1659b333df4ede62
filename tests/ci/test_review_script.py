"""ci/review.sh, the one script CI calls, run on a PR-like branch of a real git repository.

The repository is the example estate: ``main`` with intents/, configs/ and docs/sites/ committed,
and a ``change`` branch. The script runs as CI runs it (``bash ci/review.sh main OUT`` from the
repository root) and must produce the PR comment, the full report and the SARIF, with the exit code
that says what is wrong.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "ci" / "review.sh"
SAAS_OLD = "path_preference: [secondary_dia, primary_dia, tertiary_wireless]"
SAAS_NEW = "path_preference: [primary_dia, secondary_dia, tertiary_wireless]"
RUNBOOK = f"{sys.executable} {REPO / 'runbook.py'}"


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "estate"
    root.mkdir()
    shutil.copytree(REPO / "intents", root / "intents")
    shutil.copytree(REPO / "configs", root / "configs")
    shutil.copytree(REPO / "docs" / "sites", root / "docs" / "sites")
    (root / ".gitignore").write_text(".runbook/\nreview/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "estate")
    git(root, "checkout", "-qb", "change")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def rerender_and_commit(root: Path, message: str) -> None:
    for command in (["render"], ["docs"]):
        subprocess.run([sys.executable, str(REPO / "runbook.py"), *command], cwd=root, check=True, capture_output=True)
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def review(root: Path, twin: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "RUNBOOK": RUNBOOK, "RUNBOOK_REVIEW_TWIN": "1" if twin else "0", **env}
    environ.pop("RUNBOOK_ALLOW_WIDE_CHANGE", None) if "RUNBOOK_ALLOW_WIDE_CHANGE" not in env else None
    return subprocess.run(
        ["bash", str(SCRIPT), "main", "review"], cwd=root, capture_output=True, text=True, env=environ, check=False
    )


def test_a_branch_that_forgot_to_rerender_fails_with_the_command_to_run(repo: Path) -> None:
    edit(repo / "intents/policies/retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    git(repo, "commit", "-qam", "saas to fiber first (configs not re-rendered)")
    done = review(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"configs docs/sites not up to date with intents/: run `{RUNBOOK} render && {RUNBOOK} docs`" in done.stdout
    assert " M configs/abe-056.cfg" in done.stdout and " M docs/sites/README.md" not in done.stdout
    comment = (repo / "review" / "comment.md").read_text()
    assert "| generated files (configs docs/sites) | ❌ stale" in comment


def test_a_wide_change_gets_its_report_sarif_and_the_gate_exit_code(repo: Path) -> None:
    edit(repo / "intents/policies/retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    rerender_and_commit(repo, "saas to fiber first")
    done = review(repo)
    assert done.returncode == 7, done.stdout + done.stderr
    out = repo / "review"
    comment = (out / "comment.md").read_text()
    assert len(comment) < 65_536
    assert "| generated files (configs monitoring docs/sites) | ✅ up to date |" in comment
    assert "| blast-radius gate | ❌ exceeded |" in comment
    assert "## Runbook review: 72 of 80 sites change against configs/ at main" in comment
    assert "**Config change 1 of 1: 72 site(s)**" in comment
    full = (out / "review-full.md").read_text()
    assert len(full) > len(comment) and "### Every site's config diff" in full
    sarif = json.loads((out / "validate.sarif").read_text())
    results = sarif["runs"][0]["results"]
    gate = [r for r in results if r["ruleId"] == "gate-max-sites"]
    assert gate and gate[0]["level"] == "error"
    uri = gate[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "intents/policies/retail-standard.yaml"
    assert "| `tus-014` | changed | frr | `.cfg`, `.agent.json` | 3 | 3 |" in full  # the per-site table lists all 72


def test_an_approved_wide_change_passes_and_says_so(repo: Path) -> None:
    edit(repo / "intents/policies/retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    rerender_and_commit(repo, "saas to fiber first")
    done = review(repo, RUNBOOK_ALLOW_WIDE_CHANGE="PR #12 labelled wide-change-approved")
    assert done.returncode == 0, done.stdout + done.stderr
    comment = (repo / "review" / "comment.md").read_text()
    assert "| blast-radius gate | ⚠️ exceeded, overridden: PR #12 labelled wide-change-approved |" in comment
    assert "**overridden**: PR \\#12 labelled wide-change-approved" in comment


def test_an_invalid_change_fails_validation(repo: Path) -> None:
    edit(repo / "intents/sites/pdx-002.yaml", "loopback: 10.255.0.2/32", "loopback: 10.255.0.1/32")
    rerender_and_commit(repo, "duplicate loopback")
    done = review(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "| validate (SARIF: validate.sarif) | ❌ exit 1 |" in (repo / "review" / "comment.md").read_text()
    sarif = json.loads((repo / "review" / "validate.sarif").read_text())
    assert any(r["ruleId"].startswith("R002") for r in sarif["runs"][0]["results"])


def test_usage_and_unknown_base(repo: Path) -> None:
    done = subprocess.run(["bash", str(SCRIPT)], cwd=repo, capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "usage: ci/review.sh BASE_REF" in done.stderr
    done = subprocess.run(["bash", str(SCRIPT), "origin/nope"], cwd=repo, capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "base ref 'origin/nope' not found" in done.stderr


@pytest.mark.lab
def test_as_root_the_touched_sites_get_the_twin_proof(repo: Path, require_lab: None) -> None:
    """The script runs the twin of the touched site; two scenarios (RUNBOOK_REVIEW_TWIN_SCENARIOS) keep
    it short: every scenario is proven in tests/validation/test_twin_lab.py."""
    edit(repo / "intents/sites/chi-021.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    rerender_and_commit(repo, "chi-021 faster fiber")
    done = review(repo, twin=True, RUNBOOK_REVIEW_TWIN_SCENARIOS="primary-down wireless-only")
    assert done.returncode == 0, done.stdout + done.stderr + (repo / "review" / "validate.md").read_text()
    comment = (repo / "review" / "comment.md").read_text()
    assert "| twin proof of the touched sites | ✅ passed |" in comment
    validate = (repo / "review" / "validate.md").read_text()
    assert "twin" in validate and "chi-021" in validate
    assert "twin.primary-down" in validate and "twin.wireless-only" in validate
    assert "twin.primary-brownout" not in validate
    sarif = json.loads((repo / "review" / "validate.sarif").read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is True
