"""Intent files are composed by libyaml when that is safe (no alias, shallow): the result must be the
one PyYAML's bounded composer gives, node for node and mark for mark, and every refusal (too deep,
syntax, several documents) must still be the bounded composer's, word for word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from runbook_wan.model import yaml_source
from runbook_wan.model.yaml_source import LIMITS, Limits, parse_yaml

REPO = Path(__file__).resolve().parents[2]


def shape(node: yaml.Node | None) -> Any:
    """Everything the loader reads from a node: kind, tag, value, style, where it starts and ends."""
    if node is None:
        return None
    where = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", node.tag, node.value, node.style, where)
    if isinstance(node, yaml.SequenceNode):
        return ("sequence", node.tag, node.flow_style, where, [shape(item) for item in node.value])
    assert isinstance(node, yaml.MappingNode)
    return ("mapping", node.tag, node.flow_style, where, [(shape(k), shape(v)) for k, v in node.value])


def bounded(text: str, limits: Limits = LIMITS) -> Any:
    loader = yaml_source._BoundedLoader(text, limits)
    try:
        return shape(loader.get_single_node())
    finally:
        loader.dispose()


def test_every_example_intent_file_composes_the_same_in_c() -> None:
    files = sorted((REPO / "intents").rglob("*.yaml")) + sorted((REPO / "examples").rglob("*.yaml"))
    assert len(files) > 80
    fast = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        node = yaml_source._compose_in_c(text, LIMITS)
        if node is not None:
            fast += 1
            assert shape(node) == bounded(text), path
    assert fast > 80, "the example site files should take the fast path"


VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None)
@given(VALUES, st.booleans())
def test_random_documents_compose_the_same_in_c(value: Any, flow: bool) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    node = yaml_source._compose_in_c(text, LIMITS)
    if node is not None:
        assert shape(node) == bounded(text)


def test_refusals_are_the_bounded_composers() -> None:
    deep = "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 40)) + "  " * 40 + "v: 1\n"
    for text in (deep, "a: [1, 2\n", "a: 1\n---\nb: 2\n", "a: &x 1\nb: *x\n", "- - - - [[[[[1]]]]]\n"):
        assert yaml_source._compose_in_c(text, Limits(max_depth=6)) is None, text
    doc, problems = parse_yaml(deep, "f.yaml")
    assert doc is None and [p.code for p in problems] == ["yaml-depth"]
    assert problems[0].location is not None and problems[0].location.line == 33
