"""``runbook.py users`` and ``runbook.py audit``, run as a person would (real processes, real state folder)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from pagekit import REPO, cli_env

PASSWORD = "carol-cli-pass-2468"


def run(state: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--no-color", "--state", str(state), *args],
        input=stdin,
        env=cli_env({"RUNBOOK_USER": "lead"}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )


def test_users_lifecycle_from_the_command_line(tmp_path: Path) -> None:
    state = tmp_path / "state"
    added = run(state, "users", "add", "carol", "--role", "operator", "--region", "west", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "added carol: operator, west" in added.stderr and "first account" in added.stderr
    listed = json.loads(run(state, "users", "list", "--format", "json").stdout)
    assert listed == [
        {
            "name": "carol",
            "role": "operator",
            "regions": ["west"],
            "totp": False,
            "tokens": 0,
            "created_at": listed[0]["created_at"],
            "updated_at": listed[0]["updated_at"],
        }
    ]
    token = run(state, "users", "token", "carol")
    assert token.returncode == 0 and token.stdout.startswith("rbk_") and len(token.stdout.strip()) > 40
    assert token.stdout.strip() not in token.stderr
    db = state / "access" / "accounts.sqlite"
    assert (db.stat().st_mode & 0o777) == 0o600 and ((state / "access").stat().st_mode & 0o777) == 0o700
    raw = db.read_bytes() + b"".join(p.read_bytes() for p in db.parent.glob("accounts.sqlite-*"))
    assert PASSWORD.encode() not in raw and token.stdout.strip().encode() not in raw  # hashed, both
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$")
    role = run(state, "users", "role", "carol", "admin")
    assert role.returncode == 0 and "carol: admin, all regions" in role.stderr
    removed = run(state, "users", "remove", "carol")
    assert removed.returncode == 0
    assert json.loads(run(state, "users", "list", "--format", "json").stdout) == []
    audit = json.loads(run(state, "audit", "--format", "json").stdout)
    assert [(r["event"], r["user"], r["via"], r["target"]) for r in audit] == [
        ("user-add", "lead", "cli", "carol"),
        ("user-token", "lead", "cli", "carol"),
        ("user-role", "lead", "cli", "carol"),
        ("user-remove", "lead", "cli", "carol"),
    ]
    everything = (state / "audit.log").read_text()
    assert PASSWORD not in everything and token.stdout.strip() not in everything
    assert json.loads(run(state, "audit", "--since", "1h", "--format", "json", "--user", "nobody").stdout) == []


def test_bad_input_is_one_clear_error_each(tmp_path: Path) -> None:
    state = tmp_path / "state"
    short = run(state, "users", "add", "bob", "--role", "viewer", stdin="short\n")
    assert short.returncode == 1 and "shorter than 10 characters" in short.stderr and "Traceback" not in short.stderr
    region = run(state, "users", "add", "bob", "--role", "viewer", "--region", "mars", stdin=PASSWORD + "\n")
    assert region.returncode == 1 and "no region 'mars'" in region.stderr
    assert "central, east, south, west" in region.stderr
    name = run(state, "users", "add", "Bob Smith", "--role", "viewer", stdin=PASSWORD + "\n")
    assert name.returncode == 1 and "user name 'Bob Smith' is not valid" in name.stderr
    empty = run(state, "users", "add", "bob", "--role", "viewer", stdin="")
    assert empty.returncode == 1 and "no password on stdin" in empty.stderr
    argv = run(state, "users", "add", "bob", "--role", "viewer", "--password", PASSWORD)
    assert argv.returncode == 1 and "unrecognized arguments: --password" in argv.stderr  # never from argv
    unknown = run(state, "users", "remove", "nobody")
    assert unknown.returncode == 1 and "no user nobody" in unknown.stderr
    since = run(state, "audit", "--since", "yesterday")
    assert since.returncode == 1 and "is not a date" in since.stderr
    assert not (state / "access" / "accounts.sqlite").exists() or run(state, "users", "list").stdout.startswith("no")
