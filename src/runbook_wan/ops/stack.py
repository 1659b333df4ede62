"""Where the monitoring stack keeps its runtime files, and the record ``monitor up`` writes.

``<state>/monitor/`` holds ``stack.json`` (this record), the runtime configs with real ports,
the Prometheus and Alertmanager data folders, logs, and ``incidents.sqlite``. Readers (the
status page, ``incidents``, ``report availability``) find the running stack through the record.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict

MONITOR_SUBDIR = "monitor"
STACK_FILE = "stack.json"
INCIDENTS_FILE = "incidents.sqlite"


def monitor_dir(state_dir: Path) -> Path:
    return state_dir / MONITOR_SUBDIR


def incidents_path(state_dir: Path) -> Path:
    return monitor_dir(state_dir) / INCIDENTS_FILE


class Service(BaseModel):
    """One process of the stack."""

    model_config = ConfigDict(extra="forbid")

    name: str  # prometheus | alertmanager | probe | notifier
    pid: int
    #: Address it listens on (always loopback unless configured otherwise) and its port.
    host: str = "127.0.0.1"
    port: int
    log: str = ""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


class StackRecord(BaseModel):
    """``<state>/monitor/stack.json``."""

    model_config = ConfigDict(extra="forbid")

    created: str  # ISO 8601, UTC
    state_dir: str
    intents: str
    services: dict[str, Service]

    def url(self, name: str) -> str | None:
        service = self.services.get(name)
        return service.url if service else None

    def write(self) -> Path:
        path = monitor_dir(Path(self.state_dir)) / STACK_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".stack.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.model_dump_json(indent=2) + "\n")
        Path(tmp).replace(path)
        return path

    @classmethod
    def read(cls, state_dir: Path) -> StackRecord | None:
        path = monitor_dir(state_dir) / STACK_FILE
        if not path.is_file():
            return None
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
