"""``report engagement``: a scripted day of 20 paged incidents with known times gives exact figures.

The incident store is hand-built (a real SQLite store, written through ``IncidentStore`` as the
notifier writes it): each incident's first page, its answers and its resolution are at chosen
times, so the report's share met, median, p90 and breaches are known in advance. Incidents that
must not count (paged the day before, never paged, the EngagementOverdue alert itself) are mixed in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runbook_wan import cli as runbook
from runbook_wan.ops.incidents import Delivery, DeliveryKind, DeliveryStatus, Incident, IncidentStore, iso
from runbook_wan.ops.stack import incidents_path
from runbook_wan.report.engagement import Standing, engagement_of

DAY = datetime(2026, 11, 30, tzinfo=UTC)
PERIOD = ["--since", "2026-11-30T00:00", "--until", "2026-12-01T00:00"]


@dataclass(frozen=True)
class Script:
    """One incident of the day: paged at ``hour:minute``; answered (or resolved) after so many seconds."""

    site: str
    page: tuple[int, int]
    ack: float | None = None  # seconds from the first page to the acknowledgement
    via: str | None = None
    by: str = "alice"
    resolved_by_person: float | None = None  # a resolve by a person, with no acknowledgement before
    auto_resolved: float | None = None  # Alertmanager said it cleared (not an answer)
    failed_first: bool = False  # the first attempt failed: the page went out 5 s later on the failover


# 20 paged incidents. Answer times of the answered ones, sorted:
# 45 60 75 90 120 150 180 200 240 300 330 420 480 540 600 | 660 1500  (17: 15 within ten minutes)
DAY_SCRIPT = [
    Script("sea-001", (0, 10), ack=120, via="sms"),
    Script("sea-002", (1, 0), ack=45, via="sms", by="bob"),
    Script("sea-003", (1, 30), ack=60, via="voice"),
    Script("sea-004", (2, 0), resolved_by_person=75, via="slack", by="bob"),  # a close without an ack answers
    Script("sea-005", (3, 0), ack=90, via="mattermost"),
    Script("sea-006", (4, 0), ack=150, via="email", failed_first=True),
    Script("sea-007", (5, 0), ack=180, via="cli"),
    Script("sea-008", (6, 0), ack=200, via="sms"),
    Script("sea-009", (7, 0), ack=240, via="slack", by="carol"),
    Script("sea-010", (8, 0), ack=300, via="sms"),
    Script("sea-011", (9, 0), ack=330, via="voice", by="bob"),
    Script("sea-012", (10, 0), ack=420, via="sms"),
    Script("sea-013", (11, 0), ack=480, via="email", by="dan"),
    Script("sea-014", (12, 0), ack=540, via="sms"),
    Script("sea-015", (13, 0), ack=600, via="sms"),  # exactly ten minutes: met
    Script("chi-021", (14, 0), ack=660, via="voice", by="bob"),  # breach: answered late
    Script("chi-022", (15, 0), ack=1500, via="sms"),  # breach: answered very late
    Script("chi-023", (16, 0), auto_resolved=900),  # breach: nobody answered while it lasted 15 min
    Script("chi-024", (17, 0), auto_resolved=240),  # cleared by itself within 4 min: not counted
    Script("chi-025", (23, 55)),  # still open, paged 5 min before the report's end: pending
]
EXPECTED_TIMES = [45, 60, 75, 90, 120, 150, 180, 200, 240, 300, 330, 420, 480, 540, 600, 660, 1500]


def _at(when: datetime) -> str:
    return iso(when)


def _page(store: IncidentStore, incident: Incident, at: datetime, *, failed_first: bool = False) -> None:
    if failed_first:
        store.record_delivery(
            Delivery(
                incident.id,
                _at(at - timedelta(seconds=5)),
                DeliveryKind.FIRING,
                "sms",
                "alice (+1415***0123)",
                DeliveryStatus.FAILED,
                error="HTTP 503",
            )
        )
    store.record_delivery(
        Delivery(incident.id, _at(at), DeliveryKind.FIRING, "sms", "alice (+1415***0123)", DeliveryStatus.SENT, "SM1")
    )
    store.record_delivery(
        Delivery(
            incident.id,
            _at(at + timedelta(seconds=1)),
            DeliveryKind.FIRING,
            "sms",
            "bob (+1415***0124)",
            DeliveryStatus.SENT,
            "SM2",
        )
    )


def build_day(state: Path) -> dict[str, str]:
    """Write the day into ``state``'s incident store; returns site -> incident id."""
    store = IncidentStore(incidents_path(state))
    ids = {}
    for item in DAY_SCRIPT:
        first = DAY + timedelta(hours=item.page[0], minutes=item.page[1])
        if item.failed_first:
            first += timedelta(seconds=5)  # the first page that went out is the failover's
        labels = {"alertname": "SiteDown", "site": item.site, "region": "west", "severity": "critical"}
        incident, _ = store.open_incident(
            f"fp-{item.site}", "SiteDown", labels, f"{item.site} down", started_at=_at(first - timedelta(seconds=20))
        )
        ids[item.site] = incident.id
        _page(store, incident, first, failed_first=item.failed_first)
        if item.ack is not None:
            assert store.acknowledge(incident.id, item.by, via=item.via, at=_at(first + timedelta(seconds=item.ack)))
            store.resolve(incident.id, at=_at(first + timedelta(seconds=item.ack + 1800)))
        if item.resolved_by_person is not None:
            at = _at(first + timedelta(seconds=item.resolved_by_person))
            assert store.resolve(incident.id, at=at, by=item.by, via=item.via)
        if item.auto_resolved is not None:
            assert store.resolve(incident.id, at=_at(first + timedelta(seconds=item.auto_resolved)))
    # Not counted: paged the day before (answered late), never paged, and EngagementOverdue itself.
    before, _ = store.open_incident("fp-old", "SiteDown", {"site": "old-001"}, "old", started_at="2026-11-29T23:00:00Z")
    _page(store, before, datetime(2026, 11, 29, 23, 0, tzinfo=UTC))
    store.acknowledge(before.id, "bob", via="sms", at="2026-11-29T23:40:00Z")
    store.open_incident("fp-unpaged", "ConfigDrift", {"site": "sea-001"}, "drift", started_at="2026-11-30T12:00:00Z")
    overdue, _ = store.open_incident(
        "fp-overdue", "EngagementOverdue", {"incident": ids["chi-022"]}, "overdue", started_at="2026-11-30T15:10:30Z"
    )
    _page(store, overdue, datetime(2026, 11, 30, 15, 10, 30, tzinfo=UTC))
    return ids


