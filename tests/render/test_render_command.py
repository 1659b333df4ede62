"""`runbook.py render` as users run it: one config per site, deterministic, all-or-nothing, pruning.

Everything runs in-process through ``runbook.main([...])`` with temporary folders.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runbook_wan import cli as runbook

REPO = Path(__file__).resolve().parents[2]
MULTIVENDOR = REPO / "examples" / "multivendor" / "intents"
# A date, a clock time or an epoch-like number: none belongs in a config that is diffed in git.
TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}:\d{2}\b|\b1[6-9]\d{8}\b")


def render(tmp_path: Path, intents: Path, configs: Path, *extra: str) -> int:
    return runbook.main(
        [
            "--state",
            str(tmp_path / "state"),
            "--no-color",
            "render",
            "--intents",
            str(intents),
            "--configs",
            str(configs),
            *extra,
        ]
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` (hidden and temporary files included) with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


#: What an FRR site renders beside its config (platforms/frr.yaml artifacts).
FRR_FILES = (".agent.json", ".cfg", ".nft")


def test_full_render_writes_exactly_one_config_and_its_artifacts_per_site(
    tmp_path: Path, example_intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configs = tmp_path / "configs"
    assert render(tmp_path, example_intents, configs) == 0
    sites = sorted(p.stem for p in (example_intents / "sites").glob("*.yaml"))
    assert len(sites) == 80
    # ... and the build cache beside them, nothing else (no temporary file left behind)
    expected = [f"{s}{suffix}" for s in sites for suffix in FRR_FILES]
    assert sorted(snapshot(configs)) == sorted([".render-cache.jsonl", *expected])
    for site in sites:
        first = (configs / f"{site}.cfg").read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(f"! runbook: {site} "), f"{site}.cfg does not say which site it is for"
        first = (configs / f"{site}.nft").read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(f"# runbook: {site} "), f"{site}.nft does not say which site it is for"
        policy = json.loads((configs / f"{site}.agent.json").read_text(encoding="utf-8"))
        assert (policy["format"], policy["version"], policy["site"]) == ("runbook-agent-policy", 1, site)
    assert "rendered 80 site(s)" in capsys.readouterr().out
    # A first render builds the folder under a hidden name and renames it: none is left beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["configs", "monitoring", "state"]


def test_render_is_deterministic_and_has_no_timestamps(
    tmp_path: Path, example_intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert render(tmp_path, example_intents, first) == 0
    assert render(tmp_path, example_intents, second) == 0
    assert snapshot(first) == snapshot(second), "two renders of the same intents differ"
    for name, data in snapshot(first).items():
        found = TIMESTAMP.search(data.decode())
        assert found is None, f"{name} contains a timestamp-like value {found.group()!r}"
    capsys.readouterr()
    # Rendering again into the same folder rewrites nothing, so file times and git stay quiet.
    assert render(tmp_path, example_intents, first) == 0
    assert "0 written, 80 unchanged, 0 removed" in capsys.readouterr().out


def _break_site(intents: Path) -> None:
    site = intents / "sites" / "sea-001.yaml"
    text = site.read_text(encoding="utf-8")
    assert "gateway: 100.64.0.6" in text
    site.write_text(text.replace("gateway: 100.64.0.6", "gateway: 100.64.9.9"), encoding="utf-8")


def _break_template(templates: Path) -> None:
    bgp = templates / "frr" / "bgp.j2"
    bgp.write_text(bgp.read_text(encoding="utf-8").replace("peer.remote_as", "peer.remote_asn"), encoding="utf-8")


@pytest.mark.parametrize("breakage", ["intent", "template"])
def test_nothing_is_written_when_rendering_fails(
    tmp_path: Path, example_intents: Path, breakage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """One bad site or template anywhere: exit 1, and configs/ is exactly as before (no partial output)."""
    intents, templates, configs = tmp_path / "intents", tmp_path / "templates", tmp_path / "configs"
    shutil.copytree(example_intents, intents)
    shutil.copytree(REPO / "templates", templates)
    assert render(tmp_path, intents, configs) == 0
    (configs / "sea-002.cfg").write_text("hand edit that the next good render will overwrite\n")
    (configs / "old-999.cfg").write_text("config of a closed site\n")
    before = snapshot(configs)
    capsys.readouterr()

    if breakage == "intent":
        _break_site(intents)
        code = render(tmp_path, intents, configs)
    else:
        _break_template(templates)
        code = render(tmp_path, intents, configs, "--templates", str(templates))

    assert code == 1
    assert snapshot(configs) == before, "a failed render changed configs/"
    err = capsys.readouterr().err
    assert "nothing was written" in err
    assert "Traceback" not in err


def test_stale_configs_are_pruned_on_a_full_render_but_not_with_limit(
    tmp_path: Path, example_intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configs = tmp_path / "configs"
    configs.mkdir()
    stale = [configs / f"old-999{suffix}" for suffix in FRR_FILES]
    for path in stale:
        path.write_text("a file of a closed site\n")
    ours = configs / "README.md"
    ours.write_text("not rendered: left alone\n")

    assert render(tmp_path, example_intents, configs, "--limit", "sea-001") == 0
    kept = [*sorted(p.name for p in stale), "README.md"]
    assert sorted(snapshot(configs)) == sorted(kept + [f"sea-001{s}" for s in FRR_FILES]), (
        "--limit must not prune other sites"
    )
    assert "0 removed" in capsys.readouterr().out

    assert render(tmp_path, example_intents, configs) == 0
    assert not any(p.exists() for p in stale), "a full render keeps the files of a site that no longer exists"
    assert ours.exists(), "a full render removed a file it does not render"
    assert len(snapshot(configs)) == 80 * len(FRR_FILES) + 1 + 1  # and the build cache
    assert "1 removed" in capsys.readouterr().out


def test_multivendor_estate_renders_every_platform(tmp_path: Path) -> None:
    configs = tmp_path / "configs"
    assert render(tmp_path, MULTIVENDOR, configs) == 0
    texts = {p.stem: p.read_text(encoding="utf-8") for p in configs.glob("*.cfg")}
    assert len(texts) == 6
    platforms = {s: re.search(r"platform (\w+),", t).group(1) for s, t in texts.items()}  # type: ignore[union-attr]
    assert sorted(platforms.values()) == ["eos", "eos", "frr", "frr", "ios", "ios"]
    # Only FRR has artifacts beside the config: EOS and IOS-XE steer natively.
    for site, platform in platforms.items():
        found = sorted(p.name.removeprefix(site) for p in configs.glob(f"{site}.*"))
        assert found == (list(FRR_FILES) if platform == "frr" else [".cfg"]), site


def test_limit_by_platform_renders_only_that_platform(tmp_path: Path) -> None:
    configs = tmp_path / "configs"
    assert render(tmp_path, MULTIVENDOR, configs, "--limit", "platform=eos") == 0
    assert sorted(snapshot(configs)) == ["nyc-202.cfg", "pdx-102.cfg"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failed_first_render_leaves_no_folder_behind(
    tmp_path: Path, example_intents: Path, jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A first render (no configs/ yet) that fails creates nothing: no configs/, no hidden folder
    its files were built in, with the sites built here or in worker processes."""
    intents, configs = tmp_path / "intents", tmp_path / "configs"
    shutil.copytree(example_intents, intents)
    _break_site(intents)
    assert render(tmp_path, intents, configs, "--jobs", jobs) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name not in ("intents", "state")] == []
    err = capsys.readouterr().err
    assert "nothing was written" in err
    assert "Traceback" not in err


