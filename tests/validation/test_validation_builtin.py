"""The builtin backend catches deliberately broken rendered configs, at the right config line."""

from __future__ import annotations

import dataclasses

import pytest

from runbook_wan.render.pipeline import RenderResult
from runbook_wan.render.renderer import RenderedConfig
from runbook_wan.results import Diagnostic, Severity, Status
from runbook_wan.validation.builtin.backend import DEFAULT_PATH_CHECK, REFERENCES_CHECK, BuiltinBackend
from runbook_wan.validation.builtin.configtext import parse_lines
from runbook_wan.validation.builtin.dialects import load_dialects
from runbook_wan.validation.builtin.references import check_references
from runbook_wan.validation.builtin.syntax_hierarchy import HierarchySyntax
from runbook_wan.validation.builtin.syntax_vtysh import SyntaxInput, VtyshRunner, VtyshSyntax
from runbook_wan.validation.checks.base import ValidationContext, ValidationOptions
from runbook_wan.validation.report import CheckResult


def edited(rendered: RenderResult, site: str, old: str, new: str) -> RenderResult:
    config = rendered.configs[site]
    assert old in config.text, old
    text = config.text.replace(old, new, 1)
    configs = {**rendered.configs, site: RenderedConfig(site, config.platform, text)}
    return dataclasses.replace(rendered, configs=configs)


def line_of(rendered: RenderResult, site: str, fragment: str) -> int:
    return next(i for i, line in enumerate(rendered.configs[site].text.splitlines(), 1) if fragment in line)


def results(rendered: RenderResult, check: str, site: str, **options: object) -> CheckResult:
    ctx = ValidationContext(rendered, ValidationOptions(**options))  # type: ignore[arg-type]
    backend = BuiltinBackend()
    found = backend.syntax(ctx) if check == "builtin.syntax" else backend.structure(ctx)
    return next(r for r in found if r.check == check and r.subject == site)


def only(result: CheckResult, code: str) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == code]


def test_sound_configs_pass_every_builtin_check(base_rendered: RenderResult) -> None:
    ctx = ValidationContext(base_rendered, ValidationOptions())
    found = BuiltinBackend().run(ctx)
    assert {(r.check, r.status) for r in found} == {
        ("builtin.syntax", Status.SUCCESS),
        (REFERENCES_CHECK, Status.SUCCESS),
        (DEFAULT_PATH_CHECK, Status.SUCCESS),
    }
    assert all(not r.diagnostics for r in found)


def test_undefined_route_map_is_an_error_at_the_referencing_line(base_rendered: RenderResult) -> None:
    broken = edited(base_rendered, "bbb-002", "route-map RM-PRIMARY-IN in", "route-map RM-PRIMRY-IN in")
    result = results(broken, REFERENCES_CHECK, "bbb-002")
    assert result.status is Status.FAILURE
    [undefined] = only(result, "config-undefined-reference")
    assert "route-map 'RM-PRIMRY-IN' is referenced but not defined" in undefined.message
    assert undefined.location is not None
    assert (undefined.location.file, undefined.location.line) == (
        "configs/bbb-002.cfg",
        line_of(broken, "bbb-002", "RM-PRIMRY-IN"),
    )
    [unused] = only(result, "config-unused-structure")  # the real one is now dead config
    assert unused.severity is Severity.WARNING and "RM-PRIMARY-IN" in unused.message
    assert unused.location is not None
    assert unused.location.line == line_of(broken, "bbb-002", "route-map RM-PRIMARY-IN permit 10")


def test_undefined_prefix_list_and_pbr_map_are_reported(base_rendered: RenderResult) -> None:
    broken = edited(
        base_rendered,
        "aaa-001",
        "match ip address prefix-list PL-TRACK-WIRELESS",
        "match ip address prefix-list PL-TRACK-WIFI",
    )
    broken = edited(broken, "aaa-001", " pbr-policy SDWAN", " pbr-policy SDWAM")
    messages = [d.message for d in only(results(broken, REFERENCES_CHECK, "aaa-001"), "config-undefined-reference")]
    assert "prefix-list 'PL-TRACK-WIFI' is referenced but not defined" in messages
    assert "pbr-map 'SDWAM' is referenced but not defined" in messages


