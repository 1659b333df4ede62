"""No intent string can add a line to a config (issue 11, class 1: config injection).

Three walls, each tested on its own:

1. the model: every string field of every intent model (walked from the pydantic classes, so a
   new field is covered the day it is added) refuses line breaks and every other control character;
2. the loader, end to end: each string value of a real estate, given a line break, is refused at
   its own file and line;
3. render: a value that reaches a template with a line break anyway (facts built around the model)
   stops the render with a diagnostic naming the template line; secrets are checked when resolved.
"""

from __future__ import annotations

import dataclasses
import shutil
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from runbook_wan.credentials.redact import Redactor
from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.model.loader import load_estate
from runbook_wan.model.notifications import Notifications
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.model.policy import Policy
from runbook_wan.model.provider import Provider
from runbook_wan.model.region import Defaults, Region
from runbook_wan.model.site import Site
from runbook_wan.model.yaml_source import PathKey, load_yaml
from runbook_wan.render.environment import make_environment
from runbook_wan.render.renderer import render_site
from runbook_wan.results import DiagnosticError

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / "tests" / "errors" / "_base" / "intents"
ROOTS: tuple[type[BaseModel], ...] = (Site, Provider, Policy, Region, Defaults, PlatformSpec, Notifications)
#: What an attacker appends: the line break (and its look-alikes) followed by a rogue config line.
PAYLOAD = "neighbor 192.0.2.66 remote-as 64666"
BREAKS = ["\n", "\r", "\r\n", "\x00", "\t", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"]
#: Fields typed ``Any`` hold no text of their own, each for a stated reason. Any other ``Any`` fails.
ANY_FIELDS = {
    ("Region", "site_defaults"): "merged under each site and validated there as Site fields",
    ("Defaults", "site_defaults"): "merged under each site and validated there as Site fields",
    ("PlatformSpec", "napalm_optional_args"): "driver options; never placed in a config",
}


def _models(root: type[BaseModel], seen: dict[str, type[BaseModel]]) -> None:
    if root.__name__ in seen:
        return
    seen[root.__name__] = root
    for field in root.model_fields.values():
        for inner in _walk(field.annotation):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                _models(inner, seen)


def _walk(annotation: Any) -> Iterator[Any]:
    yield annotation
    for arg in typing.get_args(annotation):
        if typing.get_origin(annotation) is not typing.Literal:
            yield from _walk(arg)


def string_leaves(annotation: Any) -> Iterator[Any]:
    """Every type in ``annotation`` that accepts text: ``str`` with its constraints, list items,
    dict keys and values, union members (Literal values are fixed words, not input text)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *metadata = typing.get_args(annotation)
        if base is str:
            yield annotation
        else:
            yield from string_leaves(base)
        del metadata
    elif annotation is str:
        yield annotation
    elif origin in (list, dict, tuple, set, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from string_leaves(arg)


def string_fields() -> list[tuple[str, str, Any]]:
    """(model, field, leaf type) for every text slot of every intent model."""
    seen: dict[str, type[BaseModel]] = {}
    for root in ROOTS:
        _models(root, seen)
    found = []
    for name, model in sorted(seen.items()):
        for field_name, field in model.model_fields.items():
            annotation = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
            for leaf in string_leaves(annotation):
                found.append((name, field_name, leaf))
    return found


def any_fields() -> set[tuple[str, str]]:
    seen: dict[str, type[BaseModel]] = {}
    for root in ROOTS:
        _models(root, seen)
    return {
        (name, field_name)
        for name, model in seen.items()
        for field_name, field in model.model_fields.items()
        if any(part is Any for part in _walk(field.annotation))
    }


FIELDS = string_fields()


def _refuses(leaf: Any, value: str) -> bool:
    try:
        TypeAdapter(leaf).validate_python(value)
    except ValidationError:
        return True
    return False


def test_the_walk_finds_every_kind_of_text_field() -> None:
    names = {(model, field) for model, field, _ in FIELDS}
    for expected in [
        ("Site", "name"),
        ("Site", "tags"),
        ("LanSegment", "description"),
        ("Circuit", "circuit_id"),
        ("Provider", "name"),
        ("ProviderContact", "noc_email"),
        ("Policy", "classes"),  # the dict's keys are class names
        ("SecretRef", "secret"),
        ("InterfaceNames", "lan"),
        ("EstateSettings", "name"),
    ]:
        assert expected in names, expected
    assert len(names) >= 40, sorted(names)
    # the probe itself can fail: an unconstrained str accepts every payload
    assert not _refuses(str, "a\n" + PAYLOAD)


@pytest.mark.parametrize(("model", "field", "leaf"), FIELDS, ids=[f"{m}.{f}" for m, f, _ in FIELDS])
def test_every_string_field_refuses_line_breaks_and_control_characters(model: str, field: str, leaf: Any) -> None:
    accepted = [repr(c) for c in BREAKS if not _refuses(leaf, f"ok{c}{PAYLOAD}")]
    assert not accepted, f"{model}.{field} accepts {', '.join(accepted)}: a config line could be injected"


@pytest.mark.parametrize(("model", "field", "leaf"), FIELDS, ids=[f"{m}.{f}" for m, f, _ in FIELDS])
def test_every_string_field_is_bounded(model: str, field: str, leaf: Any) -> None:
    assert _refuses(leaf, "a" * 1000), f"{model}.{field} accepts 1000 characters"


def test_fields_without_a_text_type_are_the_known_ones() -> None:
    assert any_fields() == set(ANY_FIELDS), "a new field typed Any: give it a constrained type"


def test_a_secret_token_cannot_be_forged_in_free_text() -> None:
    """``<secret:NAME>`` in a description would be resolved at push time, into the config."""
    leaves = {(m, f): leaf for m, f, leaf in FIELDS}
    assert _refuses(leaves[("LanSegment", "description")], "staff <secret:bgp-fibrelink>")
    assert _refuses(leaves[("Site", "name")], "Store <secret:bgp-fibrelink>")


# --- end to end: each string of a real estate, at its own file and line ------------------------


def _strings(data: Any, path: PathKey = ()) -> Iterator[PathKey]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))
    elif isinstance(data, str):
        yield path


def _set(data: Any, path: PathKey, value: str) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _injections() -> list[tuple[str, PathKey]]:
    out = []
    for file in sorted(BASE.rglob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        out += [(str(file.relative_to(BASE)), path) for path in _strings(data)]
    return out


INJECTIONS = _injections()


def test_the_estate_has_text_everywhere_to_inject_into() -> None:
    files = {file for file, _ in INJECTIONS}
    assert {"defaults.yaml", "sites/tst-001.yaml", "providers/fibrelink.yaml", "policies/retail-standard.yaml"} <= files
    assert len(INJECTIONS) > 60


@pytest.mark.parametrize(("file", "path"), INJECTIONS, ids=[f"{f}:{'.'.join(map(str, p))}" for f, p in INJECTIONS])
def test_each_string_of_the_estate_with_a_line_break_is_refused_at_its_line(
    file: str, path: PathKey, tmp_path: Path
) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(BASE, intents)
    target = intents / file
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    original = data
    for part in path:
        original = original[part]
    _set(data, path, f"{original}\n{PAYLOAD}")
    text = yaml.safe_dump(data, sort_keys=False, width=1000)
    target.write_text(text, encoding="utf-8")
    doc, problems = load_yaml(target)
    assert doc is not None and not problems
    line = doc.line_of(path)
    with pytest.raises(DiagnosticError) as caught:
        load_estate(intents)
    where = [(Path(d.location.file).name, d.location.line) for d in caught.value.diagnostics if d.location]
    assert (target.name, line) in where, [d.format() for d in caught.value.diagnostics]


# --- render: the second wall --------------------------------------------------------------------


def _facts_and_platform() -> tuple[Any, PlatformSpec]:
    estate, _ = load_estate(BASE)
    facts, _ = build_estate_facts(estate, ["tst-001"])
    site = facts["tst-001"]
    return site, estate.platforms[site.platform]


def test_render_refuses_a_fact_with_a_line_break_at_the_template_line() -> None:
    site, platform = _facts_and_platform()
    lan = next(i for i in site.interfaces if i.kind == "lan")
    rogue = dataclasses.replace(lan, description=f"lan users\n{PAYLOAD}")  # facts are not validated
    hacked = dataclasses.replace(site, interfaces=[rogue if i is lan else i for i in site.interfaces])
    env = make_environment()
    assert render_site(site, platform, env, Path("templates"))[0] is not None  # the untouched facts render
    config, problems = render_site(hacked, platform, env, Path("templates"))
    assert config is None
    assert [p.code for p in problems] == ["template-unsafe-value"]
    assert problems[0].location is not None
    assert problems[0].location.file.endswith("frr/interfaces.j2") and problems[0].location.line == 4


def test_render_refuses_a_line_break_in_the_config_header() -> None:
    site, platform = _facts_and_platform()
    config, problems = render_site(
        dataclasses.replace(site, name=f"Store\n{PAYLOAD}"), platform, make_environment(), Path("templates")
    )
    assert config is None and [p.code for p in problems] == ["template-unsafe-value"]


def test_a_secret_with_a_line_break_is_refused_and_not_shown() -> None:
    value = f"Good-secret-value\n{PAYLOAD}"
    resolver = SecretResolver(Redactor(), environ={"RUNBOOK_SECRET_BGP_X": value})
    with pytest.raises(DiagnosticError) as caught:
        resolver.resolve_text("neighbor 192.0.2.1 password <secret:bgp-x>\n")
    (problem,) = caught.value.diagnostics
    assert problem.code == "secret-control-character"
    assert "Good-secret-value" not in problem.format() and PAYLOAD not in problem.format()
