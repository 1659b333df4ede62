"""A rollout's silences and RolloutHalted against a real Alertmanager (Debian's), without a lab.

Per site, from just before its commit: a silence that covers the change window and the alerts'
``for`` + ``keep_firing_for``, lifted once the site is verified healthy and quiet; RolloutHalted
for a failed site. With Alertmanager down the rollout goes on: what could not be posted is named in
the report, kept in the outbox and posted once Alertmanager is back. The alerts posted here by
hand stand in for Prometheus (no Prometheus runs in these tests).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))
from notifykit import Alertmanager, alert, free_port

from runbook_wan.monitoring.alertmanager_api import AlertmanagerClient
from runbook_wan.monitoring.rules import rule_groups
from runbook_wan.monitoring.timing import PRODUCTION
from runbook_wan.rollout.change_window import (
    MARGIN_S,
    ChangeWindow,
    Outbox,
    alert_hold_s,
    change_window,
    flush_outbox,
)

CONFIG: dict[str, Any] = {
    "route": {"receiver": "null", "group_by": ["alertname", "site"]},
    "receivers": [{"name": "null"}],
}


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Alertmanager]:
    am = Alertmanager(tmp_path, CONFIG).start()
    try:
        yield am
    finally:
        am.stop()


def _window(state: Path, url: str, warnings: list[str], window_s: float = 600) -> ChangeWindow:
    return ChangeWindow(AlertmanagerClient(url), "r-test", window_s, warnings.append, state)


def _active(url: str) -> dict[str, dict[str, Any]]:
    """Active silences by their site matcher."""
    found = {}
    for silence in AlertmanagerClient(url).silences():
        if silence["status"]["state"] == "active":
            site = next(m["value"] for m in silence["matchers"] if m["name"] == "site")
            found[site] = silence
    return found


def test_the_silence_covers_the_alerts_hold_from_the_rules_in_force() -> None:
    hold = alert_hold_s(rule_groups(PRODUCTION))
    # CircuitSLABreach holds longest: for 5 m + keep_firing_for 1 m
    assert hold == PRODUCTION.sla_for + PRODUCTION.keep_firing_for == 360
    # scaled to a 1 s scrape (the tests' monitoring), every duration shrinks by the same factor
    assert alert_hold_s(rule_groups(PRODUCTION.scaled(1))) == pytest.approx(360 / PRODUCTION.scrape_interval)


def test_a_site_is_silenced_for_its_change_and_the_silence_lifted_once_it_is_healthy_and_quiet(
    tmp_path: Path, alertmanager: Alertmanager
) -> None:
    warnings: list[str] = []
    window = change_window(tmp_path, "r-test", 160, warnings.append, {"RUNBOOK_ALERTMANAGER_URL": alertmanager.url})
    assert window.window_s == 160 + 360 + MARGIN_S  # revert timer + gate, the alerts' hold, a margin
    window.open_site("sea-001")
    window.open_site("chi-021")
    silences = _active(alertmanager.url)
    assert set(silences) == {"sea-001", "chi-021"}
    assert {"name": "alertname", "value": "RolloutHalted", "isRegex": False, "isEqual": False} in silences["sea-001"][
        "matchers"
    ]
    ends = datetime.fromisoformat(silences["sea-001"]["endsAt"].replace("Z", "+00:00"))
    assert ends - datetime.now(UTC) > timedelta(seconds=160 + 360)
    # chi-021's change set off an alert that still fires: its silence stays; sea-001 is quiet: lifted.
    alertmanager.post(alert("CircuitDown", site="chi-021", circuit="primary_dia"))
    window.site_done("sea-001", healthy=True)
    window.site_done("chi-021", healthy=True)
    window.sweep()
    assert set(_active(alertmanager.url)) == {"chi-021"}
    report = window.finish()
    assert report.expired_early == ["sea-001"] and sorted(report.silenced) == ["chi-021", "sea-001"]
    assert report.silences_not_set == [] and report.outbox is None and warnings == []


def test_a_failed_site_keeps_its_silence_and_raises_rollouthalted(tmp_path: Path, alertmanager: Alertmanager) -> None:
    window = _window(tmp_path, alertmanager.url, [])
    window.open_site("sea-001")
    window.site_done("sea-001", healthy=False)
    window.report({"sea-001": "health gate failed"}, [], {"sea-001": "west"}, "canary had 1 failure(s)")
    window.finish()
    assert set(_active(alertmanager.url)) == {"sea-001"}  # rolled back: its alerts end inside the silence
    [halted] = [a for a in AlertmanagerClient(alertmanager.url).alerts() if a["labels"]["alertname"] == "RolloutHalted"]
    assert (halted["labels"]["site"], halted["labels"]["region"], halted["labels"]["severity"]) == (
        "sea-001",
        "west",
        "critical",
    )
    assert halted["annotations"]["rollout"] == "r-test"
    # a later rollout that brings the site up resolves it
    later = _window(tmp_path, alertmanager.url, [])
    later.report({}, ["sea-001"], {"sea-001": "west"}, "")
    assert not [a for a in AlertmanagerClient(alertmanager.url).alerts() if a["labels"]["alertname"] == "RolloutHalted"]


def test_alertmanager_down_the_rollout_goes_on_the_report_names_what_was_missed_and_it_is_posted_later(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    warnings: list[str] = []
    window = _window(tmp_path, url, warnings)
    for site in ("sea-001", "chi-021"):
        window.open_site(site)  # refused at once: no waiting on a dead Alertmanager per site
    window.site_done("sea-001", healthy=True)
    window.site_done("chi-021", healthy=False)
    window.sweep()
    window.report({"chi-021": "health gate failed"}, ["sea-001"], {"chi-021": "central"}, "wave 1 halted")
    report = window.finish()
    assert len([w for w in warnings if "did not answer" in w]) == 1, warnings  # one warning, not one per site
    assert report.silences_not_set == ["chi-021", "sea-001"]
    assert report.halted_not_posted == ["chi-021"]
    assert report.outbox == str(tmp_path / "alertmanager-outbox.json")
    assert "chi-021" in report.warnings[0] and "RolloutHalted" in report.warnings[0]
    kept = Outbox(tmp_path).read()
    assert sorted(s["site"] for s in kept["silences"]) == ["chi-021", "sea-001"] and len(kept["alerts"]) == 1
    # Alertmanager is back: the next deploy, `monitor up` or the probe posts what was missed.
    am = Alertmanager(tmp_path, CONFIG, port=port).start()
    try:
        line = flush_outbox(tmp_path, {"RUNBOOK_ALERTMANAGER_URL": url})
        assert line == "posted what an earlier rollout could not: 2 silence(s), 1 alert(s)"
        assert set(_active(url)) == {"sea-001", "chi-021"}
        [halted] = [a for a in AlertmanagerClient(url).alerts() if a["labels"]["alertname"] == "RolloutHalted"]
        assert halted["labels"]["site"] == "chi-021"
        assert not (tmp_path / "alertmanager-outbox.json").exists()
        assert flush_outbox(tmp_path, {"RUNBOOK_ALERTMANAGER_URL": url}) is None
    finally:
        am.stop()


def test_alertmanager_back_during_the_rollout_gets_what_it_missed_at_the_next_wave(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    window = _window(tmp_path, url, [])
    window.open_site("sea-001")
    am = Alertmanager(tmp_path, CONFIG, port=port).start()
    try:
        window.sweep()  # the end of a wave: the missed silence is set now
        assert set(_active(url)) == {"sea-001"}
        report = window.finish()
        assert report.silences_not_set == [] and report.outbox is None
    finally:
        am.stop()
