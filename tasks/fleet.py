"""A Nornir object over selected sites of an already loaded estate, with no log file.

The inventory is built in-process from the estate the command loaded (the intents are read once
per command) and handed to :class:`~nornir.core.Nornir` directly, so Runbook never registers a
plugin in Nornir's process-wide inventory registry. Connection plugins (``napalm``) are Nornir's
own entry points; they are registered only if no one has yet.
"""

from __future__ import annotations

import logging
from pathlib import Path

from nornir.core import Nornir
from nornir.core.configuration import Config
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.state import GlobalState
from nornir.plugins.runners import ThreadedRunner

from runbook_wan.inventory.plugin import CONNECTION, build_inventory
from runbook_wan.model.estate import Estate


def quiet_nornir_logging() -> None:
    """Nornir logs every failed task with its full traceback. With no logging configured, Python's
    last-resort handler would print those to the operator's terminal, unmasked; the step journal
    already records each error (masked). So Nornir's logger gets a null handler and keeps quiet."""
    logger = logging.getLogger("nornir")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    logger.propagate = False


def open_fleet(estate: Estate, sites: list[str], inventory_dir: Path, workers: int) -> Nornir:
    quiet_nornir_logging()
    if CONNECTION not in ConnectionPluginRegister.available:
        ConnectionPluginRegister.auto_register()
    config = Config.from_dict(logging={"enabled": False})
    return Nornir(
        inventory=build_inventory(estate, sites, inventory_dir),
        runner=ThreadedRunner(num_workers=max(1, workers)),
        config=config,
        data=GlobalState(dry_run=False),
    )
