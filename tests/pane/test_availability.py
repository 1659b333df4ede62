"""``report availability`` against a real Prometheus (Debian's) fed with hand-built data.

The samples are hand-built (backfilled with ``promtool tsdb create-blocks-from openmetrics``):
every 15 s, on a 15 s grid, with known outages and gaps, so each expected second is exact. A
sample stands for its interval plus half an interval (scrape jitter), so the first missing
sample of a gap is bridged by the one before it; the rest of the gap is unknown, never up.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from promkit import backfill, openmetrics, prometheus

from runbook_wan import cli as runbook
from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.ops import metrics
from runbook_wan.report.availability import availability, has_data
from runbook_wan.report.period import Period
from runbook_wan.report.prometheus import PrometheusClient

STEP = 15
#: The grid's first point: 4 h ago, on the 15 s grid.
T0 = math.floor(time.time() / STEP) * STEP - 4 * 3600
#: 487 points: 24 coarse windows of 20 points and a tail of 7.
UNTIL = T0 + 7200 + 7 * STEP
SITES = {"atl-061": "south", "chi-021": "central", "mke-022": "central", "sea-001": "west"}
TIMES = range(T0 - 600, T0 + 7800, STEP)


def _site_up_samples() -> list[tuple[dict[str, str], float, float]]:
    samples = []
    for t in TIMES:
        rel = t - T0
        for site in ("atl-061", "chi-021", "mke-022"):  # sea-001: never monitored
            if site == "mke-022" and 3600 <= rel < 3900:
                continue  # 20 samples missing
            down = site == "chi-021" and 1800 <= rel < 2040  # 16 samples down
            samples.append(({metrics.SITE: site, metrics.REGION: SITES[site]}, 0.0 if down else 1.0, float(t)))
    return samples


def _circuit_samples() -> list[tuple[dict[str, str], float, float]]:
    # (site, circuit): (from, to, value) in seconds after T0; value None = no sample
    windows: dict[tuple[str, str], list[tuple[int, int, float | None]]] = {
        ("chi-021", "primary_dia"): [(1800, 2100, 0.0), (5010, 5310, None)],
        ("chi-021", "secondary_dia"): [(1860, 2160, 0.0), (5010, 5310, 0.0)],
        ("chi-021", "tertiary_wireless"): [(1920, 2040, 0.0), (5010, 5310, 0.0)],
        ("mke-022", "primary_dia"): [(3600, 3900, None)],
    }
    samples = []
    for t in TIMES:
        rel = t - T0
        for site in ("atl-061", "chi-021", "mke-022"):
            for circuit in CIRCUIT_ROLES:
                value: float | None = 1.0
                for start, end, state in windows.get((site, circuit), []):
                    if start <= rel < end:
                        value = state
                if value is not None:
                    labels = {metrics.SITE: site, metrics.REGION: SITES[site], metrics.CIRCUIT: circuit}
                    samples.append((labels, value, float(t)))
    return samples


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("prometheus")
    backfill(openmetrics({metrics.SITE_UP: _site_up_samples(), metrics.CIRCUIT_UP: _circuit_samples()}), work / "data")
    with prometheus(work) as running:
        yield running.url


def _period() -> Period:
    return Period(datetime.fromtimestamp(T0, UTC), datetime.fromtimestamp(UNTIL, UTC))


def _at(rel: int) -> datetime:
    return datetime.fromtimestamp(T0 + rel, UTC)


def test_site_up_hand_built_outage_and_gaps(prom: str) -> None:
    with PrometheusClient(prom) as client:
        report = availability(client, SITES, _period(), STEP, "site_up")
    by_site = {s.site: s for s in report.sites}
    total = 487 * STEP
    atl, chi, mke, sea = (by_site[s] for s in ("atl-061", "chi-021", "mke-022", "sea-001"))
    assert (atl.up_s, atl.down_s, atl.unknown_s, atl.availability) == (total, 0, 0, 1.0)
    assert atl.promise_kept and atl.intervals == []
    assert (chi.down_s, chi.unknown_s) == (240, 0)
    assert [(i.start, i.end, i.state) for i in chi.intervals] == [(_at(1800), _at(2040), "down")]
    assert chi.availability == pytest.approx((total - 240) / total)
    assert not chi.promise_kept
    # the gap: the first missing sample is bridged, the other 19 are unknown, not up
    assert (mke.down_s, mke.unknown_s) == (0, 285)
    assert [(i.start, i.end, i.state) for i in mke.intervals] == [(_at(3615), _at(3900), "unknown")]
    assert mke.availability == 1.0 and mke.coverage == pytest.approx((total - 285) / total)
    assert (sea.up_s, sea.unknown_s, sea.availability) == (0, total, None)
    assert report.breached == [chi]


def test_raw_circuits_a_site_is_down_only_while_every_circuit_is(prom: str) -> None:
    with PrometheusClient(prom) as client:
        report = availability(client, SITES, _period(), STEP, "circuit_up")
    by_site = {s.site: s for s in report.sites}
    chi = by_site["chi-021"]
    assert [(i.start, i.end, i.state) for i in chi.intervals] == [
        (_at(1920), _at(2040), "down"),  # all three down together
        (_at(5025), _at(5310), "unknown"),  # two down, the third unmeasured: not known to be down
    ]
    assert by_site["mke-022"].intervals == []  # one circuit unmeasured while the others pass traffic: up
    assert by_site["atl-061"].availability == 1.0


def test_cli_reports_breach_with_exit_3_and_every_interval(prom: str, capsys: pytest.CaptureFixture[str]) -> None:
    since = datetime.fromtimestamp(T0, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = datetime.fromtimestamp(UNTIL, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    argv = ["report", "availability", "--prometheus", prom, "--since", since, "--until", until]
    code = runbook.main([*argv, "--limit", ",".join(SITES), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 3
    assert data["source"] == metrics.SITE_UP  # the recording rule has data: preferred
    assert data["interval_s"] == 15  # read from the running Prometheus' configuration
    assert data["summary"]["breached"] == 1
    chi = next(s for s in data["sites"] if s["site"] == "chi-021")
    iso = "%Y-%m-%dT%H:%M:%SZ"
    assert chi["intervals"] == [
        {"start": _at(1800).strftime(iso), "end": _at(2040).strftime(iso), "seconds": 240.0, "state": "down"}
    ]
    assert runbook.main([*argv, "--limit", "atl-061,mke-022"]) == 0  # no downtime: promise kept
    out = capsys.readouterr().out
    assert "2 of 2 site(s) kept the 100 % promise" in out and "unknown" in out
    long_ago = ["--since", "2020-01-01", "--until", "2020-01-02"]
    assert runbook.main(["report", "availability", "--prometheus", prom, *long_ago, "--limit", "atl-061"]) == 1
    assert "no runbook_circuit_up data for the selected sites" in capsys.readouterr().err


def test_no_monitoring_stack_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = runbook.main(["--state", str(tmp_path), "report", "availability", "--limit", "atl-061"])
    err = capsys.readouterr().err
    assert code == 1
    assert "no monitoring data" in err and "runbook.py monitor up" in err and "Traceback" not in err


def test_auto_source_uses_the_rule_only_where_it_has_data(prom: str) -> None:
    with PrometheusClient(prom) as client:
        assert has_data(client, "site_up", _period()) and has_data(client, "circuit_up", _period())
        before = Period(datetime.fromtimestamp(T0 - 86400 * 2, UTC), datetime.fromtimestamp(T0 - 86400, UTC))
        assert not has_data(client, "site_up", before)
        report = availability(client, SITES, before, STEP)
    assert report.source == "circuit_up"  # nothing to prefer: the raw metric, which is empty too
    assert all(s.unknown_s == 86400 and s.availability is None for s in report.sites)
