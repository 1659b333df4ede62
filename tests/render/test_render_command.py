"""`runbook.py render` as users run it: one config per site, deterministic, all-or-nothing, pruning.

Everything runs in-process through ``runbook.main([...])`` with temporary folders.
"""

from __future__ import annotations

import re
import shutil
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


def test_full_render_writes_exactly_one_config_per_site(
    tmp_path: Path, example_intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configs = tmp_path / "configs"
    assert render(tmp_path, example_intents, configs) == 0
    sites = sorted(p.stem for p in (example_intents / "sites").glob("*.yaml"))
    assert len(sites) == 80
    # ... and the build cache beside them, nothing else (no temporary file left behind)
    assert sorted(snapshot(configs)) == [".render-cache.jsonl", *(f"{s}.cfg" for s in sites)]
    for site in sites:
        first = (configs / f"{site}.cfg").read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(f"! runbook: {site} "), f"{site}.cfg does not say which site it is for"
    assert "rendered 80 site(s)" in capsys.readouterr().out


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
    stale = configs / "old-999.cfg"
    stale.write_text("config of a closed site\n")

    assert render(tmp_path, example_intents, configs, "--limit", "sea-001") == 0
    assert sorted(snapshot(configs)) == ["old-999.cfg", "sea-001.cfg"], "--limit must not prune other sites"
    assert "0 removed" in capsys.readouterr().out

    assert render(tmp_path, example_intents, configs) == 0
    assert not stale.exists(), "a full render keeps the config of a site that no longer exists"
    assert len([name for name in snapshot(configs) if name.endswith(".cfg")]) == 80
    assert "1 removed" in capsys.readouterr().out


def test_multivendor_estate_renders_every_platform(tmp_path: Path) -> None:
    configs = tmp_path / "configs"
    assert render(tmp_path, MULTIVENDOR, configs) == 0
    texts = {p.stem: p.read_text(encoding="utf-8") for p in configs.glob("*.cfg")}
    assert len(texts) == 6
    platforms = [re.search(r"platform (\w+),", t).group(1) for t in texts.values()]  # type: ignore[union-attr]
    assert sorted(platforms) == ["eos", "eos", "frr", "frr", "ios", "ios"]


def test_limit_by_platform_renders_only_that_platform(tmp_path: Path) -> None:
    configs = tmp_path / "configs"
    assert render(tmp_path, MULTIVENDOR, configs, "--limit", "platform=eos") == 0
    assert sorted(snapshot(configs)) == ["nyc-202.cfg", "pdx-102.cfg"]
