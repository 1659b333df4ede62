"""Lead time tells the truth: a change is delivered where it lands (real estates in real git histories).

The commits are real, in a temporary repository built here from three example sites, with chosen
commit times; where each change lands is computed from those intents. The audit lines are
hand-built in the format the commands write (``deploy``'s ``rollout-start``/``site``/``rollout-end``,
``verify`` with the sites it found up, ``monitor up``'s ``monitoring-live``): no devices here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runbook_wan import cli as runbook
from runbook_wan.report.lead_time import change_open_seconds, lead_times
from runbook_wan.report.period import Period

REPO = Path(__file__).resolve().parents[2]
SITES = ("sea-001", "chi-021", "nyc-041")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTE = """  - name: field-digest
    match: {alertname: ConfigDrift}
    notify: [{channel: email, to: noc}]
"""


def _git(repo: Path, *args: str, when: datetime | None = None) -> str:
    env = dict(os.environ)
    if when is not None:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S+0000")
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True, env=env)
    return done.stdout.strip()


def _commit(repo: Path, message: str, when: datetime) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message, when=when)
    return _git(repo, "rev-parse", "HEAD")


def _edit(repo: Path, relative: str, old: str, new: str) -> None:
    path = repo / relative
    text = path.read_text()
    assert old in text, (old, relative)
    path.write_text(text.replace(old, new, 1))


def _audit(path: Path, at: datetime, event: str, **fields: object) -> None:
    record = {"ts": at.strftime("%Y-%m-%dT%H:%M:%S+0000"), "event": event, "user": "ops", **fields}
    with path.open("a") as handle:
        handle.write(json.dumps(record) + "\n")


def _rollout(audit: Path, at: datetime, commit: str, rollout: str, sites: dict[str, str]) -> None:
    """What deploy writes: rollout-start, one ``site`` record per site, rollout-end."""
    _audit(audit, at, "rollout-start", rollout_id=rollout, intents_commit=commit, sites=sorted(sites))
    for site, result in sites.items():
        _audit(
            audit,
            at + timedelta(minutes=1),
            "site",
            rollout_id=rollout,
            intents_commit=commit,
            site=site,
            result=result,
        )
    summary = {"changed": sum(r == "changed" for r in sites.values()), "failed": 0, "rolled_back": 0}
    _audit(audit, at + timedelta(minutes=2), "rollout-end", rollout_id=rollout, halted=False, summary=summary)


def _verify(audit: Path, at: datetime, commit: str, up: list[str], limit: str | None = None) -> None:
    _audit(audit, at, "verify", intents_commit=commit, result="up", up=len(up), total=len(up), limit=limit, sites_up=up)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    intents = repo / "intents"
    shutil.copytree(REPO / "intents", intents, ignore=shutil.ignore_patterns("sites"))
    (intents / "sites").mkdir()
    for site in SITES:
        shutil.copy(REPO / "intents" / "sites" / f"{site}.yaml", intents / "sites")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "ops@example.com")
    _git(repo, "config", "user.name", "Ops")
    _commit(repo, "estate of three sites", T0)
    return repo


def test_a_clean_clone_fully_deployed_and_verified_has_no_open_change(repo: Path, tmp_path: Path) -> None:
    audit = tmp_path / "state" / "audit.log"
    audit.parent.mkdir()
    head = _git(repo, "rev-parse", "HEAD")
    now = T0 + timedelta(days=5)
    _rollout(audit, now - timedelta(minutes=10), head, "r1", dict.fromkeys(SITES, "changed"))
    _verify(audit, now - timedelta(minutes=5), head, list(SITES))
    report = lead_times(repo / "intents", audit, Period(T0 - timedelta(days=30), now), now)
    assert report.open == [] and report.promise_kept and report.baseline == 1
    assert change_open_seconds(repo / "intents", audit, now) == 0  # ChangeOverdue stays quiet
    code = runbook.main(["--state", str(audit.parent), "report", "lead-time", "--intents", str(repo / "intents")])
    assert code == 0


def test_each_change_is_delivered_where_it_lands(repo: Path, tmp_path: Path) -> None:
    audit = tmp_path / "state" / "audit.log"
    audit.parent.mkdir()
    base = _git(repo, "rev-parse", "HEAD")
    _audit(audit, T0 + timedelta(minutes=5), "plan", intents_commit=base)  # the audit log starts here
    # 1. notifications only, merged from a branch (the merge is the change on main's first-parent line)
    _git(repo, "checkout", "-q", "-b", "alerting")
    _edit(repo, "intents/notifications.yaml", "routes:\n", "routes:\n" + ROUTE)
    _commit(repo, "route ConfigDrift to the NOC by mail", T0 + timedelta(hours=1))
    _git(repo, "checkout", "-q", "main")
    _git(repo, "merge", "-q", "--no-ff", "-m", "Merge alerting", "alerting", when=T0 + timedelta(hours=1, minutes=5))
    notifications = _git(repo, "rev-parse", "HEAD")
    # 2. one site's bandwidth: reaches sea-001 only
    _edit(repo, "intents/sites/sea-001.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    one_site = _commit(repo, "sea-001: 2 Gbit/s fiber", T0 + timedelta(hours=1, minutes=10))
    # 3. a comment: reaches nothing that runs
    _edit(
        repo, "intents/providers/cablenet.yaml", "provider: cablenet", "# carrier contract renewed\nprovider: cablenet"
    )
    comment = _commit(repo, "comment only", T0 + timedelta(hours=1, minutes=20))
    at = T0 + timedelta(hours=1, minutes=30)
    # a --limit rollout of sea-001 and a verify of sea-001 deliver the one-site change (the others
    # were not part of that rollout and need nothing)
    _rollout(audit, at, comment, "r-limit", {"sea-001": "changed"})
    _verify(audit, at + timedelta(minutes=5), comment, ["sea-001"], limit="sea-001")
    now = at + timedelta(hours=2)
    report = lead_times(repo / "intents", audit, Period(T0, now), now)
    by_sha = {c.commit.sha: c for c in report.changes}
    assert list(by_sha) == [notifications, one_site, comment]
    assert by_sha[notifications].reach.kind == "monitoring"  # type: ignore[union-attr]
    assert by_sha[one_site].reach.kind == "devices" and by_sha[one_site].reach.sites == ["sea-001"]  # type: ignore[union-attr]
    assert by_sha[comment].reach.kind == "none" and not by_sha[comment].applicable  # type: ignore[union-attr]
    assert not by_sha[one_site].open and by_sha[one_site].stages["verified"] == at + timedelta(minutes=5)
    assert by_sha[one_site].rollout_id == "r-limit"
    # the notifications change is open until the monitoring runs it
    assert [c.commit.sha for c in report.open] == [notifications] and by_sha[notifications].pending == ["monitoring"]
    assert [c.commit.sha for c in report.overdue] == [notifications]
    _audit(audit, at + timedelta(minutes=20), "monitoring-live", intents_commit=comment, services=["alertmanager"])
    report = lead_times(repo / "intents", audit, Period(T0, now), now)
    assert report.open == [] and report.promise_kept
    delivered = {c.commit.sha: c for c in report.changes}[notifications]
    assert delivered.stages["verified"] == at + timedelta(minutes=20)
    assert (
        delivered.lead_seconds(now)
        == (at + timedelta(minutes=20) - (T0 + timedelta(hours=1, minutes=5))).total_seconds()
    )
    assert change_open_seconds(repo / "intents", audit, now) == 0
    # the reaches were computed once and are kept beside the audit log
    cached = json.loads((audit.parent / "lead-time" / "reach.json").read_text())["reach"]
    assert cached[one_site] == {"kind": "devices", "sites": ["sea-001"], "monitoring": False, "note": ""}


def test_a_site_not_yet_verified_keeps_the_change_open_and_says_which(repo: Path, tmp_path: Path) -> None:
    audit = tmp_path / "state" / "audit.log"
    audit.parent.mkdir()
    _audit(audit, T0 + timedelta(minutes=5), "plan", intents_commit=_git(repo, "rev-parse", "HEAD"))
    # a BFD default: every site's config changes
    _edit(repo, "intents/defaults.yaml", "interval_ms: 500", "interval_ms: 400")
    change = _commit(repo, "faster BFD", T0 + timedelta(hours=1))
    at = T0 + timedelta(hours=1, minutes=5)
    _rollout(audit, at, change, "r1", {"sea-001": "changed", "chi-021": "changed", "nyc-041": "rolled_back"})
    _verify(audit, at + timedelta(minutes=4), change, ["sea-001", "chi-021"], limit="sea-001,chi-021")
    now = at + timedelta(minutes=30)
    [found] = lead_times(repo / "intents", audit, Period(T0, now), now).changes
    assert found.reach.sites == sorted(SITES)  # type: ignore[union-attr]
    assert found.open and found.pending == ["nyc-041"] and "deployed" not in found.stages
    _rollout(audit, at + timedelta(minutes=10), change, "r2", {"nyc-041": "changed"})
    _verify(audit, at + timedelta(minutes=12), change, ["nyc-041"], limit="nyc-041")
    [found] = lead_times(repo / "intents", audit, Period(T0, now), now).changes
    assert not found.open and found.stages["verified"] == at + timedelta(minutes=12)