def test_a_new_folder_that_appears_meanwhile_is_left_as_it_is(tmp_path: Path) -> None:
    """Another program creates configs/ with a file while a first render builds it: the render's
    commit fails, says so, and changes nothing (neither that folder nor a hidden one is left)."""
    from runbook_wan.atomic_files import NewFolder, stage_file
    from runbook_wan.results import DiagnosticError

    configs = tmp_path / "configs"
    new = NewFolder.start(configs)
    assert new is not None
    stage_file(new.staging, "sea-001.cfg", "hostname sea-001\n", new.result, new=True)
    assert not configs.exists(), "a staged file is visible before the commit"
    configs.mkdir()
    (configs / "theirs.cfg").write_text("not ours\n")
    with pytest.raises(DiagnosticError) as raised:
        new.commit()
    assert "nothing was written" in raised.value.diagnostics[0].message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["configs"]
    assert snapshot(configs) == {"theirs.cfg": b"not ours\n"}


def test_the_hidden_folder_of_a_killed_first_render_is_removed_by_the_next_render(
    tmp_path: Path, example_intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A first render killed (SIGKILL) while it builds leaves its hidden folder and no configs/;
    the next render removes that folder, says so, and renders; a folder of another name stays."""
    intents, configs = tmp_path / "intents", tmp_path / "configs"
    shutil.copytree(example_intents, intents)
    theirs = tmp_path / ".configs.mine.new"
    theirs.mkdir()
    command = [sys.executable, str(REPO / "runbook.py"), "--state", str(tmp_path / "state"), "--no-color", "render"]
    command += ["--intents", str(intents), "--configs", str(configs), "--jobs", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        hidden: list[Path] = []
        deadline = time.monotonic() + 60
        while not hidden and proc.poll() is None and time.monotonic() < deadline:
            hidden = [p for p in tmp_path.glob(".configs.*.new") if p != theirs]
            time.sleep(0.002)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert len(hidden) == 1 and hidden[0].is_dir(), "the render made no hidden folder before it was killed"
    assert not configs.exists(), "the killed render's folder became visible"
    assert render(tmp_path, intents, configs) == 0
    err = capsys.readouterr().err
    assert f"note: removed {hidden[0]}/, left by a render that was killed" in err
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".configs.mine.new", "configs", "intents", "monitoring", "state"]
    assert len(list(configs.glob("*.cfg"))) == 80
    assert render(tmp_path, intents, configs) == 0
    assert "note: removed" not in capsys.readouterr().err
