"""Monitoring generated from the intents: committed, valid for promtool/amtool, routed as the intent says."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from runbook_wan import cli as runbook
from runbook_wan.monitoring.bundle import ALERTMANAGER, RULE_TESTS, RULES, build_bundle, write_bundle
from runbook_wan.monitoring.check import check_files, stale_files
from runbook_wan.monitoring.timing import PRODUCTION
from runbook_wan.render.pipeline import render_estate

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rendered():  # type: ignore[no-untyped-def]
    return render_estate(REPO / "intents")


def test_committed_monitoring_matches_the_intents(rendered) -> None:  # type: ignore[no-untyped-def]
    bundle = build_bundle(rendered.estate, rendered.facts)
    assert stale_files(bundle.files, REPO / "monitoring") == [], (
        "run `python3 runbook.py render` and commit monitoring/"
    )


@pytest.mark.parametrize("scrape", [PRODUCTION.scrape_interval, 1.0], ids=["production", "fast"])
def test_promtool_and_amtool_accept_the_files_and_every_rule_test_passes(rendered, scrape: float) -> None:  # type: ignore[no-untyped-def]
    bundle = build_bundle(rendered.estate, rendered.facts, PRODUCTION.scaled(scrape))
    results = {c.name: c for c in check_files(bundle.files)}
    assert {name: c.ok for name, c in results.items()} == {
        "monitoring.prometheus-config": True,
        "monitoring.rules": True,
        "monitoring.rule-tests": True,
        "monitoring.alertmanager-config": True,
    }, "\n".join(c.output for c in results.values() if not c.ok)


def test_rule_tests_cover_every_rule_and_a_flapping_circuit(rendered) -> None:  # type: ignore[no-untyped-def]
    bundle = build_bundle(rendered.estate, rendered.facts)
    rules = yaml.safe_load(bundle.files[RULES])
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    tests = yaml.safe_load(bundle.files[RULE_TESTS])["tests"]
    tested = {t["alertname"] for case in tests for t in case.get("alert_rule_test", [])}
    assert alerts <= tested
    flapping = [case for case in tests if "flapping faster" in case["name"]]
    assert flapping and all(t["exp_alerts"] == [] for t in flapping[0]["alert_rule_test"])


def test_a_broken_rule_fails_promtool(rendered) -> None:  # type: ignore[no-untyped-def]
    bundle = build_bundle(rendered.estate, rendered.facts)
    files = dict(bundle.files)
    files[RULES] = files[RULES].replace("for: 30s", "for: 5m", 1)  # CircuitDown now waits longer than its tests
    failed = {c.name for c in check_files(files) if c.ok is False}
    assert failed == {"monitoring.rule-tests"}


def _route(config: Path, *labels: str) -> list[str]:
    proc = subprocess.run(
        ["amtool", "config", "routes", "test", "--config.file", str(config), *labels],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip().split(",")


def test_alertmanager_routes_follow_the_notifications_intent(rendered, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_bundle(build_bundle(rendered.estate, rendered.facts).files, tmp_path)
    config = tmp_path / ALERTMANAGER
    assert _route(config, "alertname=SiteDown", "site=sea-001", "region=west") == ["runbook-site-down"]
    assert _route(config, "alertname=CircuitDown", "site=sea-001", "region=west") == [
        "runbook-west-field",
        "runbook-circuits",
    ]
    assert _route(config, "alertname=CircuitDown", "site=chi-021", "region=central") == ["runbook-circuits"]
    assert _route(config, "alertname=ProviderOutage", "provider=fibrelink") == ["runbook-provider-outage"]
    assert _route(config, "alertname=RolloutHalted", "site=chi-021") == ["runbook-change-safety"]
    assert _route(config, "alertname=Unheard", "site=chi-021") == ["runbook-default-other"]
    # an SD-WAN class moved off its preferred circuit is an event, recorded and sent to nobody
    assert _route(config, "alertname=ClassOffPreferred", "site=sea-001", "region=west", "severity=info") == [
        "runbook-events"
    ]
    assert _route(config, "alertname=SdwanAgentDown", "site=sea-001", "region=west") == ["runbook-default-other"]
    # Severity follows impact: a breach on a circuit carrying a class pages; on circuits standing by, a ticket.
    carried = ("alertname=CircuitSLABreach", "severity=warning", "impact=carried", "site=sea-001", "region=west")
    assert _route(config, *carried) == ["runbook-west-field", "runbook-circuits"]
    standby = ("alertname=CircuitSLABreach", "severity=info", "impact=standby", "provider=aircarrier", "region=west")
    assert _route(config, *standby) == ["runbook-standby-sla"]
    am = yaml.safe_load(config.read_text())
    inhibit = {(tuple(r["source_matchers"]), tuple(r.get("equal", []))) for r in am["inhibit_rules"]}
    assert (('alertname="SiteDown"',), ("site",)) in inhibit
    assert (('alertname="ProbeDown"',), ()) in inhibit
    assert any(r["target_matchers"] == ['alertname="SdwanAgentDown"'] for r in am["inhibit_rules"])
    west = next(i for i in am["time_intervals"] if i["name"] == "business-hours-west")
    assert west["time_intervals"][0]["location"] == "America/Los_Angeles"


def test_render_writes_monitoring_next_to_configs_and_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(REPO / "intents", intents)
    monkeypatch.setenv("RUNBOOK_SECRET_TWILIO_AUTH_TOKEN", "tok-4c1e9d8b7a6f")
    args = ["--state", str(tmp_path / "s"), "render", "--intents", str(intents), "--configs", str(tmp_path / "configs")]
    assert runbook.main(args) == 0
    files = {p.relative_to(tmp_path / "monitoring"): p.read_text() for p in (tmp_path / "monitoring").rglob("*.yml")}
    assert {Path("prometheus.yml"), Path("alertmanager.yml"), Path("rules/runbook.rules.yml")} <= set(files)
    for text in files.values():
        assert "tok-4c1e9d8b7a6f" not in text and "twilio/auth-token" not in text and "{secret" not in text
    # With --limit only the selected configs are rendered; monitoring (a whole-estate view) is left alone.
    (tmp_path / "monitoring" / "alertmanager.yml").write_text("# kept\n")
    assert runbook.main([*args, "--limit", "sea-001"]) == 0
    assert (tmp_path / "monitoring" / "alertmanager.yml").read_text() == "# kept\n"