def test_bad_frr_line_is_reported_by_vtysh_at_its_config_line(base_rendered: RenderResult) -> None:
    """Three sites in one vtysh batch: the error lands in the middle site's file, at its own line."""
    broken = edited(base_rendered, "bbb-002", " bgp router-id 10.255.0.2", " bgp router-idd 10.255.0.2")
    result = results(broken, "builtin.syntax", "bbb-002", jobs=1)
    assert result.status is Status.FAILURE
    [diag] = result.diagnostics
    assert diag.code == "frr-syntax"
    assert "bgp router-idd 10.255.0.2" in diag.message and "Unknown command" in diag.message
    assert diag.location is not None
    assert (diag.location.file, diag.location.line) == ("configs/bbb-002.cfg", line_of(broken, "bbb-002", "router-idd"))
    for other in ("aaa-001", "ccc-003"):
        assert results(broken, "builtin.syntax", other, jobs=1).status is Status.SUCCESS


def test_config_that_leaves_config_mode_is_found_and_later_sites_still_checked(base_rendered: RenderResult) -> None:
    """A stray top-level `exit` makes vtysh silently stop checking; the sentinels notice it."""
    broken = edited(
        base_rendered, "aaa-001", "service integrated-vtysh-config\n!\n", "service integrated-vtysh-config\n!\nexit\n"
    )
    broken = edited(broken, "ccc-003", " bgp router-id 10.255.0.3", " bgp router-idd 10.255.0.3")
    first = results(broken, "builtin.syntax", "aaa-001", jobs=1)
    [stopped] = only(first, "frr-syntax-left-config-mode")
    lines = broken.configs["aaa-001"].text.splitlines()
    assert stopped.location is not None and lines[stopped.location.line - 1] == "exit"  # type: ignore[operator]
    assert stopped.location.line == lines.index("service integrated-vtysh-config") + 3
    last = results(broken, "builtin.syntax", "ccc-003", jobs=1)
    assert [d.code for d in last.diagnostics] == ["frr-syntax"]


def test_missing_vtysh_is_reported_as_skipped_not_silently(base_rendered: RenderResult) -> None:
    checker = VtyshSyntax(runner=VtyshRunner(binary="no-such-vtysh-binary"))
    found = checker.check([SyntaxInput("aaa-001", base_rendered.configs["aaa-001"].text, "configs/aaa-001.cfg")])
    assert found[0].status is Status.SKIPPED and "not found" in found[0].message


def test_circuit_without_inbound_route_map_has_no_default_path(base_rendered: RenderResult) -> None:
    broken = edited(base_rendered, "aaa-001", "  neighbor 100.65.0.2 route-map RM-SECONDARY-IN in\n", "")
    result = results(broken, DEFAULT_PATH_CHECK, "aaa-001")
    assert result.status is Status.FAILURE
    [diag] = result.diagnostics
    assert diag.code == "default-path-missing" and diag.message.startswith("secondary_dia:")
    assert diag.location is not None
    assert diag.location.line == line_of(broken, "aaa-001", "neighbor 100.65.0.2 remote-as")


def test_route_map_denying_the_default_route_is_reported_at_the_deciding_entry(base_rendered: RenderResult) -> None:
    broken = edited(base_rendered, "aaa-001", "route-map RM-WIRELESS-IN permit 10", "route-map RM-WIRELESS-IN deny 10")
    [diag] = results(broken, DEFAULT_PATH_CHECK, "aaa-001").diagnostics
    assert diag.code == "default-path-missing" and "tertiary_wireless" in diag.message
    assert "does not permit 0.0.0.0/0" in diag.message
    assert diag.location is not None and diag.location.line == line_of(broken, "aaa-001", "RM-WIRELESS-IN deny 10")


