"""Where Runbook finds its inputs: one workspace root, and the data the package ships.

A *workspace* is the project a team works in: ``intents/``, ``configs/``, ``inventory/``,
``monitoring/``, ``docs/`` and the runtime state ``.runbook/``, optionally its own ``templates/``
and ``platforms/``. Its root is ``--workspace DIR``, else ``$RUNBOOK_WORKSPACE``, else the
current directory. Nothing is looked up from the code's own location except the *package data*
below: the templates, platform catalog and inventory defaults that ship inside the wheel and
serve every workspace that does not bring its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

WORKSPACE_ENV = "RUNBOOK_WORKSPACE"
STATE_ENV = "RUNBOOK_STATE"
INTENTS_ENV = "RUNBOOK_INTENTS"


def package_data(name: str) -> Path:
    """A folder shipped inside the ``runbook_wan`` package (templates, platforms, ...)."""
    return Path(str(resources.files("runbook_wan") / name))


BUILTIN_TEMPLATES = package_data("templates")
BUILTIN_PLATFORMS = package_data("platforms")
BUILTIN_INVENTORY = package_data("inventory")


@dataclass(frozen=True)
class Workspace:
    """The folders of one workspace. Data folders fall back to the package's own copy."""

    root: Path
    environ: Mapping[str, str]

    @classmethod
    def find(cls, explicit: Path | None = None, environ: Mapping[str, str] | None = None) -> Workspace:
        env = dict(os.environ if environ is None else environ)
        root = explicit or (Path(env[WORKSPACE_ENV]) if env.get(WORKSPACE_ENV) else Path())
        return cls(root=root, environ=env)

    def _own_or_builtin(self, name: str, builtin: Path) -> Path:
        own = self.root / name
        return own if own.is_dir() else builtin

    @property
    def intents(self) -> Path:
        return Path(self.environ[INTENTS_ENV]) if self.environ.get(INTENTS_ENV) else self.root / "intents"

    @property
    def configs(self) -> Path:
        return self.root / "configs"

    @property
    def inventory(self) -> Path:
        return self.root / "inventory"

    @property
    def state(self) -> Path:
        return Path(self.environ[STATE_ENV]) if self.environ.get(STATE_ENV) else self.root / ".runbook"

    @property
    def templates(self) -> Path:
        return self._own_or_builtin("templates", BUILTIN_TEMPLATES)

    @property
    def platforms(self) -> Path:
        return self._own_or_builtin("platforms", BUILTIN_PLATFORMS)

    @property
    def schema(self) -> Path:
        return self.root / "schema"

    @property
    def docs(self) -> Path:
        return self.root / "docs"
