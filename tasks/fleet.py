"""A Nornir object over selected sites, with the Runbook inventory and no log file."""

from __future__ import annotations

from pathlib import Path

from nornir import InitNornir
from nornir.core import Nornir
from nornir.core.plugins.inventory import InventoryPluginRegister

from runbook_wan.inventory.plugin import RunbookInventory
from runbook_wan.model.platform import DEFAULT_PLATFORMS_DIR


def open_fleet(
    intents: Path, inventory_dir: Path, sites: list[str], workers: int, platforms: Path = DEFAULT_PLATFORMS_DIR
) -> Nornir:
    InventoryPluginRegister.register("RunbookInventory", RunbookInventory)
    return InitNornir(
        runner={"plugin": "threaded", "options": {"num_workers": max(1, workers)}},
        inventory={
            "plugin": "RunbookInventory",
            "options": {
                "intents": str(intents),
                "inventory_dir": str(inventory_dir),
                "limit": ",".join(sites),
                "platforms_dir": str(platforms),
            },
        },
        logging={"enabled": False},
    )
