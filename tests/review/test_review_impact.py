"""What a reviewer reads about a change: the intent key (both file:lines), the sites it reaches and
why, the config change once with its site list, and the gate verdict; on the example estate in a
real git repository (``conftest.py``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from conftest import PullRequest, git

from runbook_wan.review.markdown import GITHUB_COMMENT_LIMIT
from runbook_wan.workspace import BUILTIN_TEMPLATES

SAAS_OLD = "path_preference: [secondary_dia, primary_dia, tertiary_wireless]"
SAAS_NEW = "path_preference: [primary_dia, secondary_dia, tertiary_wireless]"


def _sites(root: Path, **where: str) -> set[str]:
    """Site ids whose own file or region default matches, read straight from the YAML."""
    found = set()
    defaults = yaml.safe_load((root / "intents/defaults.yaml").read_text())["site_defaults"]
    for path in (root / "intents/sites").glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        merged = {"policy": defaults["policy"], **data}
        if all(str(merged.get(k)) == v for k, v in where.items()):
            found.add(data["site"])
    return found


def _saas_line(root: Path) -> int:
    lines = (root / "intents/policies/retail-standard.yaml").read_text().splitlines()
    saas = lines.index("  saas:")
    return next(i for i in range(saas, len(lines)) if "path_preference" in lines[i]) + 1


def test_one_line_policy_change_reads_as_one_change_at_72_sites(pr: PullRequest) -> None:
    line = _saas_line(pr.root)
    pr.edit("intents/policies/retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    code, plan = pr.plan_json()
    review = plan["review"]
    assert code == 7  # wider than the example estate's gate
    [change] = review["intent_changes"]
    assert change["words"] == (
        "policy retail-standard, class saas: path_preference "
        "[secondary_dia, primary_dia, tertiary_wireless] → [primary_dia, secondary_dia, tertiary_wireless]"
    )
    assert change["old_at"]["file"] == "main:intents/policies/retail-standard.yaml"
    assert change["new_at"]["file"] == "intents/policies/retail-standard.yaml"
    assert change["old_at"]["line"] == change["new_at"]["line"] == line
    standard = _sites(pr.root, policy="retail-standard")
    assert len(standard) == 72
    assert set(change["sites"]) == standard == set(review["sites_reached"])
    why = {s["why"][0]["via"] for s in review["sites_reached"].values()}
    assert why == {"policy retail-standard"}
    assert plan["touched"] == sorted(standard)
    [group] = review["config_groups"]  # one change, not 72
    assert set(group["sites"]) == standard
    assert any(line.startswith("+ set nexthop") for line in group["example"])
    assert review["mode"].startswith("incremental: 72 of 80 sites")


def test_policy_change_markdown_fits_a_pr_comment_and_the_full_report_goes_to_a_file(pr: PullRequest) -> None:
    pr.edit("intents/policies/retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    report = pr.root / "review-full.md"
    code, out, _ = pr.run("plan", "--against", "main", "--format", "markdown", "--report", str(report))
    assert code == 7
    assert len(out) < GITHUB_COMMENT_LIMIT
    head = out.split("### Intent changes")[0]
    assert "72 of 80 sites change" in head and "Exceeds the blast-radius gate" in head
    assert "**policy retail-standard, class saas**: `path_preference`" in out
    assert "`main:intents/policies/retail-standard.yaml:" in out
    assert out.count("**Config change 1 of 1: 72 site(s)**") == 1
    assert out.count("```diff") == 1  # one example, not 72 diffs
    full = report.read_text()
    assert full.startswith(out.split("\n", 1)[0])
    assert full.count("<summary>") > 72 and "### Every site's config diff" in full


def test_region_default_change_reaches_the_region_sites_that_do_not_override_it(pr: PullRequest) -> None:
    pr.edit("intents/regions/west.yaml", "provider: skycell", "provider: aircarrier")
    code, plan = pr.plan_json()
    review = plan["review"]
    [change] = review["intent_changes"]
    assert change["words"] == ("region west: site_defaults.circuits.tertiary_wireless.provider skycell → aircarrier")
    assert change["new_at"]["file"] == "intents/regions/west.yaml"
    west = _sites(pr.root, region="west")
    assert set(change["sites"]) == west and len(west) == 20
    for site in west:
        reached = review["sites_reached"][site]
        assert reached["roles"] == ["tertiary_wireless"]
        assert reached["why"][0]["via"] == "region west (site_defaults)"
    assert code == 7
    rules = {f["rule"] for f in review["gate"]["findings"]}
    assert rules == {"max_sites_per_region"}  # 20 of 80 is within max_sites, 20 of 20 west is not
    assert "region west: 20 of its 20 sites change" in review["gate"]["findings"][0]["message"]


def test_provider_change_reaches_every_circuit_of_the_provider(pr: PullRequest) -> None:
    pr.edit("intents/providers/fibrelink.yaml", "tracking_address: 100.64.255.1", "tracking_address: 100.64.255.9")
    code, plan = pr.plan_json()
    review = plan["review"]
    [change] = review["intent_changes"]
    assert change["words"] == "provider fibrelink: tracking_address 100.64.255.1 → 100.64.255.9"
    users = _sites(pr.root, region="west") | _sites(pr.root, region="central")  # fibrelink = their primary
    assert set(change["sites"]) == users
    assert {tuple(s["roles"]) for s in review["sites_reached"].values()} == {("primary_dia",)}
    assert all(s["why"][0]["via"] == "provider fibrelink" for s in review["sites_reached"].values())
    findings = {f["rule"]: f["message"] for f in review["gate"]["findings"]}
    assert code == 7
    assert findings["max_sites"] == "40 sites change; estate.change_policy.max_sites allows 20 (25% of 80 = 20)"
    assert "provider fibrelink" in findings["override_required_for"]


def test_single_site_change_reaches_that_site_only_and_passes_the_gate(pr: PullRequest) -> None:
    pr.edit("intents/sites/chi-021.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    code, plan = pr.plan_json()
    review = plan["review"]
    assert code == 2
    [change] = review["intent_changes"]
    assert change["words"] == "site chi-021: circuits.primary_dia.bandwidth_mbps 1000 → 2000"
    assert change["old_at"]["file"] == "main:intents/sites/chi-021.yaml"
    assert list(review["sites_reached"]) == ["chi-021"]
    assert review["sites_reached"]["chi-021"]["why"][0]["via"] == "its own file"
    assert plan["touched"] == ["chi-021"]
    assert review["gate"]["verdict"] == "within" and review["gate"]["findings"] == []
    assert review["mode"] == "incremental: 1 of 80 sites re-rendered (the ones the change reaches)"


def test_two_circuit_roles_of_one_site_in_one_change_fail_the_gate(pr: PullRequest) -> None:
    pr.edit("intents/sites/chi-021.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    pr.edit("intents/sites/chi-021.yaml", "bandwidth_mbps: 600", "bandwidth_mbps: 700")
    code, out, _ = pr.run("plan", "--against", "main")
    assert code == 7
    assert "1 site(s) would change 2 circuit roles at once (primary_dia, secondary_dia)" in out
    assert "max_circuit_roles_per_site allows 1" in out


def test_a_bgp_timer_default_touches_every_circuit_of_every_site(pr: PullRequest) -> None:
    pr.edit("intents/defaults.yaml", "connect_retry: 10", "connect_retry: 12")
    code, plan = pr.plan_json()
    review = plan["review"]
    assert code == 7
    assert len(review["sites_reached"]) == 80
    assert all(len(s["roles"]) == 3 for s in review["sites_reached"].values())
    assert {"max_sites", "max_circuit_roles_per_site"} <= {f["rule"] for f in review["gate"]["findings"]}


def test_override_turns_the_gate_into_a_recorded_reason(pr: PullRequest) -> None:
    pr.edit("intents/policies/retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    code, out, _ = pr.run(
        "plan", "--against", "main", "--format", "markdown", "--allow-wide-change", "CHG-42 approved by the NOC"
    )
    assert code == 2
    assert "**overridden**: CHG-42 approved by the NOC" in out
    code, _, err = pr.run("plan", "--against", "main", "--allow-wide-change", " ")
    assert code == 1 and "--allow-wide-change needs a reason" in err


def test_new_site_is_onboarded_not_counted(pr: PullRequest) -> None:
    source = (pr.root / "intents/sites/sea-001.yaml").read_text()
    new = source.replace("site: sea-001", "site: sea-081").replace("asn: 65001", "asn: 65081")
    (pr.root / "intents/sites/sea-081.yaml").write_text(new)
    code, plan = pr.plan_json()
    review = plan["review"]
    assert review["sites_reached"]["sea-081"]["state"] == "added"
    assert review["gate"]["onboarding"] == ["sea-081"] and review["gate"]["counted"] == []
    assert code == 2


def test_removed_site_is_counted_but_touches_no_circuit_role(pr: PullRequest) -> None:
    (pr.root / "intents/sites/sea-001.yaml").unlink()
    code, plan = pr.plan_json()
    review = plan["review"]
    assert review["sites_reached"]["sea-001"] == {
        "region": "west",
        "state": "removed",
        "roles": [],
        "why": [{"via": "its own file", "detail": "site removed", "changes": [0]}],
    }
    assert review["intent_changes"][0]["words"] == "site sea-001: file removed"
    assert review["intent_changes"][0]["old_at"]["file"] == "main:intents/sites/sea-001.yaml"
    assert review["gate"]["counted"] == ["sea-001"] and review["gate"]["findings"] == []
    assert code == 2


def test_change_policy_itself_needs_an_override(pr: PullRequest) -> None:
    pr.edit("intents/defaults.yaml", "max_sites: 25%", "max_sites: 100%")
    pr.edit("intents/policies/retail-standard.yaml", SAAS_OLD, SAAS_NEW)
    code, plan = pr.plan_json()
    findings = {f["rule"] for f in plan["review"]["gate"]["findings"]}
    # the policy in force is main's (25%), and loosening it is itself a finding
    assert {"max_sites", "change_policy"} <= findings
    assert code == 7


def test_incremental_plan_equals_the_full_plan(pr: PullRequest) -> None:
    pr.edit("intents/regions/east.yaml", "provider: aircarrier", "provider: skycell")
    pr.edit("intents/sites/chi-021.yaml", "address: 10.21.30.1/24", "address: 10.21.31.1/24")
    _, fast = pr.plan_json()
    _, full = pr.plan_json("--full")
    assert fast["review"]["mode"].startswith("incremental")
    assert full["review"]["mode"].startswith("full")
    assert fast["touched"] == full["touched"] and len(fast["touched"]) == 21
    assert fast["summary"] == full["summary"]
    by_site = {s["site"]: s["diff"] for s in full["sites"] if s["change"] != "unchanged"}
    assert {s["site"]: s["diff"] for s in fast["sites"] if s["change"] != "unchanged"} == by_site


def test_template_change_renders_every_site(pr: PullRequest) -> None:
    """The workspace's own templates/ changed: no intent changed, yet every config does."""
    templates = pr.root / "templates"
    shutil.copytree(BUILTIN_TEMPLATES, templates)
    pr.commit("own templates")
    code, out, _ = pr.run("plan", "--against", "HEAD", "--format", "json")
    assert json.loads(out)["review"]["mode"].startswith("incremental: 0 of 80") and code == 0
    banner = next(templates.glob("frr/*.j2"))
    banner.write_text("! managed by runbook\n" + banner.read_text())
    code, out, _ = pr.run("plan", "--against", "HEAD", "--format", "json")
    plan = json.loads(out)
    assert plan["review"]["mode"].startswith("full: every selected site rendered (templates, platforms or rendering")
    assert plan["review"]["intent_changes"] == []
    assert plan["summary"]["changed"] == 80 and code == 7


