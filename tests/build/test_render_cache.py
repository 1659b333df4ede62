"""The build cache as users meet it: `render` rebuilds only the sites whose inputs changed, proves
the rest unchanged without rendering them, and never gives other bytes than `render --full`.

Each test renders the 6-site multi-vendor estate (FRR, EOS and IOS-XE) in a scratch workspace
with its own copies of the intents, templates and platforms, so any input can be edited.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import pytest
from buildkit import CACHE, edit, outputs, render, workspace

from runbook_wan.build import engine
from runbook_wan.build.site_job import SiteJob, SiteOutcome, site_entry

SITES = ["bos-201", "mia-203", "nyc-202", "pdx-102", "sea-101", "sfo-103"]
FRR = ["bos-201", "sea-101"]
EOS = ["nyc-202", "pdx-102"]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = workspace(tmp_path / "ws")
    first = render(root)
    assert first.code == 0, first.err
    assert first.built == 6 and "no build cache" in first.out
    return root


def built_sites(root: Path, before: dict[str, bytes]) -> list[str]:
    """Sites whose config changed since ``before``."""
    now = outputs(root)
    changed = [name for name in now if now[name] != before.get(name) and name.startswith("configs/")]
    return sorted(name.removeprefix("configs/").removesuffix(".cfg") for name in changed)


def test_a_second_render_builds_nothing_and_writes_nothing(ws: Path) -> None:
    cache = (ws / "configs" / CACHE).read_text()
    again = render(ws)
    assert again.code == 0
    assert again.built == 0
    assert "6 proven unchanged by the build cache" in again.out
    assert "0 written, 6 unchanged, 0 removed" in again.out
    assert (ws / "configs" / CACHE).read_text() == cache


def test_one_site_edit_rebuilds_that_site_only(ws: Path) -> None:
    edit(ws / "intents" / "sites" / "sea-101.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 900")
    run = render(ws)
    assert run.code == 0 and run.built == 1
    assert "1 written, 5 unchanged" in run.out
    assert (
        "primary_dia OceanFiber Enterprise OF-SEA-101-0001 900M fiber" in (ws / "configs" / "sea-101.cfg").read_text()
    )


def test_a_template_change_rebuilds_exactly_the_sites_that_use_it(ws: Path) -> None:
    before = outputs(ws)
    template = ws / "templates" / "eos" / "bgp.j2"
    template.write_text(template.read_text() + "! reviewed\n")
    run = render(ws)
    assert run.code == 0 and run.built == len(EOS)
    assert built_sites(ws, before) == EOS


def test_a_platform_file_change_rebuilds_its_sites(ws: Path) -> None:
    edit(ws / "platforms" / "frr.yaml", "log_file: /var/log/frr/{hostname}.log", "log_file: /var/log/{hostname}.log")
    before = outputs(ws)
    run = render(ws)
    assert run.code == 0 and run.built == len(FRR)
    assert built_sites(ws, before) == FRR
    assert "log file /var/log/sea-101.log informational" in (ws / "configs" / "sea-101.cfg").read_text()


def test_a_shared_intent_reaches_exactly_its_users(ws: Path) -> None:
    """A provider that only the Atlantic stores use: their three sites, nobody else."""
    before = outputs(ws)
    edit(ws / "intents" / "providers" / "harborfiber.yaml", "name: Harbor Fiber Business", "name: Harbor Fiber")
    run = render(ws)
    assert run.code == 0 and run.built == 3
    assert built_sites(ws, before) == ["bos-201", "mia-203", "nyc-202"]
    assert "primary_dia Harbor Fiber HF-" in (ws / "configs" / "bos-201.cfg").read_text()


def test_a_hand_edited_output_is_put_back(ws: Path) -> None:
    config = ws / "configs" / "pdx-102.cfg"
    rendered = config.read_text()
    config.write_text(rendered + "! typed on the box\n")
    run = render(ws)
    assert run.code == 0 and run.built == 1
    assert config.read_text() == rendered


def test_full_ignores_the_cache(ws: Path) -> None:
    """A cache that lies (a hand-edited config, its digest edited to match) fools only the cache."""
    config = ws / "configs" / "pdx-102.cfg"
    rendered = config.read_text()
    tampered = rendered + "! typed on the box\n"
    config.write_text(tampered)
    cache = ws / "configs" / CACHE
    lines = cache.read_text().splitlines()
    from runbook_wan.build.inputs import digest_text

    for index, line in enumerate(lines[1:], start=1):
        entry = json.loads(line)
        if entry["site"] == "pdx-102":
            entry["outputs"]["pdx-102.cfg"] = digest_text(tampered)
            lines[index] = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    cache.write_text("\n".join(lines) + "\n")
    assert render(ws).built == 0 and config.read_text() == tampered
    full = render(ws, "--full")
    assert full.code == 0 and full.built == 6 and "--full" in full.out
    assert config.read_text() == rendered


def test_a_removed_site_loses_its_files_and_its_cache_line(ws: Path) -> None:
    (ws / "intents" / "sites" / "mia-203.yaml").unlink()
    run = render(ws)
    assert run.code == 0 and run.built == 0
    assert "1 removed" in run.out
    assert not (ws / "configs" / "mia-203.cfg").exists()
    assert "mia-203" not in (ws / "monitoring" / "probe-targets.yml").read_text()
    assert '"site":"mia-203"' not in (ws / "configs" / CACHE).read_text()


def test_a_cache_from_other_code_or_garbage_is_a_miss_not_an_error(ws: Path) -> None:
    cache = ws / "configs" / CACHE
    text = cache.read_text()
    cache.write_text(text.replace('"code":"', '"code":"0', 1))
    run = render(ws)
    assert run.code == 0 and run.built == 6 and "another version of Runbook" in run.out
    cache.write_text("not json\n{\n")
    assert render(ws).built == 6
    lines = cache.read_text().splitlines()
    cache.write_text("\n".join([lines[0], "{}", *lines[2:]]) + "\n")  # one line broken
    assert render(ws).built == 1


def test_check_fails_on_stale_outputs_and_writes_nothing(ws: Path) -> None:
    assert render(ws, "--check").code == 0
    edit(ws / "intents" / "sites" / "sea-101.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 900")
    before = outputs(ws)
    check = render(ws, "--check")
    assert check.code == 2, check.out + check.err
    assert "stale: configs/sea-101.cfg" in check.out
    assert "stale: monitoring/" not in check.out  # bandwidth is not in the probe targets
    assert "run `runbook.py render`" in check.out
    assert outputs(ws) == before
    assert render(ws).code == 0
    assert render(ws, "--check").code == 0


def test_check_names_stale_monitoring_and_removed_sites(ws: Path) -> None:
    edit(ws / "intents" / "sites" / "sea-101.yaml", "name: users", "name: staff")
    (ws / "intents" / "sites" / "mia-203.yaml").unlink()
    check = render(ws, "--check")
    assert check.code == 2
    assert "stale: configs/mia-203.cfg" in check.out
    assert "stale: monitoring/probe-targets.yml" in check.out


def test_limit_uses_the_cache_and_leaves_it_for_the_next_full_render(ws: Path) -> None:
    edit(ws / "intents" / "sites" / "sea-101.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 900")
    edit(ws / "intents" / "sites" / "pdx-102.yaml", "bandwidth_mbps: 500", "bandwidth_mbps: 800")
    cache = (ws / "configs" / CACHE).read_text()
    run = render(ws, "--limit", "sea-101")
    assert run.code == 0, run.err
    assert " 900M fiber" in (ws / "configs" / "sea-101.cfg").read_text()
    assert " 800M fiber" not in (ws / "configs" / "pdx-102.cfg").read_text()
    assert (ws / "configs" / CACHE).read_text() == cache
    full = render(ws)
    assert full.built == 2 and "1 written" in full.out


def test_an_error_writes_nothing_and_the_message_is_the_full_renders(ws: Path, tmp_path: Path) -> None:
    edit(ws / "intents" / "sites" / "sea-101.yaml", "gateway: 100.70.0.6", "gateway: 100.70.9.9")
    before = outputs(ws)
    cached = render(ws)
    assert cached.code == 1
    assert "sea-101.yaml" in cached.err and "gateway" in cached.err
    assert outputs(ws) == before
    assert not [p for p in (ws / "configs").iterdir() if p.name.endswith(".tmp")]
    full = render(ws, "--full")
    assert (full.code, full.err) == (cached.code, cached.err)


def test_two_processes_build_the_same_bytes_as_one(tmp_path: Path) -> None:
    one = workspace(tmp_path / "one")
    two = workspace(tmp_path / "two")
    assert render(one, "--jobs", "1").code == 0
    run = render(two, "--jobs", "2")
    assert run.code == 0 and "with 2 process(es)" in run.out
    assert outputs(one) == outputs(two)
    assert (one / "configs" / CACHE).read_text() == (two / "configs" / CACHE).read_text()


def test_the_workers_make_the_cache_entries_the_parent_would_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each site's cache entry (its inputs' digest and its line) is made by the worker that built
    the site; the parent makes none. The cache is byte for byte the one a parent making every
    entry itself writes."""
    made_here: list[str] = []

    def counted(outcome: SiteOutcome, digests: Any) -> Any:
        made_here.append(outcome.file)
        return site_entry(outcome, digests)

    monkeypatch.setattr(engine, "site_entry", counted)

    class ParentMakesEntries(SiteJob):
        def __init__(self, *args: Any, **options: Any) -> None:
            super().__init__(*args, **{**options, "digests": None})

    parent = workspace(tmp_path / "parent")
    with monkeypatch.context() as patch:
        patch.setattr(engine, "SiteJob", ParentMakesEntries)
        assert render(parent, "--jobs", "2").code == 0
    assert len(made_here) == 6
    made_here.clear()
    workers = workspace(tmp_path / "workers")
    run = render(workers, "--jobs", "2")
    assert run.code == 0 and "with 2 process(es)" in run.out
    assert made_here == []
    cache = (workers / "configs" / CACHE).read_text()
    assert cache == (parent / "configs" / CACHE).read_text()
    assert len(cache.splitlines()) == 7


