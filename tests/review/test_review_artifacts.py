"""A change that reaches an FRR site's artifacts (the edge agent's policy, the nftables classifier) is
reviewed like a config change: shown per site and grouped, explained, and counted by the gate."""

from __future__ import annotations

import json

from conftest import PullRequest

from runbook_wan.plan.diff import config_diff, render_unified
from runbook_wan.review.grouping import parse_device_diff

FLAGSHIP = "intents/policies/retail-flagship.yaml"
VOICE_SLA = "    sla: {latency_ms: 150, jitter_ms: 30, loss_pct: 1}"


def flagship_sites(pr: PullRequest) -> set[str]:
    return {
        p.stem
        for p in (pr.root / "intents" / "sites").glob("*.yaml")
        if "policy: retail-flagship" in p.read_text(encoding="utf-8")
    }


def test_a_class_sla_edit_is_a_change_of_the_agent_policy_at_the_sites_it_reaches(pr: PullRequest) -> None:
    pr.edit(FLAGSHIP, VOICE_SLA, VOICE_SLA.replace("latency_ms: 150", "latency_ms: 120"))
    code, plan = pr.plan_json()
    changed = {s["site"]: s for s in plan["sites"] if s["change"] != "unchanged"}
    assert set(changed) == flagship_sites(pr) and len(changed) == 8
    assert code == 2, "8 of 80 sites are within the example estate's gate"
    for site in changed.values():
        assert site["files"] == [".agent.json"], "only the agent policy changes; the FRR config does not"
        assert "@@ -86,5 +86,5 @@ .agent.json › classes › voice › sla" in site["diff"]
        assert '-        "latency_ms": 150,' in site["diff"] and '+        "latency_ms": 120,' in site["diff"]
    review = plan["review"]
    [group] = review["config_groups"]
    assert group["where"] == ".agent.json › classes › voice › sla" and sorted(group["sites"]) == sorted(changed)
    # the reason names the policy and the key, and the gate counts every one of those sites
    why = {w["via"] + ": " + w["detail"] for s in changed for w in review["sites_reached"][s]["why"]}
    assert why == {"policy retail-flagship: its SD-WAN policy (class voice sla.latency_ms)"}
    assert sorted(review["gate"]["counted"]) == sorted(changed)
    assert plan["summary"]["changed"] == len(changed)


def test_the_gate_blocks_an_agent_policy_change_wider_than_it_allows(pr: PullRequest) -> None:
    """Hysteresis is an estate setting: every site's agent policy changes, so the gate needs an override."""
    pr.edit("intents/defaults.yaml", "  discard_address:", "  steering: {hold_s: 90}\n  discard_address:")
    code, plan = pr.plan_json()
    assert code == 7
    assert plan["summary"]["changed"] == 80
    assert all(s["files"] == [".agent.json"] for s in plan["sites"])
    assert plan["review"]["gate"]["blocks"]
    assert plan["review"]["config_groups"][0]["where"] == ".agent.json › decision"


def test_a_dscp_edit_changes_the_classifier_and_the_pbr_map_together(pr: PullRequest) -> None:
    pr.edit(FLAGSHIP, "      dscp: [ef]", "      dscp: [cs5]")
    code, plan = pr.plan_json()
    assert code == 2
    site = next(s for s in plan["sites"] if s["site"] == "chi-021")
    assert site["files"] == [".cfg", ".nft"]
    diff = site["diff"]
    # the classifier marks CS5 (40) instead of EF (46), and the voice sequences match the new mark
    assert any(line.startswith("-") and "ip dscp 46 meta mark set 0x12e" in line for line in diff)
    assert any(line.startswith("+") and "ip dscp 40 meta mark set 0x128" in line for line in diff)
    assert "- match mark 302" in diff and "+ match mark 296" in diff
    header = next(line for line in diff if "ip dscp" in line or line.endswith("chain prerouting"))
    assert header.startswith("@@") and header.endswith(".nft › table inet runbook_sdwan › chain prerouting")


def test_markdown_names_the_artifacts_in_the_summary_and_per_site(pr: PullRequest) -> None:
    pr.edit(FLAGSHIP, VOICE_SLA, VOICE_SLA.replace("loss_pct: 1", "loss_pct: 0.5"))
    code, out, _ = pr.run("plan", "--against", "main", "--format", "markdown")
    assert code == 2
    assert "| artifacts (deployed with the config) | `.agent.json` at 8 site(s) |" in out
    assert "| `chi-021` | changed | frr | `.agent.json` | 1 | 1 |" in out
    assert "under `.agent.json › classes › voice › sla`" in out


def test_json_hunks_are_named_by_key_and_item_name() -> None:
    old = json.dumps(
        {"classes": [{"name": "voice", "sla": {"latency_ms": 150}}], "site": "x"}, indent=2, sort_keys=True
    )
    new = old.replace("150", "120")
    [hunk] = config_diff(old, new, file=".agent.json")
    assert hunk.where == ".agent.json › classes › voice › sla"
    # the config's own hunks keep their plain chain
    [plain] = config_diff("router bgp 1\n neighbor a\n", "router bgp 1\n neighbor b\n")
    assert plain.where == "router bgp 1" and plain.file == ""
    assert render_unified([hunk])[0].endswith("@@ .agent.json › classes › voice › sla")


def test_a_devices_diff_of_its_files_is_grouped_by_file() -> None:
    """napalm_frr's compare_config: the config's diff, then each changed file's unified diff."""
    text = "\n".join(
        [
            " router bgp 65021",
            "- neighbor 1.1.1.1 timers 3 9",
            "+ neighbor 1.1.1.1 timers 5 15",
            "--- /etc/frr/runbook-agent.json",
            "+++ /etc/frr/runbook-agent.json (candidate)",
            "@@ -86,3 +86,3 @@",
            '         "jitter_ms": 30,',
            '-        "latency_ms": 150,',
            '+        "latency_ms": 120,',
        ]
    )
    config, agent = parse_device_diff(text)
    assert config.file == "" and config.parents == ["router bgp 65021"]
    assert agent.file == "/etc/frr/runbook-agent.json" and agent.where == "/etc/frr/runbook-agent.json"
    assert [line.op for line in agent.lines] == [" ", "-", "+"]
