"""docs/validation.md lists every registered rule (generated table is up to date)."""

from __future__ import annotations

from runbook_wan.validation.docs import DOC, main
from runbook_wan.validation.rules import all_rules


def test_rules_table_in_docs_is_generated_from_the_registry() -> None:
    assert main(["--check"]) == 0, "docs/validation.md is stale: run `python -m validation.docs`"
    text = DOC.read_text(encoding="utf-8")
    for rule in all_rules():
        assert f"`{rule.id}` | {rule.severity.value} |" in text
