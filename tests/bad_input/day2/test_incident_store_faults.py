"""A broken, read-only or full incident store gives a clear error, never a traceback, and loses nothing
(issue 21, class 5).

Real files only: a store written by the real code and then corrupted, truncated or emptied; a
read-only bind mount; a 1 MiB tmpfs filled to the last byte. Each ``incidents`` command must end
with one diagnostic naming the file and the fix (exit 1), the pane must still render, and a store
that was intact before a failed write must be intact after it (``PRAGMA integrity_check``).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from runbook_wan import cli as runbook
from runbook_wan.credentials.redact import Redactor
from runbook_wan.model.notifications import Notifications
from runbook_wan.notify.engine import Notifier
from runbook_wan.notify.service import build_app
from runbook_wan.ops.incidents import IncidentStore
from runbook_wan.ops.sqlite_open import StoreError
from runbook_wan.ops.stack import incidents_path

INTENTS = Path(__file__).resolve().parents[2] / "errors" / "_base" / "intents"
COMMANDS = (
    ["incidents", "list"],
    ["incidents", "list", "--all", "--format", "json"],
    ["incidents", "ack", "inc-000001", "--by", "alice"],
    ["incidents", "resolve", "inc-000001", "--by", "alice"],
)


def run(state: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = runbook.main(["--no-color", "--state", str(state), *argv])
    return code, out.getvalue(), err.getvalue()


def seeded(state: Path, count: int = 200) -> IncidentStore:
    """A store with ``count`` incidents (ids inc-000000..), checkpointed so the main file holds them all."""
    store = IncidentStore(incidents_path(state), draw=_counter())
    with store.batch() as tx:
        for index in range(count):
            tx.open_incident(f"fp-{index}", "CircuitDown", {"site": f"s-{index}", "note": "x" * 200}, "down")
    _checkpoint(store.path)
    return store


def _counter() -> Callable[[int], str]:
    """Ids in order (inc-000000, inc-000001, ...) so a test can name one."""
    numbers = iter(range(10**9))
    return lambda digits: f"{next(numbers):0{digits}d}"


def _checkpoint(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def intact(path: Path) -> int:
    """Incidents in a store that passes SQLite's integrity check."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return int(db.execute("SELECT count(*) FROM incidents").fetchone()[0])


def assert_clear_error(state: Path, code_word: str, *, commands: tuple[list[str], ...] = COMMANDS) -> None:
    for argv in commands:
        code, out, err = run(state, *argv)
        assert code == 1 and "Traceback" not in out + err, (argv, err)
        [line] = [line for line in err.splitlines() if line.startswith("error:")]
        assert str(incidents_path(state)) in line and f"[{code_word}]" in line and "hint:" in line, line


def assert_pane_copes(state: Path) -> None:
    code, out, err = run(state, "status", "--intents", str(INTENTS), "--format", "json")
    assert code == 0 and "Traceback" not in err, err
    view = json.loads(out)
    assert view["open_incidents"] == [], view
    assert any(str(incidents_path(state)) in notice for notice in view["notices"]), view["notices"]


@pytest.mark.parametrize(
    ("damage", "code_word", "notifier_starts_afresh"),
    [
        ("header overwritten", "store-corrupt", False),
        ("pages overwritten", "store-corrupt", False),
        ("truncated to half", "store-corrupt", False),
        ("emptied", "store-schema", True),  # a 0-byte file is an empty database: the notifier sets it up
        ("another program's database", "store-schema", False),
    ],
)
def test_a_damaged_store_is_named_with_its_fix_by_every_incidents_command(
    tmp_path: Path, damage: str, code_word: str, notifier_starts_afresh: bool
) -> None:
    store = seeded(tmp_path)
    path = store.path
    raw = path.read_bytes()
    if damage == "header overwritten":
        path.write_bytes(b"\x00" * 100 + raw[100:])
    elif damage == "pages overwritten":
        path.write_bytes(raw[:4096] + bytes(range(256)) * 64 + raw[4096 + 256 * 64 :])
    elif damage == "truncated to half":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "emptied":
        path.write_bytes(b"")
    else:
        path.unlink()
        with contextlib.closing(sqlite3.connect(path)) as db:
            db.execute("CREATE TABLE notes (x)")
            db.commit()
    assert_clear_error(tmp_path, code_word)
    assert_pane_copes(tmp_path)
    if notifier_starts_afresh:
        IncidentStore(path).check()
        assert intact(path) == 0
        return
    with pytest.raises(StoreError) as refused:  # the notifier refuses to start on it, with the same words
        IncidentStore(path).check()
    assert refused.value.code == code_word


def test_the_webhook_answers_503_and_records_nothing_when_the_store_breaks_under_it(tmp_path: Path) -> None:
    store = seeded(tmp_path, 3)
    app = build_app(Notifier(Notifications.model_validate({}), {}, store, Redactor()))
    store.path.write_bytes(b"\x00" * 100 + store.path.read_bytes()[100:])
    body = {"version": "4", "status": "firing", "receiver": "x", "alerts": [{"status": "firing", "fingerprint": "f"}]}

    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            return await client.post("/alerts", json=body)

    answer = asyncio.run(post())
    assert answer.status_code == 503 and "corrupt or truncated" in answer.json()["error"]


# --- read-only and full: real mounts (root) ----------------------------------------------------


@contextlib.contextmanager
def mounted(args: list[str], source: str, target: Path) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", *args, source, str(target)], check=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=True)


