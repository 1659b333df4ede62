"""Every EOS and IOS-XE config parses into a clean hierarchy (no orphan lines) and round-trips.

There is no EOS or IOS image on CI, so these configs are checked structurally with hier_config, the
parser our plan diffs use, in the spirit of hier_config's own load/dump round-trip tests.

**Orphan line.** A line is an orphan when it does not sit where the platform would accept it:

1. it is indented but has no parent: the config starts indented, a line is more than one level
   deeper than the line above it, or its indentation is not a whole number of the platform's
   indent unit (``indent`` in ``platforms/<platform>.yaml``);
2. it is at the top level but is not a global-configuration command of the platform (for example
   ``description``, ``neighbor`` or ``set`` that lost its section: the device would reject it or
   apply it to the wrong context);
3. it is inside a section that does not take that command (for example ``neighbor`` under
   ``interface``), or its parent is a line that opens no section at all.

Points 2 and 3 use ``GRAMMAR`` below: for each section (the regular expressions of its lineage),
the commands it takes. It lists what our templates emit, not all of EOS or IOS; a template that
adds a command must add it here, saying where it belongs.

**Round trip.** hier_config's rendering of the parsed tree equals the input, line for line and
with the same indentation, apart from comments, blank lines and the lines the platform's
hier_config driver discards when it loads a config (its ``per_line_sub`` rules, e.g. IOS's
`` exit-address-family``). A difference means the parser understood a different structure than
the one we wrote, so plans and diffs would show phantom changes.
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest
from hier_config import Platform, get_hconfig, get_hconfig_driver
from hier_config.child import HConfigChild
from hier_config.platforms.driver_base import HConfigDriverBase

from runbook_wan.model.platform import PlatformSpec, load_platforms
from runbook_wan.render.pipeline import render_estate

REPO = Path(__file__).resolve().parents[2]
MULTIVENDOR = REPO / "examples" / "multivendor" / "intents"
PLATFORMS, _ = load_platforms()

#: hier_config driver of each platform whose builtin syntax check is "hierarchy".
HIER_PLATFORMS: dict[str, Platform] = {"eos": Platform.ARISTA_EOS, "ios": Platform.CISCO_IOS}

Grammar = dict[tuple[str, ...], list[str]]

#: section lineage (regexes, matched from the start of each line) -> commands the section takes.
#: The empty lineage lists the global-configuration commands.
GRAMMAR: dict[str, Grammar] = {
    "eos": {
        (): [
            "hostname ",
            "service routing protocols model multi-agent$",
            "ip routing$",
            r"vlan \d+$",
            "interface ",
            "ip route ",
            "ip prefix-list ",
            r"route-map \S+ (permit|deny) \d+$",
            "ip access-list ",
            "class-map type pbr match-any ",
            "policy-map type pbr ",
            "router bfd$",
            r"router bgp \d+$",
            "monitor connectivity$",
        ],
        (r"vlan ",): ["name "],
        ("interface ",): [
            "description ",
            "no switchport$",
            "switchport mode trunk$",
            r"switchport trunk allowed vlan [\d,]+$",
            "ip address ",
            "service-policy type pbr input ",
        ],
        ("ip prefix-list ",): [r"seq \d+ (permit|deny) "],
        ("route-map ",): [
            "description ",
            "match ip address prefix-list ",
            "set local-preference ",
            "set as-path prepend ",
        ],
        ("ip access-list ",): [r"\d+ (permit|deny) ip "],
        ("class-map type pbr ",): ["match ip access-group "],
        ("policy-map type pbr ",): [r"\d+ class \S+$"],
        ("policy-map type pbr ", r"\d+ class "): ["set nexthop recursive ", "drop$"],
        ("router bfd$",): [r"interval \d+ min-rx \d+ multiplier \d+ default$"],
        ("router bgp ",): ["router-id ", "no bgp default ipv4-unicast$", r"neighbor \S+ ", "address-family ipv4$"],
        ("router bgp ", "address-family ipv4$"): [r"neighbor \S+ (activate|route-map \S+ (in|out))$", "network "],
        ("monitor connectivity$",): [r"interval \d+$", "no shutdown$", r"interface set \S+ \S+$", r"host \S+$"],
        ("monitor connectivity$", r"host "): [r"local-interfaces \S+$", r"ip \S+$"],
    },
    "ios": {
        (): [
            "hostname ",
            "bfd-template single-hop ",
            "interface ",
            "ip route ",
            "ip prefix-list ",
            r"route-map \S+ (permit|deny) \d+$",
            r"track \d+ ip route ",
            r"ip sla \d+$",
            r"ip sla schedule \d+ life forever start-time now$",
            r"track \d+ ip sla \d+ state$",
            r"track \d+ list boolean and$",
            "ip access-list extended ",
            r"router bgp \d+$",
        ],
        ("bfd-template single-hop ",): [r"interval min-tx \d+ min-rx \d+ multiplier \d+$"],
        (r"ip sla \d+$",): [
            r"icmp-echo \S+ source-interface \S+$",
            r"threshold \d+$",
            r"timeout \d+$",
            r"frequency \d+$",
        ],
        (r"track \d+ ip sla ",): [r"delay down \d+ up \d+$"],
        (r"track \d+ list boolean and$",): [r"object \d+$"],
        ("interface ",): [
            "description ",
            r"encapsulation dot1Q \d+$",
            "ip address ",
            "ip policy route-map ",
            "bfd template ",
        ],
        ("route-map ",): [
            "description ",
            "match ip address ",
            "set local-preference ",
            "set as-path prepend ",
            r"set ip next-hop verify-availability \S+ \d+ track \d+$",
            "set interface Null0$",
        ],
        ("ip access-list extended ",): [r"\d+ (permit|deny) ip "],
        ("router bgp ",): [
            "bgp router-id ",
            "bgp log-neighbor-changes$",
            "no bgp default ipv4-unicast$",
            r"neighbor \S+ ",
            "address-family ipv4$",
        ],
        ("router bgp ", "address-family ipv4$"): [
            r"network \S+ mask \S+$",
            r"neighbor \S+ (activate|route-map \S+ (in|out))$",
        ],
    },
}


def driver_for(spec: PlatformSpec) -> HConfigDriverBase:
    """The platform's hier_config driver, indenting like the platform does (EOS 3, IOS 1 space)."""
    driver = get_hconfig_driver(HIER_PLATFORMS[spec.platform])
    driver.rules = driver.rules.model_copy(update={"indentation": len(spec.indent)})
    return driver


