"""The pane against a real FRR lab in a git workspace: lead time of real changes, drift, the page.

The tests share one lab (conftest.py) and run in file order, as an operator's day would: the
first rollout of the estate, the page, a policy change through every stage, a hand change on a
device (drift, on the command line and on the page), the static export, a redeploy, an
unreachable device, a config the device silently drops, a change committed two hours ago, and a
final scan that no secret reached any page, file or output. Every browser test saves screenshots
in its own output folder (``tmp_path``).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from pagekit import REFRESH, REPO, new_page, serve, shot, site_rows
from panelab import SITES, Workspace
from playwright.sync_api import Browser
from prometheus_client import CollectorRegistry, Gauge

from runbook_wan.ops import metrics
from runbook_wan.report.lead_time import PROMISE_SECONDS, export_change_open
from runbook_wan.rollout.audit import audit_path

pytestmark = pytest.mark.lab

GATE = ["--gate-timeout", "30", "--revert-in", "60"]
#: Changes here are wider than the example estate's blast-radius gate (estate.change_policy) on
#: purpose (the gate has its own tests in tests/review and tests/rollout), so they say so, with a reason.
WIDE = ["--allow-wide-change", "pane test: the 3-site lab estate changes as a whole on purpose"]
HAND_LINE = "network 10.99.0.0/24"
HAND_SECRET = "Hand-typed-on-the-device-7"


def _json(text: str) -> dict:  # type: ignore[type-arg]
    data: dict = json.loads(text[text.index("{") : text.rindex("}") + 1])  # type: ignore[type-arg]
    return data


def _all_stages(ws: Workspace) -> None:
    """plan, validate, deploy, verify: the stages a change goes through, from the command line."""
    code, out = ws.cli("plan")
    assert code in (0, 2), out
    code, out = ws.cli("validate")
    assert code == 0, out
    code, out = ws.cli("deploy", "--yes", *GATE, *WIDE)
    assert code == 0, out
    code, out = ws.cli("verify")
    assert code == 0, out


def _lead(ws: Workspace) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out = ws.cli("report", "lead-time", "--format", "json")
    return code, _json(out)


def test_01_first_rollout_through_every_stage(workspace: Workspace) -> None:
    _all_stages(workspace)
    events = [json.loads(line)["event"] for line in audit_path(workspace.state).read_text().splitlines()]
    for event in ("plan", "validate", "rollout-start", "site", "rollout-end", "verify"):
        assert event in events
    code, data = _lead(workspace)
    assert code == 0
    assert data["changes"] == [] and data["summary"]["baseline_not_counted"] == 1  # before the audit log


def test_02_page_lists_every_lab_site_with_its_state(workspace: Workspace, browser: Browser, tmp_path: Path) -> None:
    audit = [json.loads(line) for line in audit_path(workspace.state).read_text().splitlines()]
    rollout = next(r["rollout_id"] for r in audit if r["event"] == "rollout-start")
    with serve(workspace.state, workspace.intents) as url:
        page = new_page(browser)
        page.goto(url)
        shot(page, tmp_path, "estate")
        rows = site_rows(page)
        assert sorted(rows) == sorted(SITES)
        for site, row in rows.items():
            # no monitoring stack runs in this lab: live state is unknown, never a guessed "healthy"
            assert row["state"] == "unknown", (site, row)
            assert row["drift"] == "in_sync"  # checked by the rollout right after each wave
            assert rollout in row["cells"]
        assert "monitoring is not running" in page.inner_text("#monitoring")
        assert page.get_attribute("meta[http-equiv=refresh]", "content") == str(REFRESH)  # it refreshes itself
        assert page.inner_text("[data-summary=unknown] b") == str(len(SITES))
        page.click("a[href='/sites/chi-021']")
        assert page.inner_text("h1") == "chi-021"
        assert "FibreLink Business" in page.inner_text("table.circuits")
        assert "primary_dia → secondary_dia → tertiary_wireless" in page.inner_text("table.classes")
        shot(page, tmp_path, "site")
        api = httpx.get(f"{url}/api/sites/chi-021").json()
        assert api["site"] == "chi-021" and api["history"][0]["rollout_id"] == rollout


def test_03_policy_change_lead_time_through_plan_validate_deploy_verify(workspace: Workspace) -> None:
    workspace.edit(
        "policies/retail-flagship.yaml",
        r"(  saas:\n(?:    .*\n)*?    path_preference: )\[secondary_dia, primary_dia, tertiary_wireless\]",
        r"\1[primary_dia, secondary_dia, tertiary_wireless]",
    )
    sha = workspace.render_and_commit("policy: SaaS prefers fiber")
    _all_stages(workspace)
    code, data = _lead(workspace)
    assert code == 0, data
    (change,) = data["changes"]
    assert change["commit"] == sha and change["subject"] == "policy: SaaS prefers fiber"
    stages = change["stages"]
    assert list(stages) == ["plan", "validate", "deploy_start", "deployed", "verified"]
    times = [stages[s]["after_s"] for s in stages]
    assert times == sorted(times) and times[0] >= 0
    assert not change["open"] and change["within_promise"] and change["lead_s"] < PROMISE_SECONDS
    assert change["rollout_id"].startswith("r")
    assert data["summary"]["median_s"] == data["summary"]["worst_s"] == change["lead_s"]


def test_03b_a_one_site_change_deployed_and_verified_with_limit_is_verified(workspace: Workspace) -> None:
    """The change reaches sea-001 only: a --limit rollout of sea-001 and a verify of sea-001 deliver it
    (the other sites were not part of that rollout and need nothing)."""
    workspace.edit("sites/sea-001.yaml", r"bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    sha = workspace.render_and_commit("sea-001: 2 Gbit/s fiber")
    code, out = workspace.cli("deploy", "--yes", "--limit", "sea-001", *GATE)
    assert code == 0, out
    code, out = workspace.cli("verify", "--limit", "sea-001")
    assert code == 0, out
    code, data = _lead(workspace)
    assert code == 0, data
    change = next(c for c in data["changes"] if c["commit"] == sha)
    assert change["reaches"]["kind"] == "devices" and change["reaches"]["sites"] == ["sea-001"]
    assert not change["open"] and change["within_promise"] and "verified" in change["stages"]
    assert data["summary"]["open"] == 0


def test_04_hand_change_is_drift_under_its_section_on_cli_and_page(
    workspace: Workspace, browser: Browser, tmp_path: Path
) -> None:
    workspace.ssh(
        "chi-021",
        "configure terminal",
        "router bgp 65021",
        "address-family ipv4 unicast",
        HAND_LINE,
        "exit-address-family",
        "exit",
        "router bgp 65021",
        f"neighbor 100.64.0.86 password {HAND_SECRET}",
    )
    code, out = workspace.cli("drift", "--format", "json")
    assert code == 2, out
    by_site = {s["site"]: s for s in _json(out)["sites"]}
    chi = by_site["chi-021"]
    assert chi["status"] == "drift"
    assert "router bgp 65021 › address-family ipv4 unicast" in chi["sections"]
    assert f"+  {HAND_LINE}" in chi["diff"]
    assert "+ neighbor 100.64.0.86 password <removed>" in chi["diff"]  # the typed password is never shown
    assert all(by_site[s]["status"] == "in_sync" for s in SITES if s != "chi-021")
    code, text = workspace.cli("drift", "--limit", "chi-021")
    assert code == 2 and "router bgp 65021 › address-family ipv4 unicast" in text
    with serve(workspace.state, workspace.intents) as url:
        page = new_page(browser)
        page.goto(url)
        assert site_rows(page)["chi-021"]["drift"] == "drift"
        assert page.inner_text("[data-summary=drift] b") == "1"
        shot(page, tmp_path, "estate-drift")
        page.goto(f"{url}/sites/chi-021")
        block = page.inner_text(".drift-block")
        assert (
            f"+  {HAND_LINE}" in block and "@@" in block and "router bgp 65021 › address-family ipv4 unicast" in block
        )
        assert HAND_SECRET not in page.content()
        shot(page, tmp_path, "site-drift")


def test_05_static_export_holds_the_same_facts_as_the_live_page(
    workspace: Workspace, browser: Browser, tmp_path: Path
) -> None:
    export = tmp_path / "status.html"
    code, out = workspace.cli("status", "--html", str(export))
    assert code == 0, out
    details = ("table.circuits", "table.classes", ".drift-block", "table.history", "table.incidents")
    page = new_page(browser)
    page.goto(export.as_uri())
    shot(page, tmp_path, "export")
    static_rows = site_rows(page)
    static_details = {site: {sel: page.inner_text(f"section#site-{site} {sel}") for sel in details} for site in SITES}
    with serve(workspace.state, workspace.intents) as url:
        page.goto(url)
        assert site_rows(page) == static_rows
        for site in SITES:
            page.goto(f"{url}/sites/{site}")
            live = {sel: page.inner_text(f"section#site-{site} {sel}") for sel in details}
            assert live == static_details[site], site
    assert static_rows["chi-021"]["drift"] == "drift" and HAND_LINE in static_details["chi-021"][".drift-block"]


def test_06_redeploy_clears_the_drift(workspace: Workspace, browser: Browser, tmp_path: Path) -> None:
    code, out = workspace.cli("deploy", "--yes", *GATE, *WIDE)
    assert code == 0, out
    assert "finding:" not in out  # in sync right after the confirm
    code, out = workspace.cli("drift")
    assert code == 0, out
    assert "0 of 3 site(s) drifted, 3 in sync" in out
    with serve(workspace.state, workspace.intents) as url:
        page = new_page(browser)
        page.goto(f"{url}/sites/chi-021")
        assert page.get_attribute(".drift-block", "data-drift") == "in_sync"
        assert HAND_LINE not in page.inner_text(".drift-block")
        shot(page, tmp_path, "site-after-redeploy")


def test_07_unreachable_device_gives_exit_3_and_is_named(workspace: Workspace) -> None:
    hosts = workspace.inventory / "hosts.yaml"
    original = hosts.read_text()
    data = yaml.safe_load(original)
    data["hosts"]["sea-001"]["port"] = 2  # nothing listens there
    hosts.write_text(yaml.safe_dump(data))
    try:
        code, out = workspace.cli("drift")
    finally:
        hosts.write_text(original)
    assert code == 3, out
    assert "1 unreachable (sea-001)" in out
    stored = json.loads((workspace.state / "drift" / "sea-001.json").read_text())
    assert stored["status"] == "unreachable" and stored["error"].startswith("unreachable:")


def test_08_config_the_device_drops_is_a_finding_right_after_its_confirm(workspace: Workspace, tmp_path: Path) -> None:
    """``ip forwarding`` is FRR's default: FRR accepts it and never prints it, so the device does not
    run what it just confirmed (and every later deploy would commit again)."""
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    base = templates / "frr" / "base.j2"
    base.write_text(
        base.read_text().replace("service integrated-vtysh-config", "ip forwarding\nservice integrated-vtysh-config")
    )
    report = tmp_path / "rollout.json"
    code, out = workspace.cli("deploy", "--yes", "--templates", str(templates), "--report", str(report), *GATE, *WIDE)
    assert code == 0, out  # a finding, not a failure
    found = json.loads(report.read_text())["drift_after_confirm"]
    assert sorted(found) == sorted(SITES)
    assert all(f["status"] == "drift" and "-ip forwarding" in f["diff"] for f in found.values())
    assert "finding: chi-021 does not run what it just confirmed" in out


def test_09_a_change_open_longer_than_one_hour_is_flagged(workspace: Workspace) -> None:
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    workspace.edit(
        "policies/retail-flagship.yaml",
        r"(  saas:\n(?:    .*\n)*?    path_preference: )\[primary_dia, secondary_dia, tertiary_wireless\]",
        r"\1[secondary_dia, primary_dia, tertiary_wireless]",
    )
    env = {"GIT_COMMITTER_DATE": two_hours_ago, "GIT_AUTHOR_DATE": two_hours_ago}
    sha = workspace.render_and_commit("policy: SaaS back to broadband (committed two hours ago)", env=env)
    code, data = _lead(workspace)
    assert code == 3, data  # the promise is broken while it is open
    late = next(c for c in data["changes"] if c["commit"] == sha)
    assert late["open"] and not late["within_promise"] and late["lead_s"] > PROMISE_SECONDS
    assert data["summary"]["overdue"] == 1
    registry = CollectorRegistry()
    gauge = Gauge(metrics.CHANGE_OPEN, "oldest open change", registry=registry)
    value = export_change_open(gauge, workspace.intents, audit_path(workspace.state))
    assert value > PROMISE_SECONDS  # ChangeOverdue: runbook_change_open_seconds > 3600
    assert registry.get_sample_value(metrics.CHANGE_OPEN) == value
    _all_stages(workspace)
    code, data = _lead(workspace)
    assert code == 3
    late = next(c for c in data["changes"] if c["commit"] == sha)
    assert not late["open"] and not late["within_promise"]  # verified, but two hours after its commit
    assert data["summary"]["worst_s"] == late["lead_s"] and data["summary"]["verified"] == 3
    assert export_change_open(gauge, workspace.intents, audit_path(workspace.state)) == 0.0
    code, text = workspace.cli("report", "lead-time")
    assert code == 3 and "over the promise" in text and sha[:10] in text


def test_10_no_secret_on_any_page_file_or_output(workspace: Workspace, tmp_path: Path) -> None:
    secrets = [*workspace.secret_values(), HAND_SECRET]
    export = tmp_path / "export.html"
    assert workspace.cli("status", "--html", str(export))[0] == 0
    texts = [export.read_text(), *workspace.outputs, audit_path(workspace.state).read_text()]
    texts += [p.read_text() for p in (workspace.state / "drift").glob("*.json")]
    with serve(workspace.state, workspace.intents) as url:
        for path in ["/", "/api", *(f"/sites/{s}" for s in SITES), *(f"/api/sites/{s}" for s in SITES)]:
            texts.append(httpx.get(url + path).text)
    for secret in secrets:
        assert not any(secret in text for text in texts), "a secret value reached a page, file or output"
    assert any("<secret:" in text for text in texts)  # masked tokens are there instead
