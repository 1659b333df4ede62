"""The builtin backend on REAL rendered EOS and IOS-XE configs (not hand-written snippets).

The multivendor example estate validates clean (no false errors, no false unused warnings), so does
the 80-site estate moved to EOS and to IOS-XE, and deliberately broken renders of one site per
platform are each caught with the right finding at the right config line.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from runbook_wan.cli import main
from runbook_wan.render.pipeline import RenderResult, render_estate
from runbook_wan.render.renderer import RenderedConfig
from runbook_wan.results import Severity, Status
from runbook_wan.validation.builtin.backend import DEFAULT_PATH_CHECK, REFERENCES_CHECK, BuiltinBackend
from runbook_wan.validation.builtin.default_path import MISSING
from runbook_wan.validation.builtin.references import UNDEFINED, UNUSED
from runbook_wan.validation.builtin.syntax_vtysh import CHECK as SYNTAX_CHECK
from runbook_wan.validation.checks.base import ValidationContext, ValidationOptions

REPO = Path(__file__).resolve().parents[2]
MULTIVENDOR = REPO / "examples" / "multivendor" / "intents"
BUILTIN_CHECKS = {SYNTAX_CHECK, REFERENCES_CHECK, DEFAULT_PATH_CHECK}

#: One site per hierarchy platform: EOS flagship (policy-map PBR), IOS-XE store (route-map PBR, tracks).
EOS_SITE, IOS_SITE = "nyc-202", "mia-203"


@pytest.fixture(scope="module")
def multivendor() -> RenderResult:
    return render_estate(MULTIVENDOR)


def test_multivendor_example_validates_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "--state",
            str(tmp_path / "state"),
            "--no-color",
            "validate",
            "--intents",
            str(MULTIVENDOR),
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    findings = [
        (d["severity"], d["code"], d["file"], d["line"], d["message"])
        for r in data["results"]
        for d in r["diagnostics"]
    ]
    assert code == 0 and data["passed"] is True, [f for f in findings if f[0] == "error"]
    assert not [f for f in findings if f[0] == "error"]
    assert not [f for f in findings if f[1] == UNUSED]
    statuses = {(r["check"], r["subject"]): r["status"] for r in data["results"]}
    for site in ("pdx-102", "nyc-202", "sfo-103", "mia-203"):
        for check in (REFERENCES_CHECK, DEFAULT_PATH_CHECK, SYNTAX_CHECK):
            assert statuses[(check, site)] == "success", (check, site)


@pytest.mark.parametrize("platform", ["eos", "ios"])
def test_whole_example_estate_on_platform_passes_builtin_checks(
    platform: str, tmp_path: Path, example_intents: Path
) -> None:
    """Every site shape of the 80-site estate, rendered for this platform: no builtin finding at all."""
    intents = tmp_path / "intents"
    shutil.copytree(example_intents, intents)
    defaults = intents / "defaults.yaml"
    defaults.write_text(
        defaults.read_text(encoding="utf-8").replace("platform: frr", f"platform: {platform}"), encoding="utf-8"
    )
    rendered = render_estate(intents)
    assert len(rendered.configs) == 80 and {c.platform for c in rendered.configs.values()} == {platform}
    found = BuiltinBackend().run(ValidationContext(rendered, ValidationOptions(vtysh=False)))
    assert {r.check for r in found} == BUILTIN_CHECKS
    bad = [
        (r.check, r.subject, r.status.value, [d.message for d in r.diagnostics[:2]])
        for r in found
        if r.status is not Status.SUCCESS or r.diagnostics
    ]
    assert not bad


# --- deliberately broken renders -------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    old: str
    new: str = ""
    count: int = 1  # occurrences to replace (-1: all)


@dataclass(frozen=True)
class Expect:
    code: str
    line: str  # the config line (stripped) the finding must name; it occurs once in the broken config
    message: str  # a fragment of the message
    severity: Severity = Severity.ERROR


@dataclass(frozen=True)
class Case:
    site: str
    edits: tuple[Edit, ...]
    expect: tuple[Expect, ...]  # exactly the site's reference and default-path findings


def _no_default(role: str, route_map: str) -> Expect:
    return Expect(MISSING, f"route-map {route_map} deny 100", f"{role}: route-map {route_map} (in from 100.")


def _missing_default_everywhere(site: str, edit: Edit) -> Case:
    return Case(
        site,
        (edit,),
        (
            _no_default("primary_dia", "RM-PRIMARY-IN"),
            _no_default("secondary_dia", "RM-SECONDARY-IN"),
            _no_default("tertiary_wireless", "RM-WIRELESS-IN"),
        ),
    )


def _unused(kind: str, name: str, line: str) -> Expect:
    return Expect(UNUSED, line, f"{kind} {name!r} is defined but never used", Severity.WARNING)


def _undefined(kind: str, name: str, line: str) -> Expect:
    return Expect(UNDEFINED, line, f"{kind} {name!r} is referenced but not defined")


CASES: dict[str, Case] = {
    # EOS nests prefix-list entries under `ip prefix-list NAME`: the list stays defined, but without
    # its 0.0.0.0/0 entry every inbound route-map falls through to its final deny.
    "eos-no-default-in-prefix-list": _missing_default_everywhere(EOS_SITE, Edit("   seq 5 permit 0.0.0.0/0\n")),
    "eos-undefined-route-map": Case(
        EOS_SITE,
        (Edit("route-map RM-PRIMARY-IN in", "route-map RM-PRIMRY-IN in"),),
        (
            _undefined("route-map", "RM-PRIMRY-IN", "neighbor 100.73.0.22 route-map RM-PRIMRY-IN in"),
            _unused("route-map", "RM-PRIMARY-IN", "route-map RM-PRIMARY-IN permit 10"),
            Expect(
                MISSING,
                "neighbor 100.73.0.22 route-map RM-PRIMRY-IN in",
                "primary_dia: route-map RM-PRIMRY-IN (in from 100.73.0.22) does not permit 0.0.0.0/0",
            ),
        ),
    ),
    "eos-undefined-class-map": Case(
        EOS_SITE,
        (Edit("   30 class CM-SDWAN-30\n", "   30 class CM-SDWAN-31\n"),),
        (
            _undefined("class-map", "CM-SDWAN-31", "30 class CM-SDWAN-31"),
            _unused("class-map", "CM-SDWAN-30", "class-map type pbr match-any CM-SDWAN-30"),
        ),
    ),
    "eos-undefined-access-list": Case(
        EOS_SITE,
        (Edit("   match ip access-group ACL-SDWAN-5\n", "   match ip access-group ACL-SDWAN-6\n"),),
        (
            _undefined("access-list", "ACL-SDWAN-6", "match ip access-group ACL-SDWAN-6"),
            _unused("access-list", "ACL-SDWAN-5", "ip access-list ACL-SDWAN-5"),
        ),
    ),
    "eos-unused-policy-map": Case(
        EOS_SITE,
        (Edit("   service-policy type pbr input SDWAN\n", "", -1),),
        (_unused("policy-map", "SDWAN", "policy-map type pbr SDWAN"),),
    ),
    "eos-unused-prefix-list": Case(
        EOS_SITE,
        (Edit("   match ip address prefix-list PL-TRACK-WIRELESS\n"),),
        (_unused("prefix-list", "PL-TRACK-WIRELESS", "ip prefix-list PL-TRACK-WIRELESS"),),
    ),
    "eos-neighbor-not-activated": Case(
        EOS_SITE,
        (Edit("      neighbor 100.71.0.22 activate\n"),),
        (
            Expect(
                MISSING,
                "neighbor 100.71.0.22 remote-as 64513",
                "secondary_dia: neighbor 100.71.0.22 is not activated for IPv4",
            ),
        ),
    ),
    "ios-no-default-in-prefix-list": _missing_default_everywhere(
        IOS_SITE, Edit("ip prefix-list PL-DEFAULT seq 5 permit 0.0.0.0/0\n")
    ),
    "ios-undefined-policy-route-map": Case(
        IOS_SITE,
        (Edit(" ip policy route-map SDWAN\n", " ip policy route-map SDWAM\n"),),
        (_undefined("route-map", "SDWAM", "ip policy route-map SDWAM"),),
    ),
    "ios-undefined-access-list": Case(
        IOS_SITE,
        (Edit(" match ip address ACL-SDWAN-90\n", " match ip address ACL-SDWAN-91\n"),),
        (
            _undefined("access-list", "ACL-SDWAN-91", "match ip address ACL-SDWAN-91"),
            _unused("access-list", "ACL-SDWAN-90", "ip access-list extended ACL-SDWAN-90"),
        ),
    ),
    # One entry may match several access lists; each name is checked.
    "ios-second-access-list-undefined": Case(
        IOS_SITE,
        (Edit(" match ip address ACL-SDWAN-90\n", " match ip address ACL-SDWAN-90 ACL-SDWAN-91\n"),),
        (_undefined("access-list", "ACL-SDWAN-91", "match ip address ACL-SDWAN-90 ACL-SDWAN-91"),),
    ),
    "ios-undefined-track": Case(
        IOS_SITE,
        (Edit("verify-availability 100.72.0.26 3 track 223\n", "verify-availability 100.72.0.26 3 track 299\n"),),
        (_undefined("track", "299", "set ip next-hop verify-availability 100.72.0.26 3 track 299"),),
    ),
    "ios-unused-track": Case(
        IOS_SITE,
        (Edit(" set ip next-hop verify-availability 100.72.0.26 3 track 233\n", "", -1),),
        (_unused("track", "233", "track 233 list boolean and"),),
    ),
    "ios-undefined-track-object": Case(
        IOS_SITE,
        (Edit(" object 133\n", " object 134\n"),),
        (_undefined("track", "134", "object 134"), _unused("track", "133", "track 133 ip sla 33 state")),
    ),
    "ios-undefined-ip-sla": Case(
        IOS_SITE,
        (Edit("track 133 ip sla 33 state\n", "track 133 ip sla 34 state\n"),),
        (_undefined("ip-sla", "34", "track 133 ip sla 34 state"),),
    ),
    "ios-unused-bfd-template": Case(
        IOS_SITE,
        (Edit(" bfd template wan\n", "", -1),),
        (_unused("bfd-template", "wan", "bfd-template single-hop wan"),),
    ),
    "ios-neighbor-not-activated": Case(
        IOS_SITE,
        (Edit("  neighbor 100.73.0.26 activate\n"),),
        (
            Expect(
                MISSING,
                "neighbor 100.73.0.26 remote-as 64512",
                "primary_dia: neighbor 100.73.0.26 is not activated for IPv4",
            ),
        ),
    ),
}


def broken(rendered: RenderResult, case: Case) -> RenderResult:
    config = rendered.configs[case.site]
    text = config.text
    for edit in case.edits:
        assert edit.old in text, edit.old
        text = text.replace(edit.old, edit.new, edit.count)
    configs = {**rendered.configs, case.site: RenderedConfig(case.site, config.platform, text)}
    return dataclasses.replace(rendered, configs=configs)


def line_number(text: str, line: str) -> int:
    numbers = [i for i, raw in enumerate(text.splitlines(), 1) if raw.strip() == line]
    assert len(numbers) == 1, f"{line!r} occurs {len(numbers)} times"
    return numbers[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_render_is_caught_at_the_config_line(name: str, multivendor: RenderResult) -> None:
    case = CASES[name]
    damaged = broken(multivendor, case)
    every = BuiltinBackend().structure(ValidationContext(damaged, ValidationOptions(vtysh=False)))
    results = [r for r in every if r.subject == case.site]
    text = damaged.configs[case.site].text
    found = sorted(
        (
            d.code,
            d.severity.value,
            d.location.file if d.location else None,
            d.location.line if d.location else None,
            d.message,
        )
        for r in results
        for d in r.diagnostics
    )
    file = f"configs/{case.site}.cfg"
    want = sorted((e.code, e.severity.value, file, line_number(text, e.line)) for e in case.expect)
    assert [f[:4] for f in found] == want, "\n".join(map(str, found))
    for expect in case.expect:
        number = line_number(text, expect.line)
        assert any(f[0] == expect.code and f[3] == number and expect.message in f[4] for f in found), expect
    failing = {r.check for r in results if r.status is Status.FAILURE}
    errors = {r.check for r in results for d in r.diagnostics if d.severity is Severity.ERROR}
    assert failing == errors  # an error fails its check; warnings alone do not
    assert not [r.subject for r in every if r.subject != case.site and r.diagnostics]  # only the damaged site