def test_the_scripted_day_gives_the_exact_figures_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    ids = build_day(state)

    code = runbook.main(["--state", str(state), "report", "engagement", *PERIOD, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 3  # the promise was broken
    assert (report["incidents"], report["met"], report["breached"], report["pending"], report["cleared"]) == (
        20,
        15,
        3,
        1,
        1,
    )
    assert report["share_met"] == pytest.approx(15 / 18)
    assert report["median_seconds"] == 240.0  # the 9th of 17 answer times
    assert report["p90_seconds"] == 660.0  # nearest rank: the 16th of 17
    assert report["promise_kept"] is False
    assert [b["incident"] for b in report["breaches"]] == [ids["chi-021"], ids["chi-022"], ids["chi-023"]]
    late = report["breaches"][0]
    assert (late["by"], late["via"], late["seconds_to_answer"]) == ("bob", "voice", 660.0)
    assert report["breaches"][2]["by"] is None and report["breaches"][2]["answered_at"] is None

    rows = {row["where"].split()[0]: row for row in report["per_incident"]}
    assert sorted(r["seconds_to_answer"] for r in rows.values() if r["seconds_to_answer"] is not None) == EXPECTED_TIMES
    assert (rows["sea-004"]["by"], rows["sea-004"]["via"], rows["sea-004"]["standing"]) == ("bob", "slack", "met")
    assert rows["sea-006"]["first_page"] == "2026-11-30T04:00:05Z"  # the failed attempt is no page
    assert rows["sea-015"]["standing"] == "met"
    assert rows["chi-024"]["standing"] == "cleared"
    assert (rows["chi-025"]["standing"], rows["chi-025"]["waiting_seconds"]) == ("pending", 300.0)
    assert "old-001" not in rows and len(rows) == 20

    code = runbook.main(["--state", str(state), "report", "engagement", *PERIOD])
    out = capsys.readouterr().out
    assert code == 3
    assert "20 paged incident(s): 15 answered within 10m 00s, 3 breached, 1 pending, 1 cleared" in " ".join(out.split())
    assert "met 83.3 %, median 4m 00s, p90 11m 00s" in " ".join(out.split())
    assert f"Breaches: {ids['chi-021']}, {ids['chi-022']}, {ids['chi-023']}." in " ".join(out.split())


def test_a_morning_without_breaches_exits_0_and_markdown_lists_each_incident(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    ids = build_day(state)
    morning = ["--since", "2026-11-30T00:00", "--until", "2026-11-30T06:00"]
    code = runbook.main(["--state", str(state), "report", "engagement", *morning, "--format", "markdown"])
    out = capsys.readouterr().out
    assert code == 0
    assert "7 paged incident(s): 7 answered within 10m 00s, 0 breached" in out and "met 100.0 %" in out
    assert f"| {ids['sea-002']} | SiteDown | sea-002 | 2026-11-30T01:00:00Z | 2026-11-30T01:00:45Z | bob | sms |" in out


def test_no_store_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = runbook.main(["--state", str(tmp_path / "none"), "report", "engagement"])
    err = capsys.readouterr().err
    assert code == 1 and "no incident store at" in err and "pass the same --state" in err


def _incident(**fields: str | None) -> Incident:
    base: dict[str, object] = {
        "id": "inc-000001",
        "key": "fp",
        "alertname": "SiteDown",
        "severity": "critical",
        "site": "sea-001",
        "region": "west",
        "circuit": "",
        "provider": "",
        "summary": "",
        "status": "firing",
        "started_at": "2026-11-30T10:00:00Z",
        "updated_at": "2026-11-30T10:00:00Z",
    }
    from runbook_wan.ops.incidents import IncidentStatus

    merged = base | fields
    merged["status"] = IncidentStatus(str(merged["status"]))
    return Incident(**merged)  # type: ignore[arg-type]


PAGED = datetime(2026, 11, 30, 10, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "now", "standing", "seconds"),
    [
        ({"status": "acknowledged", "acknowledged_at": "2026-11-30T10:05:30Z", "acknowledged_by": "a"}, 0, "met", 300),
        (
            {"status": "acknowledged", "acknowledged_at": "2026-11-30T10:10:31Z", "acknowledged_by": "a"},
            0,
            "breached",
            601,
        ),
        # An automatic resolve is no answer: cleared within the promise, breached after it.
        ({"status": "resolved", "resolved_at": "2026-11-30T10:03:00Z"}, 0, "cleared", None),
        ({"status": "resolved", "resolved_at": "2026-11-30T10:12:00Z"}, 0, "breached", None),
        # A resolve by a person is the answer; an acknowledgement before it wins.
        ({"status": "resolved", "resolved_at": "2026-11-30T10:02:30Z", "resolved_by": "b"}, 0, "met", 120),
        (
            {
                "status": "resolved",
                "resolved_at": "2026-11-30T10:20:00Z",
                "resolved_by": "b",
                "acknowledged_at": "2026-11-30T10:01:30Z",
                "acknowledged_by": "a",
            },
            0,
            "met",
            60,
        ),
        # Open and unanswered: pending until the promise runs out at the report's time.
        ({}, 599, "pending", None),
        ({}, 600, "breached", None),
    ],
)
def test_engagement_of_one_incident(fields: dict[str, str], now: float, standing: str, seconds: float | None) -> None:
    result = engagement_of(_incident(**fields), PAGED, PAGED + timedelta(seconds=now))
    assert result.standing is Standing(standing)
    assert result.seconds == seconds
