"""The pane's SD-WAN steering view and 24 h circuit charts, in Chromium, from *hand-built* monitoring data.

A real Prometheus (Debian's) found through the stack record, backfilled with hand-built samples
of the agent's and the probe's series (the last 24 h, and fresh ones around now), and a real
incident store holding one steering event. No lab, no agent: the lab test shows the real agent.

* chi-021 (retail-flagship) runs an agent: its primary browned out (5 % loss) for the last hour,
  so pos, voice and video are on the secondary since 50 minutes ago;
* sea-001 runs an agent that does not report (its scrape target is down);
* atl-061 runs no agent: classes follow the path preference, the charts show the probe's figures.
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
from runbook_wan.monitoring import sdwan
from runbook_wan.monitoring.timing import PRODUCTION
from runbook_wan.ops import metrics as m
from runbook_wan.ops.incidents import IncidentStore
from runbook_wan.ops.stack import Service, StackRecord, incidents_path
from runbook_wan.status.sources import steering

PRIMARY, SECONDARY, WIRELESS = CIRCUIT_ROLES
MOVED = ("pos", "voice", "video")
FLAGSHIP = {
    "pos": [PRIMARY, SECONDARY, WIRELESS],
    "voice": [PRIMARY, SECONDARY, WIRELESS],
    "video": [PRIMARY, SECONDARY, WIRELESS],
    "saas": [SECONDARY, PRIMARY, WIRELESS],
    "bulk": [SECONDARY, PRIMARY],
    "guest": [SECONDARY, PRIMARY],
}
LOSS_SLA_PCT = {"pos": 0.5, "voice": 1, "video": 2, "saas": 3, "bulk": 5, "guest": 5}
REGIONS = {"chi-021": "central", "sea-001": "west", "atl-061": "south"}


@dataclass
class Pane:
    state: Path
    now: float
    moved_at: float


Samples = dict[str, list[tuple[dict[str, str], float, float]]]


def _add(samples: Samples, name: str, labels: dict[str, str], value: float, at: float) -> None:
    samples.setdefault(name, []).append((labels, value, at))


def _times(now: float, step: float) -> list[float]:
    """Every minute over the last 24 h, then every ``step`` (the job's scrape interval) from 10 minutes
    ago to 10 minutes ahead."""
    start = int(now) - 24 * 3600
    return [float(t) for t in range(start, int(now) - 600, 60)] + [
        float(t) for t in range(int(now) - 600, int(now) + 600, int(step))
    ]


@pytest.fixture(scope="module")
def pane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pane]:
    work = tmp_path_factory.mktemp("steering-pane")
    now = time.time()
    brownout, moved_at = now - 3600, now - 3000
    samples: Samples = {}
    for at in _times(now, PRODUCTION.scrape_interval):
        for site, region in REGIONS.items():
            for c in CIRCUIT_ROLES:  # the probe: every site up, clean (it does not see the brownout from its LAN host)
                labels = {m.SITE: site, m.REGION: region, m.CIRCUIT: c}
                for name, value in (
                    (m.CIRCUIT_UP, 1),
                    (m.CIRCUIT_LOSS, 0.0),
                    (m.CIRCUIT_LATENCY, 0.03),
                    (m.CIRCUIT_JITTER, 0.002),
                ):
                    _add(samples, name, labels, float(value), at)
    for at in _times(now, PRODUCTION.context_scrape_interval):  # the agents' job is scraped less often
        target = {"job": "runbook-agent", m.SITE: "chi-021", m.REGION: "central", m.POLICY: "retail-flagship"}
        _add(samples, "up", {**target, "instance": "198.18.0.15:9469"}, 1.0, at)
        silent = {"job": "runbook-agent", m.SITE: "sea-001", m.REGION: "west", m.POLICY: "retail-flagship"}
        _add(samples, "up", {**silent, "instance": "198.18.0.61:9469"}, 0.0, at)
        agent = {m.SITE: "chi-021", m.REGION: "central", m.POLICY: "retail-flagship"}
        browned = at >= brownout
        figures = {PRIMARY: (0.05 if browned else 0.0, 0.012), SECONDARY: (0.0, 0.018), WIRELESS: (0.0, 0.045)}
        for c, (loss, latency) in figures.items():
            _add(samples, m.SDWAN_CIRCUIT_LOSS, {**agent, m.CIRCUIT: c}, loss, at)
            _add(samples, m.SDWAN_CIRCUIT_LATENCY, {**agent, m.CIRCUIT: c}, latency, at)
            _add(samples, m.SDWAN_CIRCUIT_JITTER, {**agent, m.CIRCUIT: c}, 0.002, at)
        for k, path in FLAGSHIP.items():
            on = SECONDARY if (k in MOVED and at >= moved_at) else path[0]
            for c in path:
                _add(samples, m.SDWAN_CLASS_CIRCUIT, {**agent, m.APP_CLASS: k, m.CIRCUIT: c}, float(c == on), at)
                met = not (c == PRIMARY and browned and LOSS_SLA_PCT[k] < 5)
                _add(samples, m.SDWAN_CLASS_SLA_MET, {**agent, m.APP_CLASS: k, m.CIRCUIT: c}, float(met), at)
                health = {**agent, m.APP_CLASS: k, m.CIRCUIT: c, m.HEALTH: "ok" if met else "breached"}
                _add(samples, m.SDWAN_CLASS_HEALTH, health, 1.0, at)
            since = moved_at if (k in MOVED and at >= moved_at) else now - 20 * 86400
            _add(samples, m.SDWAN_CLASS_SINCE, {**agent, m.APP_CLASS: k}, since, at)
    backfill(openmetrics(samples), work / "data")
    state = work / "state"
    store = IncidentStore(incidents_path(state))
    store.open_incident(
        "fp-event",
        "ClassOffPreferred",
        {"site": "chi-021", "severity": "info", "class": "voice", "circuit": SECONDARY, "preferred": PRIMARY},
        "chi-021 voice runs on secondary_dia, off its preferred primary_dia",
    )
    store.open_incident("fp-down", "CircuitDown", {"site": "atl-061", "severity": "warning"}, "atl-061 lte down")
    # The committed timing: the probe's 5 s global interval, the agents' own (longer) job interval; no targets.
    timing = f"{PRODUCTION.scrape_interval:g}s"
    with prometheus(work, timing, jobs=[sdwan.scrape_config(PRODUCTION)]) as running:
        StackRecord(
            created="2026-01-01T00:00:00Z",
            state_dir=str(state),
            intents=str(REPO / "intents"),
            services={"prometheus": Service(name="prometheus", pid=running.pid, port=running.port)},
        ).write()
        yield Pane(state, now, moved_at)


def test_site_page_shows_where_each_class_runs_why_and_since_from_hand_built_agent_metrics(
    pane: Pane, browser: Browser, tmp_path: Path
) -> None:
    with serve(pane.state, REPO / "intents") as url:
        page = new_page(browser)
        page.goto(f"{url}/sites/chi-021")
        shot(page, tmp_path, "site-steered")
        voice = page.locator("tr[data-class=voice]")
        assert voice.get_attribute("data-now-on") == SECONDARY and voice.get_attribute("data-source") == "agent"
        assert voice.get_attribute("data-off-preferred") == "yes"
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(pane.moved_at))
        assert voice.locator("td.since").inner_text() == since
        why = voice.locator("td.why").inner_text()
        assert "primary_dia breaches loss 5 % > 1 %" in why  # the agent's figure against voice's 1 % SLA
        assert "on secondary_dia (meets the SLA): loss 0 % ≤ 1 %, latency 18.0 ms ≤ 150 ms" in why
        saas = page.locator("tr[data-class=saas]")
        assert saas.get_attribute("data-now-on") == SECONDARY and saas.get_attribute("data-off-preferred") == "no"
        # the move is an event on the page, not an open incident
        assert "voice runs on secondary_dia, off its preferred primary_dia" in page.inner_text("ul.events")
        # 24 h charts: the agent's figures, the primary's loss peaks above the SLA line, as drawn SVG
        assert page.get_attribute("[data-trends-source]", "data-trends-source") == "agent"
        loss = page.locator(f"svg[data-chart={PRIMARY}-loss]")
        assert loss.locator("polyline").count() >= 1 and loss.locator("line.sla").count() == 1
        assert "peak 5 %" in page.locator(f"tr[data-trend={PRIMARY}]").inner_text()
        points = loss.locator("polyline").first.get_attribute("points") or ""
        ys = [float(p.split(",")[1]) for p in points.split()]
        assert max(ys) - min(ys) > 20  # the brownout is a visible step, not a flat line
        assert page.locator("svg.chart").count() == 6  # loss and latency of three circuits
        assert page.locator("script").count() == 0

        page.goto(f"{url}/sites/sea-001")
        voice = page.locator("tr[data-class=voice]")
        assert voice.get_attribute("data-source") == "agent not reporting" and voice.get_attribute("data-now-on") == ""

        page.goto(f"{url}/sites/atl-061")
        voice = page.locator("tr[data-class=voice]")
        assert voice.get_attribute("data-source") == "path preference"
        assert voice.get_attribute("data-now-on") == PRIMARY
        assert page.get_attribute("[data-trends-source]", "data-trends-source") == "probe"


def test_the_agents_decision_stays_fresh_over_a_whole_agent_scrape_cycle(pane: Pane) -> None:
    """The agents are scraped every 15 s, the probe every 5 s (the global interval, set for paging time):
    a decision is fresh for 1.5 of the agents' own interval, so the pane never calls a reporting agent
    silent between two of its scrapes (read with the global 5 s, it did for half of each cycle)."""
    cycle = PRODUCTION.context_scrape_interval
    assert cycle > PRODUCTION.scrape_interval  # what makes the difference
    seen = []
    end = time.monotonic() + cycle + 1
    while time.monotonic() < end:  # the age of the latest sample sweeps 0 .. 15 s
        state = steering.read(pane.state)
        assert state is not None
        report = state.reports.get("chi-021")
        seen.append(report is not None and report.classes["voice"].circuit == SECONDARY)
        time.sleep(0.5)
    assert len(seen) >= 10 and all(seen), seen
    assert report is not None  # the agent's health per circuit, the current one only (the "ok" of before is old)
    assert report.classes["voice"].health == {PRIMARY: "breached", SECONDARY: "ok", WIRELESS: "ok"}


def test_estate_page_terminal_and_json_name_the_steered_classes(pane: Pane, browser: Browser) -> None:
    with serve(pane.state, REPO / "intents") as url:
        page = new_page(browser)
        page.goto(url)
        rows = site_rows(page)
        assert "voice → secondary_dia" in rows["chi-021"]["cells"]
        assert rows["chi-021"]["incidents"] == "0"  # an event is not an incident to answer
        assert page.inner_text("[data-summary=open_incidents] b") == "1"  # atl-061's CircuitDown only
        api = httpx.get(f"{url}/api").json()
        site = httpx.get(f"{url}/api/sites/chi-021").json()
        headers = httpx.get(url).headers
    chi = next(s for s in api["sites"] if s["site"] == "chi-021")
    voice = next(c for c in chi["steering"] if c["class"] == "voice")
    assert voice["circuit"] == SECONDARY and voice["preferred"] == PRIMARY and voice["source"] == "agent"
    assert [e["alertname"] for e in chi["events"]] == ["ClassOffPreferred"]
    assert site["trends"]["source"] == "agent"
    primary = next(c for c in site["trends"]["circuits"] if c["circuit"] == PRIMARY)
    assert primary["loss"]["peak"] == "5 %" and primary["loss"]["sla"] == "0.5 %"
    assert (
        "script-src" not in headers["content-security-policy"]
        and "default-src 'none'" in headers["content-security-policy"]
    )


def test_status_terminal_lists_each_class_off_its_preferred_circuit(pane: Pane) -> None:
    import subprocess
    import sys

    from pagekit import cli_env

    run = subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--no-color", "--state", str(pane.state), "status",
         "--intents", str(REPO / "intents")],
        capture_output=True, text=True, env=cli_env({"COLUMNS": "250"}), check=False, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if "chi-021" in line and "voice" in line]
    assert any(SECONDARY in line and "primary_dia breaches loss" in line for line in lines), run.stdout
    assert "SD-WAN agent not reporting at 1 site(s): sea-001" in run.stdout