def indentation_orphans(text: str, unit: int) -> list[str]:
    """Rule 1: lines that are indented without a parent."""
    problems, previous = [], -1
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if not stripped or stripped.startswith("!"):
            continue
        width = len(line) - len(stripped)
        if width % unit:
            problems.append(f"line {number}: indentation {width} is not a multiple of {unit}: {line!r}")
            continue
        level = width // unit
        if level > previous + 1:
            problems.append(f"line {number}: indented {level - previous - 1} level(s) too deep (no parent): {line!r}")
        previous = level
    return problems


def _section_rules(grammar: Grammar, parents: list[str]) -> list[str] | None:
    for lineage, commands in grammar.items():
        if len(lineage) == len(parents) and all(re.match(p, t) for p, t in zip(lineage, parents, strict=True)):
            return commands
    return None


def grammar_orphans(children: list[HConfigChild], grammar: Grammar) -> list[str]:
    """Rules 2 and 3: commands outside the sections that take them."""
    problems = []
    for child in children:
        parents = [node.text for node in child.lineage()][:-1]
        commands = _section_rules(grammar, parents)
        where = " > ".join(parents) or "the top level"
        if commands is None:
            problems.append(f"{child.text!r} is under {where!r}, which opens no section")
        elif not any(re.match(c, child.text) for c in commands):
            problems.append(f"{child.text!r} is not accepted at {where}")
    return problems


def loaded_lines(text: str, driver: HConfigDriverBase) -> list[str]:
    """The input as the driver reads it: per_line_sub applied, blank (and comment) lines dropped."""
    out = []
    for line in text.splitlines():
        for rule in driver.rules.per_line_sub:
            line = re.sub(rule.search, rule.replace, line)  # noqa: PLW2901 - the driver's own rewrite
        if line.strip():
            out.append(line.rstrip())
    return out


