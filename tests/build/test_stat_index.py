"""This machine's index of file digests: a file untouched is not read again; a file written since,
even to the same size with its modification time put back, is."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from buildkit import count_reads, render, workspace

from runbook_wan.build import stat_index
from runbook_wan.build.inputs import digest_bytes
from runbook_wan.build.stat_index import StatIndex


def test_an_untouched_file_is_not_read_and_a_rewritten_one_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stat_index, "RACY_S", 0.0)
    data = tmp_path / "site.yaml"
    data.write_bytes(b"bandwidth_mbps: 1000\n")
    index_file = tmp_path / "state" / "stat-index"
    first = StatIndex(index_file)
    assert first.digest(data) == digest_bytes(b"bandwidth_mbps: 1000\n")
    first.save()
    reads = count_reads(monkeypatch)
    again = StatIndex(index_file)
    assert again.digest(data) == digest_bytes(b"bandwidth_mbps: 1000\n")
    assert reads == [], "an untouched file was read"
    info = data.stat()
    data.write_bytes(b"bandwidth_mbps: 2000\n")  # same size ...
    os.utime(data, ns=(info.st_atime_ns, info.st_mtime_ns))  # ... and the same modification time
    assert StatIndex(index_file).digest(data) == digest_bytes(b"bandwidth_mbps: 2000\n")
    assert reads == [data]


def test_a_file_changed_just_before_the_index_was_written_is_read_again(tmp_path: Path) -> None:
    data = tmp_path / "site.yaml"
    data.write_bytes(b"x: 1\n")
    index = StatIndex(tmp_path / "stat-index")
    index.digest(data)
    index.save()  # written within RACY_S of the file: not trusted
    assert StatIndex(tmp_path / "stat-index").entries == {}


def test_a_hand_edited_config_of_the_same_size_and_time_is_put_back(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    assert render(root).code == 0
    time.sleep(stat_index.RACY_S + 0.2)
    assert render(root).built == 0  # reads every output once, records them
    config = root / "configs" / "sea-101.cfg"
    rendered = config.read_bytes()
    info = config.stat()
    config.write_bytes(rendered.replace(b"router bgp", b"router BGP"))
    os.utime(config, ns=(info.st_atime_ns, info.st_mtime_ns))
    run = render(root)
    assert run.code == 0 and run.built == 1
    assert config.read_bytes() == rendered


def test_the_processes_that_build_the_sites_digest_their_files_and_the_next_render_reads_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each site file is digested by the worker that builds it (both cores), not by the command
    first; the command keeps those digests in the index, so the next render reads no site file."""
    root = workspace(tmp_path / "ws")
    sites = sorted((root / "intents" / "sites").glob("*.yaml"))
    time.sleep(stat_index.RACY_S + 0.2)  # files written just before the index are not trusted
    reads = count_reads(monkeypatch)
    run = render(root, "--jobs", "2")
    assert run.code == 0 and run.built == len(sites), run.out + run.err
    assert "2 process(es)" in run.out
    assert [p for p in reads if p.parent.name == "sites"] == [], "the command read site files itself"
    reads.clear()
    again = render(root)
    assert again.code == 0 and again.built == 0, again.out
    assert [p for p in reads if p.parent.name == "sites"] == [], "site files were read again"


def test_a_first_render_records_its_outputs_from_the_workers_and_the_next_reads_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first render writes ``configs/`` whole and renames it into place, which changes no file's
    stat: the workers take each output's stat as they write it, the command takes none, and the
    index holds every output with its stat as it is now, so the next render reads no output."""
    monkeypatch.setattr(stat_index, "RACY_S", 0.0)
    root = workspace(tmp_path / "ws")
    configs = root / "configs"
    taken: list[str] = []
    real = stat_index.file_stat

    def counted(path: str) -> tuple[str, int] | None:
        taken.append(path)
        return real(path)

    monkeypatch.setattr(stat_index, "file_stat", counted)  # the command's; the workers' is their own
    run = render(root, "--jobs", "2")
    assert run.code == 0 and "2 process(es)" in run.out, run.out + run.err
    assert [p for p in taken if p.startswith(str(configs))] == []
    index = StatIndex(root / ".runbook" / "build" / "stat-index")
    outputs = sorted(p for p in configs.iterdir() if not p.name.startswith("."))
    assert len(outputs) > 6
    for path in outputs:
        stat, digest = index.entries[str(path)]
        assert (stat, digest) == (real(str(path))[0], digest_bytes(path.read_bytes())), path  # type: ignore[index]
    reads = count_reads(monkeypatch)
    again = render(root)
    assert again.code == 0 and again.built == 0, again.out
    assert [p for p in reads if p.parent == configs] == [], "outputs were read again"