def test_prefix_list_without_the_default_route_means_no_default_path(base_rendered: RenderResult) -> None:
    broken = edited(
        base_rendered,
        "ccc-003",
        "ip prefix-list PL-DEFAULT seq 5 permit 0.0.0.0/0",
        "ip prefix-list PL-DEFAULT seq 5 permit 0.0.0.0/0 ge 8",
    )
    found = results(broken, DEFAULT_PATH_CHECK, "ccc-003").diagnostics
    assert [d.message.split(":")[0] for d in found] == ["primary_dia", "secondary_dia", "tertiary_wireless"]


def test_secondary_preferred_over_primary_breaks_the_order(base_rendered: RenderResult) -> None:
    text = base_rendered.configs["aaa-001"].text
    start = text.index("route-map RM-SECONDARY-IN permit 10")
    old = text[start : text.index("exit", start)]
    broken = edited(base_rendered, "aaa-001", old, old.replace("set local-preference 150", "set local-preference 250"))
    found = results(broken, DEFAULT_PATH_CHECK, "aaa-001").diagnostics
    codes = sorted(d.code for d in found)
    assert codes == ["default-path-order", "default-path-preference"]
    order = next(d for d in found if d.code == "default-path-order")
    assert "secondary_dia default route local-preference 250 is not below primary_dia's 200" in order.message
    assert order.location is not None and order.location.line == line_of(broken, "aaa-001", "set local-preference 250")


EOS_SNIPPET = """\
! eos
ip prefix-list PL-DEFAULT seq 5 permit 0.0.0.0/0
ip access-list ACL-SDWAN-5
   10 permit ip 10.1.10.0/24 any
class-map type pbr match-any CM-VOICE
   match ip access-group ACL-SDWAN-5
policy-map type pbr SDWAN
   class CM-VIDEO
      set nexthop 100.64.255.1
interface Vlan10
   service-policy type pbr input SDWAN
router bgp 65001
   neighbor 100.64.0.2 remote-as 64501
   neighbor 100.64.0.2 route-map RM-PRIMARY-IN in
route-map RM-PRIMARY-IN permit 10
   match ip address prefix-list PL-DEFAULT
"""


def test_eos_references_use_the_eos_dialect_on_a_hand_written_config() -> None:
    dialect = load_dialects().get("eos")
    assert dialect is not None
    found = check_references(parse_lines(EOS_SNIPPET, "!"), dialect, "configs/x.cfg")
    errors = [(d.message, d.location.line if d.location else None) for d in found if d.severity is Severity.ERROR]
    assert errors == [("class-map 'CM-VIDEO' is referenced but not defined", 8)]
    warnings = [d.message for d in found if d.severity is Severity.WARNING]
    assert warnings == ["class-map 'CM-VOICE' is defined but never used"]


def test_ios_policy_route_map_must_be_defined_on_a_hand_written_config() -> None:
    dialect = load_dialects().get("ios")
    assert dialect is not None
    text = "interface GigabitEthernet0/1/0.10\n ip policy route-map SDWAN\n ip address 10.1.10.1 255.255.255.0\n"
    [diag] = check_references(parse_lines(text, "!"), dialect, "configs/x.cfg")
    assert diag.message == "route-map 'SDWAN' is referenced but not defined" and diag.location is not None
    assert diag.location.line == 2


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("router bgp 1\n\tneighbor 1.2.3.4 remote-as 2\n", "tab in indentation", 2),
        (
            "   neighbor 1.2.3.4 remote-as 2\n",
            "`neighbor 1.2.3.4 remote-as 2` is indented but has no parent section",
            1,
        ),
        (
            "router bgp 1\n      bgp log-neighbor-changes\n",
            "`bgp log-neighbor-changes` is nested more than one level below its parent",
            2,
        ),
        ("router bgp 1\n  neighbor 1.2.3.4 remote-as 2\n", "indentation of 2 is not a multiple of 3", 2),
    ],
)
def test_hierarchy_syntax_finds_structural_breaks_in_hand_written_configs(text: str, message: str, line: int) -> None:
    [result] = HierarchySyntax("!", "   ").check([SyntaxInput("x", text, "configs/x.cfg")])
    assert result.status is Status.FAILURE
    assert (result.diagnostics[0].message, result.diagnostics[0].location.line) == (message, line)  # type: ignore[union-attr]
