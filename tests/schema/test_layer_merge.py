"""Merging a site over its region's merged defaults (:func:`merge_over`, once per region) gives what
merging every layer in turn gives (:func:`merge_layers`): the same data and the same origin for every
path, so error messages keep their file and line. Generated layers (hypothesis), no intent files."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from runbook_wan.model.merge import Layer, merge_layers, merge_over
from runbook_wan.model.yaml_source import PathKey

KEYS = st.sampled_from(["a", "b", "c", "circuits", "bgp"])
SCALARS = st.one_of(st.integers(0, 9), st.sampled_from(["x", "y"]), st.none())
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)


def _origins(data: Any, file: str, path: PathKey = ()) -> dict[PathKey, tuple[str, int]]:
    """An origin for every path that holds data, as a YAML document gives them (lines made up)."""
    found: dict[PathKey, tuple[str, int]] = {path: (file, len(path) + 1)}
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        found.update(_origins(value, file, (*path, key)))
    return found


LAYERS = st.lists(st.dictionaries(KEYS, VALUES, max_size=5), min_size=1, max_size=3).map(
    lambda datas: [Layer(d, _origins(d, f"layer{i}.yaml")) for i, d in enumerate(datas)]
)


@settings(max_examples=300, deadline=None)
@given(under=LAYERS, site=st.dictionaries(KEYS, VALUES, max_size=5))
def test_a_site_merged_over_its_merged_base_is_a_site_merged_over_each_layer(
    under: list[Layer], site: dict[str, Any]
) -> None:
    own = Layer(site, _origins(site, "site.yaml"))
    base = merge_layers(*under)
    kept = copy.deepcopy(base)
    merged = merge_over(base, own)
    expected = merge_layers(*under, own)
    assert merged.data == expected.data
    assert merged.origins == expected.origins
    assert base == kept, "the base is shared by every site of a region: merging a site never changes it"
