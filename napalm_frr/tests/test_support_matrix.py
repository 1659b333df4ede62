"""The README's support matrix is generated from the driver and current."""

from __future__ import annotations

from pathlib import Path

from napalm_frr.support import BEGIN, END, rewrite, supported

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_support_matrix_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    assert rewrite(text) == text, "stale support matrix: run `python -m napalm_frr.support README.md` in napalm_frr/"


def test_the_matrix_tells_implemented_from_inherited_stubs() -> None:
    assert supported("commit_config") and supported("get_bgp_neighbors")
    assert not supported("get_lldp_neighbors")  # NAPALM's NotImplementedError stub
