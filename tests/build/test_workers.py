"""The worker processes as a user meets them when one fails: a worker killed mid-build (the OOM
killer) or a bug raised in a worker fails the render at once, says what happened, and writes
nothing; a render that uses workers leaves no process behind.

Each test renders the 6-site multi-vendor estate with ``--jobs 2`` in a scratch workspace. The
failure is made in the real worker: ``SiteJob.run`` is wrapped in this process before the workers
fork, so the wrapper runs in them.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from buildkit import edit, outputs, render, workspace

from runbook_wan.build.site_job import SiteJob, SiteOutcome

VICTIM = "nyc-202.yaml"


def _fail_in_worker(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """``SiteJob.run`` of the victim site, in a worker only, is killed by SIGKILL or raises."""
    parent = os.getpid()
    run = SiteJob.run

    def failing(self: SiteJob, path: Path) -> SiteOutcome:
        if path.name == VICTIM and os.getpid() != parent:
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise ValueError("a bug in a worker")
        return run(self, path)

    monkeypatch.setattr(SiteJob, "run", failing)


def _children() -> list[int]:
    """This process's child processes, from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found += [int(pid) for pid in (task / "children").read_text().split()]
    return found


def test_a_worker_killed_during_a_first_render_fails_it_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = workspace(tmp_path / "ws")
    _fail_in_worker(monkeypatch, "kill")
    run = render(root, "--jobs", "2")
    assert run.code == 1
    assert "a worker process building the sites was killed by signal 9 (SIGKILL)" in run.err
    assert "--jobs 1" in run.err and "Traceback" not in run.err
    assert "nothing was written" in run.err
    assert not (root / "configs").exists()
    assert [p.name for p in root.iterdir() if p.name.startswith(".configs")] == []
    assert _children() == []


def test_a_worker_killed_during_a_rebuild_leaves_every_committed_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = workspace(tmp_path / "ws")
    assert render(root, "--jobs", "1").code == 0
    before = outputs(root)
    cache = (root / "configs" / ".render-cache.jsonl").read_bytes()
    edit(root / "templates" / "frr" / "bgp.j2", "router bgp", "! every FRR site changes\nrouter bgp")
    edit(root / "intents" / "defaults.yaml", "\n", "\n# every site is rebuilt\n")
    _fail_in_worker(monkeypatch, "kill")
    run = render(root, "--jobs", "2")
    assert run.code == 1 and "killed by signal 9" in run.err
    assert outputs(root) == before
    assert (root / "configs" / ".render-cache.jsonl").read_bytes() == cache
    leftovers = [p.name for p in (root / "configs").iterdir() if p.name.startswith(".")]
    assert leftovers == [".render-cache.jsonl"]
    assert _children() == []


def test_an_error_raised_in_a_worker_is_raised_in_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As with a process pool: the worker's exception, raised again where the build was asked for."""
    root = workspace(tmp_path / "ws")
    _fail_in_worker(monkeypatch, "raise")
    with pytest.raises(ValueError, match="a bug in a worker"):
        render(root, "--jobs", "2")
    assert not (root / "configs").exists()
    assert _children() == []


def test_a_render_with_workers_leaves_no_process_behind(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    run = render(root, "--jobs", "2")
    assert run.code == 0 and "with 2 process(es)" in run.out
    assert len(outputs(root)) > 6
    assert _children() == []


def test_files_a_killed_render_staged_are_removed_by_the_next_one(tmp_path: Path) -> None:
    """Hand-built leftovers: the staged files a render killed mid-build leaves in ``configs/``
    (hidden, ``.<name>.<random>.tmp``) are removed by the next render, which says so; a user's own
    hidden file that only looks alike is kept."""
    root = workspace(tmp_path / "ws")
    assert render(root, "--jobs", "1").code == 0
    configs = root / "configs"
    staged = [".bos-201.cfg.0123abcd.tmp", ".sea-101.nft.deadbeef.tmp"]
    for name in staged:
        (configs / name).write_text("half a config\n")
    (configs / ".notes.tmp").write_text("mine\n")
    run = render(root)
    assert run.code == 0, run.err
    assert (
        f"note: removed 2 unfinished file(s) in configs/ ({', '.join(staged)}), left by a render that was killed"
        in (run.err)
    )
    assert sorted(p.name for p in configs.iterdir() if p.name.startswith(".")) == [".notes.tmp", ".render-cache.jsonl"]