def test_working_tree_plan_compares_intents_with_head(pr: PullRequest) -> None:
    pr.edit("intents/sites/chi-021.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    code, out, _ = pr.run("plan", "--format", "json")
    review = json.loads(out)["review"]
    assert code == 2
    assert review["baseline"] == "HEAD"
    assert review["intent_changes"][0]["old_at"]["file"] == "HEAD:intents/sites/chi-021.yaml"
    assert review["mode"].startswith("incremental: 1 of 80")


def test_against_a_ref_without_intents_every_site_is_onboarded(pr: PullRequest) -> None:
    git(pr.root, "checkout", "-q", "--orphan", "empty")
    git(pr.root, "rm", "-rq", "--cached", ".")
    git(pr.root, "commit", "-q", "--allow-empty", "-m", "nothing yet")
    git(pr.root, "checkout", "-qf", "change")
    code, out, err = pr.run("plan", "--against", "empty", "--format", "json")
    review = json.loads(out)["review"]
    assert code == 2, err
    assert review["intent_note"] == "there are no intents at empty yet, so every site is new"
    assert len(review["gate"]["onboarding"]) == 80 and review["gate"]["counted"] == []
    assert review["gate"]["verdict"] == "within"


def test_a_pinned_plan_holds_every_site(pr: PullRequest) -> None:
    """`plan --out FILE` is what `deploy --plan FILE` checks every site against: never incremental."""
    pr.edit("intents/sites/chi-021.yaml", "bandwidth_mbps: 1000", "bandwidth_mbps: 2000")
    pinned = pr.root / "pinned.json"
    code, _, err = pr.run("plan", "--against", "main", "--out", str(pinned))
    assert code == 2, err
    plan = json.loads(pinned.read_text())
    assert plan["review"]["mode"].startswith("full: every selected site rendered (--full)")
    assert len(plan["sites"]) == 80 and all(s["new_sha256"] for s in plan["sites"])
