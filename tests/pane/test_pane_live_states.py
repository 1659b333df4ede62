"""The page's live states from hand-built monitoring data: a real Prometheus (Debian's) found through
the stack record, fed with hand-built samples (backfilled, timestamps around now), and a real
incident store with hand-built incidents. No lab: the states come from the monitoring data alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pagekit import REPO, new_page, serve, shot, site_rows
from playwright.sync_api import Browser
from promkit import backfill, openmetrics, prometheus

from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.ops import metrics
from runbook_wan.ops.incidents import IncidentStore
from runbook_wan.ops.stack import Service, StackRecord, incidents_path

SITES = {"atl-061": "south", "chi-021": "central", "mke-022": "central", "sea-001": "west", "nyc-041": "east"}
#: Per site and circuit: (up, loss ratio, latency s, jitter s). nyc-041 has no data at all.
MEASURED = {
    "chi-021": {c: (1, 0.0, 0.012, 0.001) for c in CIRCUIT_ROLES},
    "sea-001": {
        "primary_dia": (0, 1.0, 0.0, 0.0),
        "secondary_dia": (1, 0.0, 0.02, 0.002),
        "tertiary_wireless": (1, 0.0, 0.06, 0.008),
    },
    "atl-061": {c: (0, 1.0, 0.0, 0.0) for c in CIRCUIT_ROLES},
    "mke-022": {
        "primary_dia": (1, 0.0, 0.5, 0.001),
        "secondary_dia": (1, 0.0, 0.02, 0.002),
        "tertiary_wireless": (1, 0.0, 0.06, 0.008),
    },
}
SLA = (0.005, 0.2, 0.04)  # loss ratio, latency s, jitter s


@dataclass
class Monitored:
    intents: Path
    state: Path


@pytest.fixture(scope="module")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Monitored]:
    work = tmp_path_factory.mktemp("live")
    now = time.time()
    samples: dict[str, list[tuple[dict[str, str], float, float]]] = {}
    names = (metrics.CIRCUIT_UP, metrics.CIRCUIT_LOSS, metrics.CIRCUIT_LATENCY, metrics.CIRCUIT_JITTER)
    sla_names = (metrics.CIRCUIT_SLA_LOSS, metrics.CIRCUIT_SLA_LATENCY, metrics.CIRCUIT_SLA_JITTER)
    # every 15 s from 10 minutes ago to 10 minutes ahead: a query any time in the test sees a fresh sample
    for at in range(int(now) - 600, int(now) + 600, 15):
        for site, circuits in MEASURED.items():
            for circuit, values in circuits.items():
                labels = {metrics.SITE: site, metrics.REGION: SITES[site], metrics.CIRCUIT: circuit}
                for name, value in (*zip(names, values, strict=True), *zip(sla_names, SLA, strict=True)):
                    samples.setdefault(name, []).append((labels, float(value), float(at)))
        for site, ratio in (("chi-021", 1.0), ("atl-061", 0.9985), ("sea-001", 0.99999)):
            labels = {metrics.SITE: site, metrics.REGION: SITES[site]}
            samples.setdefault(metrics.SITE_AVAILABILITY_30D, []).append((labels, ratio, float(at)))
    backfill(openmetrics(samples), work / "data")
    state = work / "state"
    store = IncidentStore(incidents_path(state))
    down, _ = store.open_incident("g1/atl", "SiteDown", {"site": "atl-061", "severity": "critical"}, "atl-061 is down")
    store.acknowledge(down.id, "alice")
    old, _ = store.open_incident("g1/chi", "CircuitDown", {"site": "chi-021", "circuit": "primary_dia"}, "blip")
    store.resolve(old.id)
    with prometheus(work) as running:
        StackRecord(
            created="2026-01-01T00:00:00Z",
            state_dir=str(state),
            intents=str(REPO / "intents"),
            services={"prometheus": Service(name="prometheus", pid=running.pid, port=running.port)},
        ).write()
        yield Monitored(REPO / "intents", state)


def test_page_states_from_hand_built_monitoring_data(monitored: Monitored, browser: Browser, tmp_path: Path) -> None:
    with serve(monitored.state, monitored.intents) as url:
        page = new_page(browser)
        page.goto(url)
        shot(page, tmp_path, "estate-live")
        rows = site_rows(page)
        assert len(rows) == 80  # every site of the estate, the unmeasured ones unknown
        states = {site: rows[site]["state"] for site in SITES}
        assert states == {
            "chi-021": "healthy",
            "sea-001": "degraded",  # one circuit down: still up, location-level
            "atl-061": "down",
            "mke-022": "degraded",  # every circuit up, one over its latency SLA
            "nyc-041": "unknown",  # no data is unknown, never healthy
        }
        assert rows["atl-061"]["incidents"] == "1" and "ack by alice" in rows["atl-061"]["cells"]
        assert rows["chi-021"]["incidents"] == "0"  # its incident is resolved
        assert "99.85 %" in rows["atl-061"]["cells"] and "100 %" in rows["chi-021"]["cells"]
        assert page.inner_text("[data-summary=healthy] b") == "1"
        assert page.inner_text("[data-summary=down] b") == "1"
        assert page.inner_text("[data-summary=open_incidents] b") == "1"
        assert page.get_attribute("#monitoring", "data-monitoring") == "up"
        page.goto(f"{url}/sites/sea-001")
        circuits = page.inner_text("table.circuits")
        assert "down" in page.inner_text("tr[data-circuit=primary_dia]") and "up" in circuits
        # steering without an agent at the site: voice prefers fiber, which is down, so by the path
        # preference it runs on the secondary circuit now (and the page says where that comes from)
        voice = page.locator("tr[data-class=voice]")
        assert voice.get_attribute("data-now-on") == "secondary_dia"
        assert voice.get_attribute("data-source") == "path preference"
        shot(page, tmp_path, "site-degraded")
        page.goto(f"{url}/sites/mke-022")
        latency = page.inner_text("tr[data-circuit=primary_dia] td:nth-child(9)")
        assert latency == "500.0 ms / 200.0 ms"
        assert page.get_attribute("tr[data-circuit=primary_dia] td:nth-child(9)", "class") == "breach"
        page.goto(f"{url}/sites/chi-021")
        assert "resolved" in page.inner_text("table.incidents") and "blip" in page.inner_text("table.incidents")
        api = httpx.get(f"{url}/api").json()
        assert api["summary"]["down"] == 1 and api["summary"]["healthy"] == 1
        assert api["monitoring"]["up"] and api["open_incidents"][0]["acknowledged_by"] == "alice"


def test_monitoring_that_does_not_answer_means_unknown(monitored: Monitored, tmp_path: Path) -> None:
    record = StackRecord.read(monitored.state)
    assert record is not None
    dead = record.model_copy(update={"services": {"prometheus": Service(name="prometheus", pid=1, port=1)}})
    state = tmp_path / "state"
    dead.model_copy(update={"state_dir": str(state)}).write()
    with serve(state, monitored.intents) as url:
        api = httpx.get(f"{url}/api").json()
    assert not api["monitoring"]["up"] and "does not answer" in api["monitoring"]["detail"]
    assert api["summary"]["unknown"] == 80