@pytest.mark.parametrize("first_file", ["bos-201.yaml", "aaa-seattle.yaml"])
def test_monitoring_files_made_beside_the_workers_are_those_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_file: str
) -> None:
    """With workers, the parent makes the monitoring files from the first site file's block while
    they build the rest. When that file's site is not the estate's first site (``aaa-seattle.yaml``
    holds ``site: sea-101``; the first site is bos-201), those files are not used but made again."""
    one = workspace(tmp_path / "one")
    two = workspace(tmp_path / "two")
    if first_file != "bos-201.yaml":
        for root in (one, two):
            (root / "intents" / "sites" / "sea-101.yaml").rename(root / "intents" / "sites" / first_file)
    assert render(one, "--jobs", "1").code == 0
    used: list[bool] = []
    files_for = engine._EarlyMonitoring.files_for

    def spy(self: engine._EarlyMonitoring, ordered: Mapping[str, str]) -> dict[str, str] | None:
        found = files_for(self, ordered)
        used.append(found is not None)
        return found

    monkeypatch.setattr(engine._EarlyMonitoring, "files_for", spy)
    run = render(two, "--jobs", "2")
    assert run.code == 0 and "with 2 process(es)" in run.out, run.out + run.err
    assert used == [first_file == "bos-201.yaml"]
    assert outputs(one) == outputs(two)


