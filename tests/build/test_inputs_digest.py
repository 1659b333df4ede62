"""The inputs digest of a site is the digest of one canonical JSON document, whatever the names hold:
the build writes that JSON itself (fast), and it must be exactly what ``json.dumps`` writes."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from runbook_wan.build.inputs import FileDigests, digest_json, inputs_digest


class Known(FileDigests):
    """Digests given by the test, by name (no file is read)."""

    def __init__(self, digests: dict[str, str | None]) -> None:
        super().__init__(Path("intents"), Path("platforms"), Path("templates"))
        self.digests = digests

    def of(self, name: str) -> str | None:
        return self.digests[name]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), st.text()), st.lists(st.text()))
def test_the_digest_is_that_of_the_canonical_json(digests: dict[str, str], secrets: list[str]) -> None:
    names = list(reversed(list(digests)))
    expected = digest_json({"files": [[n, digests[n]] for n in sorted(digests)], "secrets": sorted(secrets)})
    assert inputs_digest(names, Known(dict(digests)), secrets) == expected


def test_a_missing_input_has_no_digest() -> None:
    assert inputs_digest(["intents:sites/a.yaml"], Known({"intents:sites/a.yaml": None}), []) is None