def check_config(text: str, spec: PlatformSpec) -> list[str]:
    """Every orphan-line and round-trip problem of one config, as readable messages."""
    driver = driver_for(spec)
    problems = indentation_orphans(text, len(spec.indent))
    tree = get_hconfig(driver, text)
    problems += grammar_orphans(list(tree.all_children()), GRAMMAR[spec.platform])
    rendered, expected = list(tree.dump_simple()), loaded_lines(text, driver)
    if rendered != expected:
        diff = "\n".join(difflib.unified_diff(expected, rendered, "input", "hier_config", lineterm=""))
        problems.append(f"round trip differs:\n{diff}")
    return problems


def _render(intents: Path, limit: str | None) -> dict[str, tuple[str, PlatformSpec]]:
    result = render_estate(intents, limit)
    return {sid: (cfg.text, result.estate.platforms[cfg.platform]) for sid, cfg in result.configs.items()}


HIERARCHY = sorted(p for p, spec in PLATFORMS.items() if spec.syntax_checker == "hierarchy")
MULTIVENDOR_CONFIGS = _render(MULTIVENDOR, ",".join(f"platform={p}" for p in HIERARCHY))


def test_every_hierarchy_platform_has_a_driver_and_a_grammar() -> None:
    assert HIERARCHY == ["eos", "ios"]
    for platform in HIERARCHY:
        assert platform in HIER_PLATFORMS, f"add the hier_config Platform of {platform} to HIER_PLATFORMS"
        assert platform in GRAMMAR, f"add the section grammar of {platform} to GRAMMAR"


@pytest.mark.parametrize("site", sorted(MULTIVENDOR_CONFIGS))
def test_multivendor_config_has_no_orphans_and_round_trips(site: str) -> None:
    text, spec = MULTIVENDOR_CONFIGS[site]
    problems = check_config(text, spec)
    assert not problems, f"{site} ({spec.platform}):\n" + "\n".join(problems)


@pytest.mark.parametrize("platform", HIERARCHY)
def test_whole_example_estate_on_platform_has_no_orphans(platform: str, tmp_path: Path, example_intents: Path) -> None:
    """The 80-site estate moved to this platform (every site shape, both policies) parses cleanly."""
    intents = tmp_path / "intents"
    shutil.copytree(example_intents, intents)
    defaults = intents / "defaults.yaml"
    defaults.write_text(
        defaults.read_text(encoding="utf-8").replace("platform: frr", f"platform: {platform}"), encoding="utf-8"
    )
    configs = _render(intents, None)
    assert len(configs) == 80
    assert {spec.platform for _, spec in configs.values()} == {platform}
    failures = {sid: problems for sid, (text, spec) in configs.items() if (problems := check_config(text, spec))}
    assert not failures, "\n".join(f"{sid}: {p}" for sid, problems in failures.items() for p in problems[:3])


@pytest.mark.parametrize("platform", HIERARCHY)
@pytest.mark.parametrize("damage", ["orphan child", "over-indented", "misplaced command"])
def test_the_check_finds_orphans(platform: str, damage: str) -> None:
    """Guard against a check that always passes: damaged configs are reported."""
    site = next(s for s, (_, spec) in MULTIVENDOR_CONFIGS.items() if spec.platform == platform)
    text, spec = MULTIVENDOR_CONFIGS[site]
    indent = spec.indent
    lines = text.splitlines()
    if damage == "orphan child":  # a section header is lost: its children land in the previous section
        index = next(i for i, line in enumerate(lines) if line.startswith("router bgp "))
        del lines[index]
    elif damage == "over-indented":
        index = next(i for i, line in enumerate(lines) if line.startswith("interface "))
        lines.insert(index + 1, indent * 2 + "description lost")
    else:
        index = next(i for i, line in enumerate(lines) if line.startswith("interface "))
        lines.insert(index + 1, indent + "neighbor 192.0.2.1 remote-as 64500")
    assert check_config("\n".join(lines) + "\n", spec)