def test_a_rotated_secret_value_rebuilds_the_sites_that_name_it(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keyed fingerprints of the values, recorded per machine: a rotation rebuilds, writes nothing new."""
    monkeypatch.setenv("RUNBOOK_SECRET_RUNBOOK_FINGERPRINT_KEY", "fingerprint-key-of-this-machine")
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_HARBORFIBER", "first-password")
    assert render(ws).built == 0  # the first fingerprints are recorded, nothing to compare with yet
    record = (ws / ".runbook" / "build" / "secrets.json").read_text()
    assert "first-password" not in record and "hmac-sha256:" in record
    assert render(ws).built == 0
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_HARBORFIBER", "second-password")
    run = render(ws)
    assert run.code == 0 and run.built == 3  # bos-201, mia-203, nyc-202 peer with harborfiber
    assert "0 written, 6 unchanged" in run.out  # configs hold tokens, never values
    assert "second-password" not in run.out + run.err
    assert render(ws).built == 0


def test_a_declared_rotation_rebuilds_through_the_provider_file(ws: Path) -> None:
    edit(
        ws / "intents" / "providers" / "harborfiber.yaml",
        "{secret: bgp-harborfiber}",
        "{secret: bgp-harborfiber, rotation: 2}",
    )
    run = render(ws)
    assert run.code == 0 and run.built == 3


def test_a_union_merged_cache_costs_at_most_a_rebuild(ws: Path) -> None:
    """What git's union merge leaves when both sides rendered: two headers, two lines for a site."""
    cache = ws / "configs" / CACHE
    lines = cache.read_text().splitlines()
    other_header = lines[0].replace('"code":"', '"code":"f', 1)
    stale = lines[1].replace('"inputs":"', '"inputs":"0', 1)
    cache.write_text("\n".join([lines[0], other_header, stale, *lines[1:]]) + "\n")
    run = render(ws)
    assert run.code == 0 and run.built == 0  # the later line of a site wins, and it still holds
    assert cache.read_text().splitlines() == lines  # written afresh
    cache.write_text("\n".join([other_header, lines[0], *lines[1:], stale]) + "\n")
    run = render(ws)
    assert run.code == 0 and run.built == 6  # another code's header first: every site rebuilt, same bytes
    assert "0 written" in run.out


def _count_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    compiled: list[str | None] = []
    real = jinja2.Environment.compile

    def counted(self: jinja2.Environment, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name)
        return real(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return compiled


def test_compiled_templates_are_reused_and_an_edited_template_is_compiled_again(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This user's cache keeps the compiled templates: a later render compiles none of them and
    writes the same bytes; an edited template is compiled from its new text."""
    assert sorted((Path(os.environ["RUNBOOK_CACHE"]) / "templates").glob("*.jinja")), "no compiled template was kept"
    before = outputs(ws)
    compiled = _count_compiles(monkeypatch)
    full = render(ws, "--full")
    assert full.code == 0 and full.built == len(SITES)
    assert compiled == [], "templates were compiled again"
    assert outputs(ws) == before
    template = ws / "templates" / "frr" / "bgp.j2"
    template.write_text(template.read_text() + "! reviewed\n")
    run = render(ws)
    assert run.code == 0 and run.built == len(FRR)
    assert compiled == ["frr/bgp.j2"]
    assert "! reviewed" in (ws / "configs" / "sea-101.cfg").read_text()


def test_a_new_workspace_reuses_the_templates_another_one_compiled(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh clone (no state folder; its own copy of the same templates) renders without compiling
    them again: the compiled templates are kept per user, not per workspace; the bytes are the same."""
    other = workspace(tmp_path / "clone")
    compiled = _count_compiles(monkeypatch)
    run = render(other)
    assert run.code == 0 and run.built == len(SITES), run.err
    assert not (other / ".runbook" / "build" / "templates").exists()
    assert compiled == [], "a new workspace compiled the templates again"
    assert outputs(other) == outputs(ws)


def test_a_cache_folder_others_may_write_to_is_never_used(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiled templates are code that runs: a cache folder that another user could write to is
    neither read nor written; every template is compiled, and the output is the same."""
    shared = tmp_path / "shared-cache"
    (shared / "templates").mkdir(parents=True)
    (shared / "templates").chmod(0o777)
    monkeypatch.setenv("RUNBOOK_CACHE", str(shared))
    before = outputs(ws)
    compiled = _count_compiles(monkeypatch)
    run = render(ws, "--full")
    assert run.code == 0 and run.built == len(SITES), run.err
    assert "frr/bgp.j2" in compiled, "templates from a folder others may write to were used"
    assert not list((shared / "templates").iterdir()), "compiled code was written to a folder others may write to"
    assert outputs(ws) == before
