"""`runbook.py plan`: per-site diffs with parent sections, formats and terraform-like exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from runbook_wan import cli as runbook
from runbook_wan.plan.diff import config_diff, render_unified


@pytest.fixture
def estate(tmp_path: Path, example_intents: Path) -> tuple[Path, Path]:
    """A private copy of the example intents with its configs rendered into configs/."""
    intents = tmp_path / "intents"
    shutil.copytree(example_intents, intents)
    configs = tmp_path / "configs"
    assert runbook.main(["render", "--intents", str(intents), "--configs", str(configs)]) == 0
    return intents, configs


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def test_no_change_exits_0(estate: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    intents, configs = estate
    assert runbook.main(["plan", "--intents", str(intents), "--configs", str(configs)]) == 0
    assert "No changes: 80 site(s)" in capsys.readouterr().out


def test_changed_bgp_line_is_shown_under_its_parents(
    estate: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    intents, configs = estate
    # Secondary local-preference for every site: a change inside route-maps only.
    _edit(intents / "defaults.yaml", "secondary_dia: {local_preference: 150", "secondary_dia: {local_preference: 160")
    # One site gets a new LAN address: changes an interface, a prefix-list, a BGP network and a PBR rule.
    _edit(intents / "sites" / "chi-021.yaml", "address: 10.21.30.1/24", "address: 10.21.31.1/24")
    code = runbook.main(["plan", "--intents", str(intents), "--configs", str(configs), "--format", "json"])
    assert code == 7  # 80 of 80 sites: wider than the example estate's blast-radius gate
    plan = json.loads(capsys.readouterr().out)
    assert plan["summary"]["changed"] == 80
    site = next(s for s in plan["sites"] if s["site"] == "chi-021")
    diff = site["diff"]
    # the removed BGP network line is preceded by its parents, in order
    minus = diff.index("-  network 10.21.30.0/24")
    header = max(i for i in range(minus) if diff[i].startswith("@@"))
    assert diff[header].endswith("router bgp 65021 › address-family ipv4 unicast")
    assert diff[header + 1] == " router bgp 65021"
    assert diff[header + 2] == "  address-family ipv4 unicast"
    assert "+ set local-preference 160" in diff
    assert any(line.startswith("@@") and line.endswith("route-map RM-SECONDARY-IN permit 10") for line in diff)


def test_markdown_is_ready_for_a_pr_comment(estate: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    intents, configs = estate
    _edit(intents / "sites" / "sea-001.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    code = runbook.main(["plan", "--intents", str(intents), "--configs", str(configs), "--format", "markdown"])
    out = capsys.readouterr().out
    assert code == 2
    assert "## Runbook review: 1 of 80 sites change against" in out
    assert "Within the blast-radius gate" in out
    assert "| `sea-001` | changed | frr | `.cfg` | 1 | 1 |" in out
    assert "```diff" in out and "+ description primary_dia FibreLink Business" in out


def test_added_and_removed_sites(estate: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    intents, configs = estate
    (intents / "sites" / "sea-001.yaml").rename(intents / "sites" / "sea-081.yaml")
    _edit(intents / "sites" / "sea-081.yaml", "site: sea-001", "site: sea-081")
    code = runbook.main(["plan", "--intents", str(intents), "--configs", str(configs), "--format", "json"])
    plan = json.loads(capsys.readouterr().out)
    assert code == 2
    changes = {s["site"]: s["change"] for s in plan["sites"] if s["change"] != "unchanged"}
    assert changes == {"sea-001": "removed", "sea-081": "added"}


def test_limit_narrows_the_plan(estate: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    intents, configs = estate
    _edit(intents / "defaults.yaml", "keepalive: 3", "keepalive: 2")
    code = runbook.main(
        [
            "plan",
            "--intents",
            str(intents),
            "--configs",
            str(configs),
            "--limit",
            "region=west",
            "--format",
            "json",
            "--allow-wide-change",
            "test: every west site on purpose",
        ]
    )
    plan = json.loads(capsys.readouterr().out)
    assert code == 2
    assert plan["summary"]["changed"] == 20 and len(plan["sites"]) == 20


def test_against_a_git_ref(tmp_path: Path, estate: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    intents, configs = estate

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", "configs")
    git("commit", "-qm", "configs")
    _edit(intents / "sites" / "sea-001.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    assert runbook.main(["render", "--intents", str(intents), "--configs", str(configs)]) == 0
    capsys.readouterr()
    # configs/ on disk is now up to date, so plain plan sees nothing; against HEAD it sees the change
    assert runbook.main(["plan", "--intents", str(intents), "--configs", str(configs)]) == 0
    capsys.readouterr()
    code = runbook.main(
        ["plan", "--intents", str(intents), "--configs", str(configs), "--against", "HEAD", "--format", "json"]
    )
    plan = json.loads(capsys.readouterr().out)
    assert code == 2
    assert plan["touched"] == ["sea-001"]


def test_unknown_git_ref_is_a_clear_error(estate: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    intents, configs = estate
    code = runbook.main(["plan", "--intents", str(intents), "--configs", str(configs), "--against", "no-such-ref"])
    assert code == 1


def test_diff_of_nested_change_names_every_parent() -> None:
    old = (
        "router bgp 1\n neighbor 1.1.1.1 remote-as 2\n !\n address-family ipv4 unicast\n  network 10.0.0.0/24\n"
        "  neighbor 1.1.1.1 route-map A in\n exit-address-family\nexit\n"
    )
    new = old.replace("route-map A in", "route-map B in")
    lines = render_unified(config_diff(old, new))
    assert lines[0].endswith("router bgp 1 › address-family ipv4 unicast")
    assert lines[1:3] == [" router bgp 1", "  address-family ipv4 unicast"]
    assert "-  neighbor 1.1.1.1 route-map A in" in lines and "+  neighbor 1.1.1.1 route-map B in" in lines
