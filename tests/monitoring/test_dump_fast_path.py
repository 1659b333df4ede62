"""The monitoring files' YAML writer builds its nodes in fewer steps than PyYAML's representer, and
remembers the resolver's answers; the text must be what PyYAML alone writes (``bundle._Dumper``
against ``bundle._LibraryDumper``): for the example estate's files, and for random data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.model.loader import load_estate
from runbook_wan.monitoring import bundle
from runbook_wan.monitoring.targets import build_targets
from runbook_wan.monitoring.timing import PRODUCTION

REPO = Path(__file__).resolve().parents[2]


WORDS = st.one_of(
    st.sampled_from(["site", "true", "null", "1e3", "0x1f", "~", "yes", "12:30", "", "a\nb", "up == 0\n", " x "]),
    st.text(alphabet="az09-_./+: #'\"[]{}&*!|>%@`,?\n\t", max_size=12),
)
SCALARS = st.one_of(
    WORDS,
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(WORDS, st.integers(0, 99)), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(data=DATA, flow=st.sampled_from([False, None, True]), sort=st.booleans())
def test_random_data_is_written_as_pyyaml_writes_it(data: Any, flow: bool | None, sort: bool) -> None:
    def text(dumper: Any) -> str:
        written: str = yaml.dump(data, Dumper=dumper, sort_keys=sort, default_flow_style=flow, width=100_000)
        return written

    assert text(bundle._Dumper) == text(bundle._LibraryDumper)


def test_the_example_estates_monitoring_files_are_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    estate, _ = load_estate(REPO / "intents")
    facts, _ = build_estate_facts(estate)
    first = next(iter(build_targets(estate, facts).sites.values()))
    fast = bundle.estate_files(estate, PRODUCTION, None, first)
    monkeypatch.setattr(bundle, "_Dumper", bundle._LibraryDumper)
    library = bundle.estate_files(estate, PRODUCTION, None, first)
    assert set(fast) == {bundle.PROMETHEUS, bundle.RULES, bundle.ALERTMANAGER, bundle.RULE_TESTS}
    for name, text in library.items():
        assert fast[name] == text, name