@contextlib.contextmanager
def read_only_view(folder: Path, at: Path) -> Iterator[Path]:
    """``folder`` seen through a read-only bind mount at ``at`` (root may not write there either)."""
    with mounted(["--bind"], str(folder), at):
        subprocess.run(["mount", "-o", "remount,bind,ro", str(at)], check=True)
        yield at


@pytest.mark.lab
def test_a_store_in_a_read_only_folder_is_read_and_a_write_is_refused_clearly(
    require_lab: None, tmp_path: Path
) -> None:
    seeded(tmp_path / "state", 5)
    with read_only_view(tmp_path / "state", tmp_path / "ro") as view:
        assert not list((view / "monitor").glob("*-shm")), "a clean store has no -shm to lean on"
        code, out, err = run(view, "incidents", "list", "--format", "json")
        assert code == 0 and len(json.loads(out)) == 5, err
        code, out, err = run(view, "status", "--intents", str(INTENTS), "--format", "json")
        assert code == 0 and len(json.loads(out)["open_incidents"]) == 5, err
        assert_clear_error(view, "store-read-only", commands=(["incidents", "ack", "inc-000001"],))


@pytest.mark.lab
def test_a_read_only_store_with_unmerged_changes_is_read_with_its_shm_or_refused_with_why(
    require_lab: None, tmp_path: Path
) -> None:
    live = tmp_path / "live" / "monitor"
    seeded(tmp_path / "live", 5)
    writer = sqlite3.connect(incidents_path(tmp_path / "live"))  # a notifier still running: changes in -wal
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("UPDATE incidents SET status = 'acknowledged', acknowledged_by = 'bob'")
    writer.commit()
    try:
        assert (live / "incidents.sqlite-wal").stat().st_size > 0
        with_shm, without_shm = tmp_path / "a", tmp_path / "b"
        for copy, names in ((with_shm, ("", "-wal", "-shm")), (without_shm, ("", "-wal"))):
            (copy / "monitor").mkdir(parents=True)
            for suffix in names:
                shutil.copy(live / f"incidents.sqlite{suffix}", copy / "monitor" / f"incidents.sqlite{suffix}")
    finally:
        writer.close()
    with read_only_view(with_shm, tmp_path / "ro-a") as view:
        code, out, err = run(view, "incidents", "list", "--format", "json")
        assert code == 0, err
        assert {i["acknowledged_by"] for i in json.loads(out)} == {"bob"}, "the changes in -wal are seen"
    with read_only_view(without_shm, tmp_path / "ro-b") as view:
        assert_clear_error(view, "store-read-only", commands=(["incidents", "list"],))
        code, _out, err = run(view, "incidents", "list")
        assert "-wal" in err and "copy" in err


def fill(filler: Path) -> None:
    """Write ``filler`` until the file system has no byte left."""
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0")
    finally:
        os.close(fd)


@pytest.mark.lab
def test_a_full_disk_refuses_the_write_whole_and_the_store_stays_intact(require_lab: None, tmp_path: Path) -> None:
    state = tmp_path / "state"
    with mounted(["-t", "tmpfs", "-o", "size=1m"], "tmpfs", state / "monitor"):
        store = seeded(state, 20)
        before = intact(store.path)
        filler = state / "monitor" / "filler"
        fill(filler)
        app = build_app(Notifier(Notifications.model_validate({}), {}, store, Redactor()))
        alerts = [{"status": "firing", "fingerprint": f"new-{i}", "labels": {"site": "x" * 500}} for i in range(200)]
        body = {"version": "4", "status": "firing", "receiver": "x", "alerts": alerts}

        async def post() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
                return await client.post("/alerts", json=body)

        answer = asyncio.run(post())
        assert answer.status_code == 503, answer.text
        said = answer.json()["error"]
        assert "no space left" in said and "nothing of this webhook was recorded" in said
        assert_clear_error(state, "store-full", commands=(["incidents", "ack", "inc-000001"],))
        assert intact(store.path) == before
        code, out, _err = run(state, "incidents", "list", "--all", "--format", "json")
        assert code == 0 and len(json.loads(out)) == before and not any(i["acknowledged_by"] for i in json.loads(out))

        filler.unlink()  # space again: Alertmanager's retry of the same group records all of it
        answer = asyncio.run(post())
        assert answer.status_code == 200 and len(answer.json()["opened"]) == 200
        assert intact(store.path) == before + 200


def test_the_answers_tables_beside_the_incidents_are_ours_not_a_foreign_file(tmp_path: Path) -> None:
    """The inbound store (replies, receipts) may create the file first; the notifier then adds its tables."""
    from runbook_wan.ops.inbound import InboundStore

    path = tmp_path / "incidents.sqlite"
    InboundStore(path)
    IncidentStore(path).check()
    assert intact(path) == 0


def test_a_byte_that_is_not_utf8_in_an_id_or_site_is_a_usage_error(tmp_path: Path) -> None:
    """A real process, given raw bytes on its command line (they were a UnicodeEncodeError in SQLite)."""
    seeded(tmp_path, 2)
    repo = Path(__file__).resolve().parents[3]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(repo / "src"), str(repo / "napalm_frr" / "src")]))
    for argv in ([b"incidents", b"list", b"--site", b"s-\xff"], [b"incidents", b"ack", b"inc-\xc3\x28"]):
        done = subprocess.run(
            [sys.executable.encode(), str(repo / "runbook.py").encode(), b"--state", str(tmp_path).encode(), *argv],
            capture_output=True,
            env=env,
            check=False,
            timeout=60,
        )
        err = done.stderr.decode(errors="replace")
        assert done.returncode == 1 and "Traceback" not in err, err
        assert "is not UTF-8" in err and "[usage]" in err, err
