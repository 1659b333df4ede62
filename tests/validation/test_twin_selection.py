"""Which sites the twin proof boots (no lab needed: the selection happens before any boot)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from runbook_wan import cli as runbook
from runbook_wan.validation.twin.probes import Probe, class_probes
from runbook_wan.validation.twin.scenarios import SCENARIOS, select


def test_twin_with_nothing_changed_says_so_and_boots_nothing(
    tmp_path: Path, example_intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(example_intents, intents)
    configs = tmp_path / "configs"
    assert runbook.main(["render", "--intents", str(intents), "--configs", str(configs)]) == 0
    capsys.readouterr()
    code = runbook.main(
        [
            "--state",
            str(tmp_path / "state"),
            "validate",
            "--intents",
            str(intents),
            "--configs",
            str(configs),
            "--twin",
            "--format",
            "json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    twin = [r for r in report["results"] if r["check"] == "twin"]
    assert code == 0
    assert twin and twin[0]["status"] == "skipped" and "nothing to prove" in twin[0]["message"]
    assert not (tmp_path / "state" / "twin").exists()


def test_expected_circuit_is_the_first_preference_still_working() -> None:
    bulk = Probe("bulk", "users", "198.51.100.129", ("secondary_dia", "primary_dia"), sla=(1000, 5))
    by_name = {s.name: s for s in SCENARIOS}
    assert bulk.expected(by_name["primary-down"]) == "secondary_dia"
    assert bulk.expected(by_name["secondary-down"]) == "primary_dia"
    assert bulk.expected(by_name["wireless-only"]) is None  # guardrail: dropped, never wireless


def test_a_brownout_moves_the_classes_whose_sla_it_breaks_and_only_where_an_agent_steers() -> None:
    by_name = {s.name: s for s in SCENARIOS}
    path = ("primary_dia", "secondary_dia", "tertiary_wireless")
    voice = Probe("voice", "voice", "198.51.100.10", path, sla=(150, 1))
    video = Probe("video", "users", "203.0.113.129", path, sla=(200, 2))
    assert voice.expected(by_name["primary-brownout"]) == "secondary_dia", "5 % loss breaks voice's 1 %"
    assert voice.expected(by_name["primary-slow"]) == "secondary_dia", "180 ms breaks voice's 150 ms"
    assert video.expected(by_name["primary-slow"]) == "primary_dia", "180 ms is within video's 200 ms"
    unsteered = Probe("voice", "voice", "198.51.100.10", path)
    assert unsteered.expected(by_name["primary-brownout"]) == "primary_dia", "no agent: a brownout moves nothing"
    assert by_name["primary-slow"].needs_relay and not by_name["primary-brownout"].needs_relay


def test_probes_cover_segment_and_destination_classes(example_intents: Path) -> None:
    from runbook_wan.facts.builder import build_site_facts
    from runbook_wan.model.loader import load_estate

    estate, _ = load_estate(example_intents)
    facts, _ = build_site_facts(estate, "chi-021")
    targets = {
        "203.0.113.128/26": "203.0.113.129",
        "203.0.113.0/25": "203.0.113.10",
        "198.51.100.128/25": "198.51.100.129",
    }
    probes = {p.app_class: p for p in class_probes(facts, targets, "198.51.100.10")}
    assert probes["voice"].segment == "voice" and probes["guest"].segment == "guest"
    assert probes["saas"].segment == "users" and probes["saas"].destination == "203.0.113.10"
    assert set(probes) == {"pos", "voice", "guest", "video", "saas", "bulk"}


def test_an_unknown_scenario_is_a_usage_error_naming_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert runbook.main(["--no-color", "validate", "--twin", "--scenario", "primary-gone"]) == 1
    err = capsys.readouterr().err
    assert "invalid choice: 'primary-gone'" in err and "wireless-only" in err and "Traceback" not in err


def test_scenarios_run_in_the_proofs_order_whatever_order_they_are_named() -> None:
    assert [s.name for s in select(("primary-brownout", "primary-down"))] == ["primary-down", "primary-brownout"]
    assert select(()) == SCENARIOS
