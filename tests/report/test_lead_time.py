"""Lead time from a real git history and hand-built audit records (the lab test uses a real rollout's log).

The audit lines here are hand-built in the format ``rollout/audit.py`` writes; the commits are
real, in a temporary repository, with chosen commit times.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runbook_wan import cli as runbook
from runbook_wan.report.lead_time import lead_times
from runbook_wan.report.period import Period

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _git(repo: Path, *args: str, when: datetime | None = None) -> str:
    env = dict(os.environ)
    if when is not None:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S+0000")
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True, env=env)
    return done.stdout.strip()


def _commit(repo: Path, file: str, text: str, message: str, when: datetime) -> str:
    path = repo / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message, when=when)
    return _git(repo, "rev-parse", "HEAD")


def _audit(path: Path, at: datetime, event: str, **fields: object) -> None:
    record = {"ts": at.strftime("%Y-%m-%dT%H:%M:%S+0000"), "event": event, "user": "ops", **fields}
    with path.open("a") as handle:
        handle.write(json.dumps(record) + "\n")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "ops@example.com")
    _git(repo, "config", "user.name", "Ops")
    return repo


def _deploy(audit: Path, at: datetime, commit: str, rollout: str, *, clean: bool = True) -> None:
    _audit(audit, at, "rollout-start", rollout_id=rollout, intents_commit=commit)
    summary = {"changed": 3, "failed": 0 if clean else 1, "rolled_back": 0}
    _audit(audit, at + timedelta(minutes=2), "rollout-end", rollout_id=rollout, halted=not clean, summary=summary)


def test_stages_superseded_changes_baseline_and_failed_rollouts(repo: Path, tmp_path: Path) -> None:
    audit = tmp_path / "audit.log"
    base = _commit(repo, "intents/sites/a.yaml", "a: 1\n", "estate", T0)
    _deploy(audit, T0 + timedelta(minutes=5), base, "r-base")
    _audit(audit, T0 + timedelta(minutes=8), "verify", intents_commit=base, result="up")
    c1 = _commit(repo, "intents/policies/p.yaml", "p: 1\n", "policy one", T0 + timedelta(hours=1))
    _commit(repo, "README.md", "docs\n", "docs only: not a change", T0 + timedelta(hours=1, minutes=1))
    c2 = _commit(repo, "intents/policies/p.yaml", "p: 2\n", "policy two", T0 + timedelta(hours=1, minutes=10))
    head = _git(repo, "rev-parse", "HEAD")
    at = T0 + timedelta(hours=1, minutes=12)
    _audit(audit, at, "plan", intents_commit=head + "+dirty")  # a dirty tree contains its HEAD
    _audit(audit, at + timedelta(minutes=1), "validate", intents_commit=head, result="failed")
    _audit(audit, at + timedelta(minutes=2), "validate", intents_commit=head, result="passed")
    _deploy(audit, at + timedelta(minutes=3), head, "r-bad", clean=False)  # failed: not deployed
    _audit(audit, at + timedelta(minutes=6), "verify", intents_commit=head, result="up")  # before a clean deploy
    _deploy(audit, at + timedelta(minutes=10), head, "r-good")
    _audit(audit, at + timedelta(minutes=14), "verify", intents_commit=head, result="down")
    _audit(audit, at + timedelta(minutes=16), "verify", intents_commit=head, result="up")
    now = T0 + timedelta(hours=3)
    report = lead_times(repo / "intents", audit, Period(T0 - timedelta(days=1), now), now)
    assert report.baseline == 1  # the estate commit the first audit record already contained
    assert [c.commit.sha for c in report.changes] == [c1, c2]  # the docs commit is no intents change
    first, second = report.changes
    # c1 was delivered by the deploy of c2: its stages are the same events, its lead time longer
    for change in (first, second):
        assert change.stages["plan"] == at
        assert change.stages["validate"] == at + timedelta(minutes=2)
        assert change.stages["deploy_start"] == at + timedelta(minutes=3)  # the first attempt
        assert change.stages["deployed"] == at + timedelta(minutes=12)  # the clean one
        assert change.stages["verified"] == at + timedelta(minutes=16)
        assert change.rollout_id == "r-good"
    assert second.lead_seconds(now) == 18 * 60
    assert first.lead_seconds(now) == 28 * 60
    assert report.median_s == 23 * 60 and report.worst_s == 28 * 60 and report.promise_kept


def test_an_open_change_older_than_one_hour_is_flagged(repo: Path, tmp_path: Path) -> None:
    audit = tmp_path / "audit.log"
    base = _commit(repo, "intents/a.yaml", "a: 1\n", "estate", T0)
    _deploy(audit, T0 + timedelta(minutes=1), base, "r1")
    late = _commit(repo, "intents/a.yaml", "a: 2\n", "not deployed yet", T0 + timedelta(minutes=30))
    period = Period(T0, T0 + timedelta(days=1))
    fresh = lead_times(repo / "intents", audit, period, now=T0 + timedelta(minutes=80))
    assert fresh.open[0].commit.sha == late and fresh.promise_kept  # open 50 minutes: still within
    old = lead_times(repo / "intents", audit, period, now=T0 + timedelta(minutes=91))
    assert old.overdue[0].commit.sha == late and not old.promise_kept  # open 61 minutes: flagged


def test_cli_outside_git_is_a_clear_error(
    tmp_path: Path, example_intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    intents = tmp_path / "intents"
    intents.mkdir()
    code = runbook.main(["--state", str(tmp_path / "s"), "report", "lead-time", "--intents", str(intents)])
    err = capsys.readouterr().err
    assert code == 1 and "not in a git repository" in err and "Traceback" not in err
    code = runbook.main(["--state", str(tmp_path / "s"), "report", "lead-time", "--since", "yesterday"])
    assert code == 1 and "--since 'yesterday' is not a date" in capsys.readouterr().err
