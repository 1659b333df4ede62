"""Interpretation of Batfish answers, on HAND-BUILT answer tables.

No Batfish service runs here: each test builds a pybatfish ``TableAnswer`` from a dict (as
pybatfish's own unit tests do), with the columns Batfish documents for the question, and checks
what the backend makes of it. The real service is exercised by test_validation_batfish_live.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from pybatfish.datamodel.answer.table import TableAnswer

from runbook_wan.render.pipeline import RenderResult
from runbook_wan.results import Severity
from runbook_wan.validation.batfish import answers
from runbook_wan.validation.batfish.allowlist import load_allowlist
from runbook_wan.validation.batfish.snapshot import build_snapshot


def handbuilt(columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a hand-built TableAnswer, as the backend receives them (frame -> records)."""
    answer = TableAnswer(
        {
            "answerElements": [
                {  # type: ignore[no-untyped-call]
                    "metadata": {"columnMetadata": [{"name": n, "schema": s} for n, s in columns]},
                    "rows": rows,
                }
            ]
        }
    )
    records: list[dict[str, Any]] = answer.frame().to_dict(orient="records")  # type: ignore[no-untyped-call]
    return records


@pytest.fixture
def loc(base_rendered: RenderResult) -> answers.Locator:
    layout = build_snapshot(base_rendered, base_rendered.selected)
    return answers.Locator(layout, lambda site: f"configs/{site}.cfg")


def snapshot_line(loc: answers.Locator, site: str, rendered_line: int) -> int:
    return rendered_line + loc.layout.sites[site].wrapped.line_offset


PARSE_STATUS = [("File_Name", "String"), ("Status", "String"), ("File_Format", "String"), ("Nodes", "List<String>")]


def test_handbuilt_parse_status_accepts_partial_parse_in_the_declared_format(loc: answers.Locator) -> None:
    rows = handbuilt(
        PARSE_STATUS,
        [
            {"File_Name": f"configs/{s}.cfg", "Status": st, "File_Format": "CUMULUS_CONCATENATED", "Nodes": [s]}
            for s, st in (("aaa-001", "PASSED"), ("bbb-002", "PARTIALLY_UNRECOGNIZED"), ("ccc-003", "PASSED"))
        ],
    )
    assert answers.parse_status(rows, loc) == {}


def test_handbuilt_parse_status_flags_misdetected_failed_and_missing_files(loc: answers.Locator) -> None:
    rows = handbuilt(
        PARSE_STATUS,
        [
            {"File_Name": "configs/aaa-001.cfg", "Status": "PASSED", "File_Format": "CISCO_IOS", "Nodes": ["aaa-001"]},
            {"File_Name": "configs/bbb-002.cfg", "Status": "FAILED", "File_Format": "UNKNOWN", "Nodes": []},
        ],
    )
    found = answers.parse_status(rows, loc)
    assert found["aaa-001"][0].code == "batfish-format"
    assert "read the file as CISCO_IOS, expected CUMULUS_CONCATENATED" in found["aaa-001"][0].message
    assert found["bbb-002"][0].code == "batfish-parse" and "FAILED" in found["bbb-002"][0].message
    assert found["ccc-003"][0].message == "Batfish did not report this file"
    assert found["aaa-001"][0].location is not None and found["aaa-001"][0].location.file == "configs/aaa-001.cfg"


PARSE_WARNING = [
    ("Filename", "String"),
    ("Line", "Integer"),
    ("Text", "String"),
    ("Parser_Context", "String"),
    ("Comment", "String"),
]


def test_handbuilt_parse_warnings_are_gated_by_the_allowlist_and_mapped_to_rendered_lines(loc: answers.Locator) -> None:
    rows = handbuilt(
        PARSE_WARNING,
        [
            {
                "Filename": "configs/aaa-001.cfg",
                "Line": 90,
                "Text": "pbr-map SDWAN seq 5",
                "Parser_Context": "[s_line]",
                "Comment": "This syntax is unrecognized",
            },
            {
                "Filename": "configs/aaa-001.cfg",
                "Line": snapshot_line(loc, "aaa-001", 12),
                "Text": " bogus knob 7",
                "Parser_Context": "[s_line]",
                "Comment": "This syntax is unrecognized",
            },
        ],
    )
    found = answers.parse_warnings(rows, loc, load_allowlist())
    [diag] = found["aaa-001"]
    assert diag.code == "batfish-parse-warning" and "`bogus knob 7`" in diag.message
    assert diag.location is not None and (diag.location.file, diag.location.line) == ("configs/aaa-001.cfg", 12)


INIT_ISSUES = [
    ("Nodes", "List<String>"),
    ("Source_Lines", "List<FileLines>"),
    ("Type", "String"),
    ("Details", "String"),
    ("Line_Text", "String"),
    ("Parser_Context", "String"),
]


def test_handbuilt_init_issues_outside_the_allowlist_fail_at_their_line(loc: answers.Locator) -> None:
    rows = handbuilt(
        INIT_ISSUES,
        [
            {
                "Nodes": ["bbb-002"],
                "Source_Lines": [{"filename": "configs/bbb-002.cfg", "lines": [snapshot_line(loc, "bbb-002", 40)]}],
                "Type": "Convert warning (redflag)",
                "Details": "Unsupported neighbor option",
                "Line_Text": "x",
                "Parser_Context": "",
            },
            {
                "Nodes": ["bbb-002"],
                "Source_Lines": [],
                "Type": "Convert warning (unimplemented)",
                "Details": "pbr-map SDWAN is not modeled",
                "Line_Text": "",
                "Parser_Context": "",
            },
        ],
    )
    [diag] = answers.init_issues(rows, loc, load_allowlist())["bbb-002"]
    assert diag.message == "Batfish Convert warning (redflag): Unsupported neighbor option"
    assert diag.location is not None and diag.location.line == 40


