"""`deploy` run in-process without a lab: every refusal these tests check happens before the
inventory is read, so the inventory folder does not even exist."""

from __future__ import annotations

from pathlib import Path

from runbook_wan import cli as runbook


def deploy_offline(tmp_path: Path, intents: Path, *argv: str) -> int:
    """``runbook.py deploy`` on ``intents`` with state, inventory and configs under ``tmp_path``."""
    return runbook.main(
        [
            *("--no-color", "--state", str(tmp_path / "state"), "deploy"),
            *("--intents", str(intents), "--inventory", str(tmp_path / "no-inventory")),
            *("--configs", str(tmp_path / "configs")),
            *argv,
        ]
    )
