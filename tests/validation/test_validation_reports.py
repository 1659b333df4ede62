"""`runbook.py validate` on a broken estate: exit code, JSON/Markdown output, JUnit and SARIF files
that name the right files and lines (intent YAML for intent findings, rendered config otherwise)."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import expectations

from runbook_wan.cli import main
from runbook_wan.render.pipeline import RenderResult
from runbook_wan.render.renderer import RenderedConfig
from runbook_wan.validation.checks.base import ValidationOptions
from runbook_wan.validation.output.sarif import to_sarif
from runbook_wan.validation.runner import validate


def check_sarif(log: dict[str, Any]) -> None:
    """The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that code scanning relies on."""
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(log["runs"], list) and log["runs"]
    for run in log["runs"]:
        assert isinstance(run["tool"]["driver"]["name"], str)
        assert all(isinstance(rule["id"], str) for rule in run["tool"]["driver"].get("rules", []))
        for result in run.get("results", []):
            assert isinstance(result["message"]["text"], str) and isinstance(result["ruleId"], str)
            assert result["level"] in ("none", "note", "warning", "error")
            for location in result.get("locations", []):
                physical = location["physicalLocation"]
                assert isinstance(physical["artifactLocation"]["uri"], str)
                assert not physical["artifactLocation"]["uri"].startswith("/")  # repository-relative
                if "region" in physical:
                    assert isinstance(physical["region"]["startLine"], int) and physical["region"]["startLine"] >= 1


@pytest.fixture
def broken_run(
    estate_dir: Callable[[str | None], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, Path, Path, str]:
    """validate --junit --sarif over broken/overlapping-lan, from the estate's parent folder."""
    root = estate_dir("overlapping-lan")
    monkeypatch.chdir(root.parent)
    code = main(
        [
            "--no-color",
            "validate",
            "--intents",
            root.name,
            "--junit",
            "out/junit.xml",
            "--sarif",
            "out/results.sarif",
            "--format",
            "json",
        ]
    )
    return code, root.parent / "out" / "junit.xml", root.parent / "out" / "results.sarif", root.name


def test_broken_estate_exits_1_and_sound_estate_exits_0(
    estate_dir: Callable[[str | None], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--no-color", "validate", "--intents", str(estate_dir("overlapping-lan"))]) == 1
    assert "validation FAILED" in capsys.readouterr().out
    assert main(["--no-color", "validate", "--intents", str(estate_dir(None))]) == 0
    assert "validation PASSED" in capsys.readouterr().out


def test_warnings_alone_do_not_fail_the_run(
    estate_dir: Callable[[str | None], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--no-color", "validate", "--intents", str(estate_dir("secondary-faster-than-primary"))]) == 0
    assert "R014-bandwidth-order" in capsys.readouterr().out


def test_json_output_lists_the_finding_with_file_and_line(
    capsys: pytest.CaptureFixture[str], broken_run: tuple[int, Path, Path, str]
) -> None:
    code, _, _, estate = broken_run
    assert code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] is False and data["summary"]["errors"] >= 1
    [expected] = expectations("overlapping-lan")
    diags = [d for r in data["results"] for d in r["diagnostics"] if d["code"] == expected["code"]]
    assert {"file": f"{estate}/{expected['file']}", "line": expected["line"]} in [
        {"file": d["file"], "line": d["line"]} for d in diags
    ]


def test_junit_has_one_testcase_per_site_and_check_with_failures_naming_file_and_line(
    broken_run: tuple[int, Path, Path, str],
) -> None:
    _, junit, _, estate = broken_run
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert {"render", "estate.rules", "builtin.syntax", "builtin.references", "builtin.default-path"} <= set(suites)
    rules = suites["estate.rules"]
    cases = {c.get("name"): c for c in rules.findall("testcase")}
    assert set(cases) == {"estate", "aaa-001", "bbb-002", "ccc-003"}
    assert int(rules.get("tests", "0")) == 4 and int(rules.get("failures", "0")) >= 1
    failure = cases["ccc-003"].find("failure")
    assert failure is not None and failure.get("type") == "R006-no-address-overlap"
    [expected] = expectations("overlapping-lan")
    assert f"{estate}/{expected['file']}:{expected['line']}" in (failure.text or "")
    assert cases["bbb-002"].find("failure") is None
    for suite in ("builtin.syntax", "builtin.default-path"):
        assert {c.get("name") for c in suites[suite].findall("testcase")} == {"aaa-001", "bbb-002", "ccc-003"}


def test_sarif_is_valid_and_points_at_the_intent_yaml_line(broken_run: tuple[int, Path, Path, str]) -> None:
    _, _, sarif, estate = broken_run
    log = json.loads(sarif.read_text(encoding="utf-8"))
    check_sarif(log)
    run = log["runs"][0]
    [expected] = expectations("overlapping-lan")
    hits = [r for r in run["results"] if r["ruleId"] == expected["code"]]
    locations = [
        (
            h["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            h["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for h in hits
    ]
    assert (f"{estate}/{expected['file']}", expected["line"]) in locations
    assert all(h["level"] == "error" for h in hits)
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == expected["code"])
    assert rule["defaultConfiguration"]["level"] == "error" and rule["fullDescription"]["text"]


def test_sarif_points_config_findings_at_the_rendered_config_line(base_rendered: RenderResult) -> None:
    config = base_rendered.configs["bbb-002"]
    text = config.text.replace("route-map RM-PRIMARY-IN in", "route-map RM-PRIMRY-IN in")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "RM-PRIMRY-IN" in t)
    broken = dataclasses.replace(
        base_rendered, configs={**base_rendered.configs, "bbb-002": RenderedConfig("bbb-002", config.platform, text)}
    )
    log = json.loads(to_sarif(validate(broken, ValidationOptions(vtysh=False))))
    check_sarif(log)
    [hit] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "config-undefined-reference"]
    physical = hit["locations"][0]["physicalLocation"]
    assert (physical["artifactLocation"]["uri"], physical["region"]["startLine"]) == ("configs/bbb-002.cfg", line)


def test_load_errors_are_findings_in_every_report(
    estate_dir: Callable[[str | None], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = estate_dir("schema-error")
    assert (
        main(
            [
                "--no-color",
                "validate",
                "--intents",
                str(root),
                "--format",
                "markdown",
                "--sarif",
                str(tmp_path / "s.sarif"),
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert out.startswith("## ❌ validation FAILED") and "site-interface_address" in out
    log = json.loads((tmp_path / "s.sarif").read_text(encoding="utf-8"))
    [hit] = log["runs"][0]["results"]
    assert hit["ruleId"] == "site-interface_address"
    [expected] = expectations("schema-error")
    assert hit["locations"][0]["physicalLocation"]["region"]["startLine"] == expected["line"]


def test_batfish_backend_without_host_is_reported_as_not_run(
    estate_dir: Callable[[str | None], Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BATFISH_HOST", raising=False)
    assert main(["--no-color", "validate", "--intents", str(estate_dir(None)), "--backend", "all"]) == 0
    assert "Batfish not run: no BATFISH_HOST" in capsys.readouterr().out
