"""The ten-minute promise on the pane: the 30-day figures and the pages nobody answered yet, as each user
may see them (the example estate; a real incident store with hand-built pages at known ages)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from accesskit import EAST_SITE, WEST_SITE, Secrets, add_people, client, logged_in, make_app

from runbook_wan import cli as runbook
from runbook_wan.ops.incidents import Delivery, DeliveryKind, DeliveryStatus, IncidentStore, iso
from runbook_wan.ops.stack import incidents_path


def _paged(store: IncidentStore, site: str, region: str, minutes_ago: float, ack_after: float | None = None) -> str:
    now = datetime.now(UTC)
    first = now - timedelta(minutes=minutes_ago)
    labels = {"alertname": "SiteDown", "site": site, "region": region, "severity": "critical"}
    incident, _ = store.open_incident(f"fp-{site}-{minutes_ago}", "SiteDown", labels, f"{site} down", iso(first))
    page = Delivery(incident.id, iso(first), DeliveryKind.FIRING, "sms", "alice", DeliveryStatus.SENT, "SM1")
    store.record_delivery(page)
    if ack_after is not None:
        store.acknowledge(incident.id, "alice", via="sms", at=iso(first + timedelta(minutes=ack_after)))
    return incident.id


@pytest.fixture
def state(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    state = tmp_path / "state"
    store = IncidentStore(incidents_path(state))
    ids = {
        "west-met": _paged(store, WEST_SITE, "west", 60, ack_after=3),
        "east-late": _paged(store, EAST_SITE, "east", 120, ack_after=20),
        "east-waiting": _paged(store, EAST_SITE, "east", 15),
        "west-waiting": _paged(store, WEST_SITE, "west", 2),
        "markup": _paged(store, "<b>x</b>", "west", 1),
    }
    return state, ids


def test_the_pane_shows_the_figures_and_who_waits_longest_first(state: tuple[Path, dict[str, str]]) -> None:
    folder, ids = state
    c = client(make_app(folder))
    api = c.get("/api").json()["engagement"]
    assert (api["days"], api["incidents"], api["met"], api["breached"]) == (30, 5, 1, 2)
    assert api["share_met"] == pytest.approx(1 / 3) and api["median_seconds"] == 690.0
    assert sorted(api["breaches"]) == sorted([ids["east-late"], ids["east-waiting"]])
    waiting = [(w["incident"], w["overdue"]) for w in api["waiting"]]
    assert waiting == [(ids["east-waiting"], True), (ids["west-waiting"], False), (ids["markup"], False)]

    page = c.get("/").text
    assert 'id="engagement" data-incidents="5"' in page and 'data-breaches="2"' in page
    assert "5 paged incident(s) · 33.3 % acknowledged in time" in page
    assert f'<tr data-unanswered="{ids["east-waiting"]}" data-overdue="yes" class="breach">' in page
    assert f'data-unanswered="{ids["west-waiting"]}" data-overdue="no"' in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page  # a label is text, never markup


def test_a_user_scoped_to_a_region_sees_its_regions_pages_only(state: tuple[Path, dict[str, str]]) -> None:
    folder, ids = state
    secrets = Secrets()
    add_people(folder, secrets, ["vic"])
    c = logged_in(make_app(folder), "vic", secrets)  # a viewer of the west
    api = c.get("/api").json()["engagement"]
    assert (api["incidents"], api["met"], api["breached"], api["breaches"]) == (3, 1, 0, [])
    assert [w["incident"] for w in api["waiting"]] == [ids["west-waiting"], ids["markup"]]
    assert ids["east-waiting"] not in c.get("/").text


def test_status_in_a_terminal_and_the_static_export_say_it_too(
    state: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, ids = state
    assert runbook.main(["--state", str(folder), "status"]) in (0, 3)
    out = " ".join(capsys.readouterr().out.split())
    assert "Engagement (30 days): 5 paged incident(s), 33.3 % acknowledged within 10m 00s" in out
    assert "2 breach(es); 3 page(s) waiting for an answer." in out
    export = tmp_path / "pane.html"
    runbook.main(["--state", str(folder), "status", "--html", str(export)])
    assert f'data-unanswered="{ids["east-waiting"]}"' in export.read_text()
    runbook.main(["--state", str(folder), "status", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["engagement"]["incidents"] == 5