UNDEFINED = [
    ("File_Name", "String"),
    ("Struct_Type", "String"),
    ("Ref_Name", "String"),
    ("Context", "String"),
    ("Lines", "FileLines"),
]


def test_handbuilt_undefined_references_point_at_the_rendered_line(loc: answers.Locator) -> None:
    line = snapshot_line(loc, "ccc-003", 55)
    rows = handbuilt(
        UNDEFINED,
        [
            {
                "File_Name": "configs/ccc-003.cfg",
                "Struct_Type": "route-map",
                "Ref_Name": "RM-X",
                "Context": "bgp inbound route-map",
                "Lines": {"filename": "configs/ccc-003.cfg", "lines": [line]},
            }
        ],
    )
    [diag] = answers.undefined_references(rows, loc, load_allowlist())["ccc-003"]
    assert diag.message == "route-map 'RM-X' is referenced (bgp inbound route-map) but not defined"
    assert diag.location is not None and diag.location.line == 55


BGP = [
    ("Node", "Node"),
    ("VRF", "String"),
    ("Local_AS", "Long"),
    ("Local_IP", "Ip"),
    ("Remote_AS", "String"),
    ("Remote_Node", "Node"),
    ("Remote_IP", "Ip"),
    ("Session_Type", "String"),
    ("Configured_Status", "String"),
]


def _session(node: str, remote_ip: str, status: str) -> dict[str, Any]:
    return {
        "Node": {"name": node},
        "VRF": "default",
        "Local_AS": 65001,
        "Local_IP": "100.64.0.1",
        "Remote_AS": "64501",
        "Remote_Node": {"name": "isp_64501"},
        "Remote_IP": remote_ip,
        "Session_Type": "EBGP_SINGLEHOP",
        "Configured_Status": status,
    }


def test_handbuilt_bgp_sessions_must_be_unique_matches_for_every_circuit(loc: answers.Locator) -> None:
    rows = [
        _session(site, gw, "UNIQUE_MATCH")
        for site, layout in loc.layout.sites.items()
        for _, gw in layout.circuits.values()
    ]
    rows = [r for r in rows if not (r["Node"]["name"] == "aaa-001" and r["Remote_IP"] == "100.66.0.2")]
    rows.append(_session("bbb-002", "100.65.0.6", "HALF_OPEN"))  # overrides bbb-002's secondary
    found = answers.bgp_sessions(handbuilt(BGP, rows), loc)
    assert sorted(found) == ["aaa-001", "bbb-002"]
    assert found["aaa-001"][0].message == "tertiary_wireless: no BGP session found towards provider edge 100.66.0.2"
    assert found["bbb-002"][0].message == "secondary_dia: BGP session is HALF_OPEN towards provider edge 100.65.0.6"


ROUTES = [
    ("Node", "Node"),
    ("VRF", "String"),
    ("Network", "Prefix"),
    ("Next_Hop_IP", "Ip"),
    ("Next_Hop_Interface", "String"),
    ("Protocol", "String"),
]


def _routes(hops: dict[str, str]) -> list[dict[str, Any]]:
    return handbuilt(
        ROUTES,
        [
            {
                "Node": {"name": s},
                "VRF": "default",
                "Network": "0.0.0.0/0",
                "Next_Hop_IP": h,
                "Next_Hop_Interface": "dynamic",
                "Protocol": "bgp",
            }
            for s, h in hops.items()
        ],
    )


def test_handbuilt_routes_default_via_primary_then_next_circuit_when_it_is_down(loc: answers.Locator) -> None:
    primary = {s: layout.circuits["primary_dia"][1] for s, layout in loc.layout.sites.items()}
    secondary = {s: layout.circuits["secondary_dia"][1] for s, layout in loc.layout.sites.items()}
    assert answers.default_routes(_routes(primary), loc) == {}
    assert answers.default_routes(_routes(secondary), loc, down="primary_dia") == {}
    assert answers.default_routes(_routes(primary), loc, down="secondary_dia") == {}
    wrong = answers.default_routes(_routes({**primary, "bbb-002": "100.66.0.6"}), loc)
    assert wrong["bbb-002"][0].message == (
        "default route goes via 100.66.0.6 (tertiary_wireless), not primary_dia (100.64.0.6)"
    )
    missing = answers.default_routes(_routes({"aaa-001": secondary["aaa-001"]}), loc, down="primary_dia")
    assert sorted(missing) == ["bbb-002", "ccc-003"]
    assert missing["ccc-003"][0].message == "no default route with primary_dia down"


REACH = [("Flow", "Flow"), ("Traces", "List<Trace>"), ("TraceCount", "Integer")]


def test_handbuilt_reachability_failures_name_the_lan_and_disposition(loc: answers.Locator) -> None:
    flow = {
        "dscp": 0,
        "dstIp": "198.51.100.10",
        "ecn": 0,
        "fragmentOffset": 0,
        "ingressNode": "ccc-003",
        "ingressInterface": loc.layout.sites["ccc-003"].lan_interfaces[1],
        "ingressVrf": "default",
        "ipProtocol": "TCP",
        "packetLength": 512,
        "srcIp": "10.3.20.7",
        "srcPort": 49152,
        "dstPort": 443,
    }
    rows = handbuilt(REACH, [{"Flow": flow, "Traces": [{"disposition": "NO_ROUTE", "hops": []}], "TraceCount": 1}])
    [diag] = answers.reachability_failures(rows, loc, "198.51.100.10", down="secondary_dia")["ccc-003"]
    assert diag.severity is Severity.ERROR
    assert diag.message == ("traffic from lan20 (10.3.20.7) to 198.51.100.10 with secondary_dia down: NO_ROUTE")
