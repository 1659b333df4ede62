"""A secret rotation is a change a reviewer sees: which secret, which sites and sessions, never the
value; the blast-radius gate counts those sites (example estate in a real git repository)."""

from __future__ import annotations

from conftest import PullRequest

ROTATED = "bgp_password: {secret: bgp-fibrelink, rotation: 2}"
VALUE = "Zq8-a-known-fibrelink-value"


def test_a_declared_rotation_names_the_secret_and_the_sites_and_the_gate_counts_them(
    pr: PullRequest, monkeypatch: object
) -> None:
    pr.edit("intents/providers/fibrelink.yaml", "bgp_password: {secret: bgp-fibrelink}", ROTATED)
    code, plan = pr.plan_json()
    review = plan["review"]
    assert plan["summary"]["changed"] == 0, "no rendered config changes: the token is the same"
    [secret] = review["secret_changes"]
    assert secret["secret"] == "bgp-fibrelink" and secret["what"] == "rotation none → 2"
    assert secret["reviewed"] and secret["source"] == "intents"
    assert secret["new_at"] == "intents/providers/fibrelink.yaml:8 bgp_password.rotation"
    assert len(secret["sites"]) == 40  # fibrelink is the primary circuit of the west and central stores
    assert secret["sessions"]["sea-001"] == ["neighbor 100.64.0.6 password <secret:bgp-fibrelink>"]
    # the gate counts them: 40 > 25% of 80, and a provider change needs an override
    assert code == 7
    assert sorted(review["gate"]["counted"]) == sorted(secret["sites"])
    rules = {f["rule"] for f in review["gate"]["findings"]}
    assert {"max_sites", "max_sites_per_region", "override_required_for"} <= rules
    assert review["sites_reached"]["sea-001"]["roles"] == ["primary_dia"]


def test_the_pr_report_shows_the_rotation_without_a_value(pr: PullRequest) -> None:
    import os

    os.environ["RUNBOOK_SECRET_BGP_FIBRELINK"] = VALUE  # set, and never read by plan
    try:
        pr.edit("intents/providers/fibrelink.yaml", "bgp_password: {secret: bgp-fibrelink}", ROTATED)
        code, out, err = pr.run("plan", "--against", "main", "--format", "markdown")
        term_code, term, term_err = pr.run("plan", "--against", "main")
    finally:
        del os.environ["RUNBOOK_SECRET_BGP_FIBRELINK"]
    assert code == term_code == 7
    assert "## Runbook review: no config changes against configs/ at main; 40 more site(s) get a rotated secret" in out
    assert "### Secret changes (values never shown)" in out
    row = next(line for line in out.splitlines() if line.startswith("| `bgp-fibrelink` |"))
    assert "rotation none → 2" in row and "**40** (central 20, west 20)" in row
    assert "`neighbor 100.64.0.6 password <secret:bgp-fibrelink>`" in row or "password <secret:bgp-fibrelink>" in row
    assert "`intents/providers/fibrelink.yaml:8`" in row
    assert "| secrets | 1 secret(s) change, reaching 40 site(s)" in out
    assert "Secret bgp-fibrelink: rotation none → 2; reaches 40 site(s), 40 session(s)" in term
    for text in (out, err, term, term_err):
        assert VALUE not in text


def test_a_rotation_with_the_override_passes_and_a_rename_is_a_secret_change_too(pr: PullRequest) -> None:
    pr.edit("intents/providers/metrofiber.yaml", "{secret: bgp-metrofiber}", "{secret: bgp-metrofiber-2025}")
    code, plan = pr.plan_json("--allow-wide-change", "CHG-77: rotate the metrofiber BGP secret with the carrier")
    [secret] = plan["review"]["secret_changes"]
    assert secret["secret"] == "bgp-metrofiber-2025"
    assert secret["what"] == "now referenced instead of bgp-metrofiber"
    assert plan["summary"]["changed"] == len(secret["sites"]) == 40  # here the token changes too
    assert code == 2 and plan["review"]["gate"]["override"].startswith("CHG-77")
