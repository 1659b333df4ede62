"""The fast writer of the per-site blocks of probe-targets.yml gives the YAML library's text, or
steps aside: for every site of the example estates, and for random plain data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.model.loader import load_estate
from runbook_wan.monitoring.block_yaml import block_yaml
from runbook_wan.monitoring.bundle import _Dumper, dump
from runbook_wan.monitoring.targets import build_targets

REPO = Path(__file__).resolve().parents[2]

import yaml  # noqa: E402


class _PythonDumper(yaml.SafeDumper):
    """PyYAML's own emitter (pure Python), the reference for both writers."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002
        return True


def test_every_site_block_of_the_example_estates() -> None:
    for intents in (REPO / "intents", REPO / "examples" / "multivendor" / "intents"):
        estate, _ = load_estate(intents)
        facts, _ = build_estate_facts(estate)
        for sid, target in build_targets(estate, facts).sites.items():
            data = {sid: target.model_dump(mode="json")}
            fast = block_yaml(data)
            assert fast is not None, sid
            assert fast == dump(data) == dump(data, _PythonDumper)


WORDS = st.one_of(
    st.sampled_from(["abe-056", "wan1", "100.64.0.1", "true", "null", "1e3", "0x1f", "~", "yes", "on", "12:30"]),
    st.text(alphabet="az09-_./+: #'\"[]{}&*!|>%@`,?", min_size=0, max_size=8),
)
SCALARS = st.one_of(WORDS, st.integers(-(10**6), 10**6), st.floats(allow_nan=True), st.booleans(), st.none())
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(WORDS, inner, max_size=3)),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(WORDS, DATA, min_size=1, max_size=3))
def test_random_data_is_written_as_the_library_writes_it_or_left_to_it(data: dict[str, Any]) -> None:
    fast = block_yaml(data)
    if fast is not None:
        assert fast == dump(data, _PythonDumper)
        assert fast == dump(data, _Dumper)
