"""Where the monitoring stack keeps its runtime files, and the record ``monitor up`` writes.

``<state>/monitor/`` holds ``stack.json`` (this record), the runtime configs with real ports,
the Prometheus and Alertmanager data folders, logs, and ``incidents.sqlite``. Readers (the
status page, ``incidents``, ``report availability``) find the running stack through the record.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

MONITOR_SUBDIR = "monitor"
STACK_FILE = "stack.json"
INCIDENTS_FILE = "incidents.sqlite"
#: The supervisor's log of services that stopped and were started again (JSON lines).
OUTAGES_FILE = "outages.jsonl"
#: The process that keeps the others running (``monitor watch``); it has no HTTP endpoint.
SUPERVISOR = "supervisor"


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
    #: How it was started (run in ``<state>/monitor/``): the supervisor starts it again the same way.
    argv: list[str] = []
    #: Path that answers 200 once it is ready ("": no HTTP endpoint, the supervisor).
    ready_path: str = ""

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


@dataclass(frozen=True)
class Outage:
    """A service that stopped: when, and when the supervisor had it running again (None: not yet)."""

    service: str
    down_at: str
    up_at: str | None = None
    #: Why it is still down (a restart that failed), or "".
    problem: str = ""


def outages_path(state_dir: Path) -> Path:
    return monitor_dir(state_dir) / OUTAGES_FILE


def record_outage_event(state_dir: Path, service: str, event: str, at: str, detail: str = "") -> None:
    """Append ``down``, ``up`` or ``failed`` for ``service`` (one JSON line, flushed to disk)."""
    line = json.dumps({"service": service, "event": event, "at": at, "detail": detail}) + "\n"
    path = outages_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def read_outages(state_dir: Path, since: datetime | None = None) -> list[Outage]:
    """The outages recorded under ``state_dir``, oldest first; those over before ``since`` are left out.

    A line that cannot be read (a torn write after a full disk) is skipped: the log is advice, and
    the services it describes are checked live anyway.
    """
    path = outages_path(state_dir)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    open_: dict[str, Outage] = {}
    done: list[Outage] = []
    for line in lines:
        try:
            item = json.loads(line)
            service, event, at = str(item["service"]), str(item["event"]), str(item["at"])
        except (ValueError, KeyError, TypeError):
            continue
        current = open_.get(service)
        if event == "down" and current is None:
            open_[service] = Outage(service, at)
        elif event == "failed" and current is not None:
            open_[service] = Outage(service, current.down_at, None, str(item.get("detail", "")))
        elif event == "up" and current is not None:
            done.append(Outage(service, current.down_at, at))
            del open_[service]
    found = sorted([*done, *open_.values()], key=lambda o: o.down_at)
    cutoff = since.strftime("%Y-%m-%dT%H:%M:%SZ") if since else ""
    return [o for o in found if o.up_at is None or o.up_at >= cutoff]
