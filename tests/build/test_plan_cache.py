"""A plain `plan` (no --against) renders only what the build cache cannot prove unchanged, and says
exactly what `plan --full` says about the configs.

The repository is the 80-site example estate in git, rendered once (so configs/ holds the build
cache), then edited as a user edits it.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from buildkit import count_reads

from runbook_wan import cli as runbook
from runbook_wan.build import stat_index

REPO = Path(__file__).resolve().parents[2]


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def main(root: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = runbook.main(["--no-color", "--state", ".runbook", *argv])
    return code, out.getvalue(), err.getvalue()


def plan(root: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = main(root, "plan", "--format", "json", *extra)
    assert code in (0, 2, 7), err
    data: dict[str, Any] = json.loads(out)
    return code, data


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plan-cache") / "repo"
    root.mkdir()
    shutil.copytree(REPO / "intents", root / "intents")
    (root / ".gitignore").write_text(".runbook/\n")
    code, _, err = main(root, "render")
    assert code == 0, err
    assert (root / "configs" / ".render-cache.jsonl").is_file()
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "estate")
    return root


@pytest.fixture
def repo(rendered: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(rendered, root, symlinks=True)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def same_config_layer(cached: dict[str, Any], full: dict[str, Any]) -> None:
    assert cached["touched"] == full["touched"]
    assert cached["summary"] == full["summary"]
    assert [(s["site"], s["change"], s["new_sha256"]) for s in cached["sites"] if s["change"] != "unchanged"] == [
        (s["site"], s["change"], s["new_sha256"]) for s in full["sites"] if s["change"] != "unchanged"
    ]


def test_one_site_edit_renders_one_site(repo: Path) -> None:
    edit(repo / "intents" / "sites" / "chi-021.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    code, cached = plan(repo)
    assert code == 2
    assert cached["review"]["mode"].startswith("cached: 1 of 80 sites re-rendered; 79 proven unchanged")
    assert cached["touched"] == ["chi-021"]
    _, full = plan(repo, "--full")
    assert full["review"]["mode"].startswith("full:")
    same_config_layer(cached, full)


def test_a_plain_plan_keeps_the_stat_index_and_reads_no_unchanged_file_again(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Proving 79 sites unchanged must not read their site files and configs on every plan: the
    plan records their digests in this machine's stat index, as render does."""
    monkeypatch.setattr(stat_index, "RACY_S", 0.0)
    edit(repo / "intents" / "sites" / "chi-021.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    plan(repo)
    assert (repo / ".runbook" / stat_index.INDEX).is_file()
    reads = count_reads(monkeypatch)
    code, cached = plan(repo)
    assert code == 2 and cached["touched"] == ["chi-021"]
    assert cached["review"]["mode"].startswith("cached: 1 of 80 sites re-rendered")
    read_again = [p.name for p in reads if p.parent.name in ("configs", "sites")]
    assert read_again == [], "files untouched since the last plan were read again"


def test_after_render_the_plan_has_no_config_change_and_renders_nothing(repo: Path) -> None:
    edit(repo / "intents" / "sites" / "chi-021.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    assert main(repo, "render")[0] == 0
    code, cached = plan(repo)
    assert code == 0 and cached["touched"] == []
    assert cached["review"]["mode"].startswith("cached: 0 of 80")
    assert cached["review"]["intent_changes"], "the intent layer still compares with HEAD"


def test_a_template_change_plans_what_full_plans(repo: Path) -> None:
    shutil.copytree(REPO / "src" / "runbook_wan" / "templates", repo / "templates")
    bgp = repo / "templates" / "frr" / "bgp.j2"
    bgp.write_text(bgp.read_text() + "! reviewed\n")
    code, cached = plan(repo, "--templates", "templates")
    assert code in (2, 7)
    assert cached["review"]["mode"].startswith("cached: 80 of 80")
    _, full = plan(repo, "--templates", "templates", "--full")
    same_config_layer(cached, full)


def test_a_removed_site_and_a_limit(repo: Path) -> None:
    (repo / "intents" / "sites" / "chi-021.yaml").unlink()
    edit(repo / "intents" / "sites" / "sea-001.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    _, cached = plan(repo)
    _, full = plan(repo, "--full")
    same_config_layer(cached, full)
    assert "chi-021" in cached["touched"]
    _, limited = plan(repo, "--limit", "region=west")
    _, limited_full = plan(repo, "--limit", "region=west", "--full")
    same_config_layer(limited, limited_full)
    assert limited["touched"] == ["sea-001"]
