"""Editor support: committed JSON Schemas and the intent reference match the models."""

from __future__ import annotations

import json
from pathlib import Path

from runbook_wan.model.json_schema import intent_schemas, reference_markdown

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO / "schema"


def test_committed_schemas_match_the_models() -> None:
    for name, schema in intent_schemas().items():
        committed = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
        committed.pop("$schema")
        assert committed == json.loads(json.dumps(schema)), f"stale schema/{name}.schema.json"


def test_committed_reference_matches_the_models() -> None:
    assert (REPO / "docs" / "intents-reference.md").read_text() == reference_markdown(), (
        "docs/intents-reference.md is stale: run `python runbook.py schema`"
    )


def test_every_example_intent_file_points_at_an_existing_schema() -> None:
    files = [
        p
        for root in (REPO / "intents", REPO / "examples" / "multivendor" / "intents")
        if root.is_dir()
        for p in root.rglob("*.yaml")
    ]
    assert len(files) >= 80
    for path in files:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target.is_file(), f"{path}: schema {target} does not exist"


def test_partial_site_schema_forbids_unknown_keys_but_requires_nothing() -> None:
    site = intent_schemas()["site"]
    assert site["additionalProperties"] is False
    assert "required" not in json.dumps(site)
