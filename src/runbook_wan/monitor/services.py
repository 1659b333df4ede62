"""The services of the stack: how each is started and how we know it is ready.

Adding a service is one entry in :func:`service_specs`.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import runbook_wan
from runbook_wan.monitoring.bundle import ALERTMANAGER, PROMETHEUS
from runbook_wan.monitoring.timing import Timing

PROMETHEUS_BIN = "prometheus"
ALERTMANAGER_BIN = "prometheus-alertmanager"
#: Prometheus keeps a little more than the 30 days the availability rule looks back.
RETENTION = "35d"


@dataclass(frozen=True)
class Layout:
    """``<state>/monitor/``."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def data(self, service: str) -> Path:
        return self.root / "data" / service

    def log(self, service: str) -> Path:
        return self.logs / f"{service}.log"


@dataclass(frozen=True)
class StartContext:
    layout: Layout
    state_dir: Path
    intents: Path
    inventory: Path
    timing: Timing
    ports: dict[str, int]
    host: str = "127.0.0.1"
    configs: Path = Path("configs")
    notifier_args: tuple[str, ...] = ()

    def address(self, service: str) -> str:
        return f"{self.host}:{self.ports[service]}"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    argv: Callable[[StartContext], list[str]]
    #: Path answering 200 once the service is ready.
    ready_path: str
    #: Binary that must be installed (None: our own CLI).
    binary: str | None = None
    #: Seconds to wait for readiness.
    timeout: float = 30.0


def runbook_cli() -> list[str]:
    """This Runbook, as a child process (the same interpreter and the same source tree)."""
    return [sys.executable, "-m", "runbook_wan"]


def child_pythonpath(existing: str | None) -> str:
    """PYTHONPATH for children: this checkout's ``src/`` (and the NAPALM driver beside it) first."""
    src = Path(runbook_wan.__file__).resolve().parent.parent
    paths = [str(src)]
    driver = src.parent / "napalm_frr" / "src"
    if driver.is_dir():
        paths.append(str(driver))
    return ":".join([*paths, *([existing] if existing else [])])


def _prometheus(c: StartContext) -> list[str]:
    return [
        PROMETHEUS_BIN,
        f"--config.file={c.layout.config / PROMETHEUS}",
        f"--storage.tsdb.path={c.layout.data('prometheus')}",
        f"--storage.tsdb.retention.time={RETENTION}",
        f"--web.listen-address={c.address('prometheus')}",
    ]


def _alertmanager(c: StartContext) -> list[str]:
    return [
        ALERTMANAGER_BIN,
        f"--config.file={c.layout.config / ALERTMANAGER}",
        f"--storage.path={c.layout.data('alertmanager')}",
        f"--web.listen-address={c.address('alertmanager')}",
        # Without this Alertmanager binds 0.0.0.0:9094 for clustering.
        "--cluster.listen-address=",
    ]


def _probe(c: StartContext) -> list[str]:
    t = c.timing
    return [
        *runbook_cli(),
        "--state",
        str(c.state_dir),
        "probe",
        "--intents",
        str(c.intents),
        "--inventory",
        str(c.inventory),
        "--listen",
        c.address("probe"),
        "--interval",
        f"{t.probe_interval:g}",
        "--count",
        str(t.probe_count),
        "--spacing",
        f"{t.probe_spacing:g}",
        "--timeout",
        f"{t.probe_timeout:g}",
        "--device-interval",
        f"{t.device_interval:g}",
        "--configs",
        str(c.configs),
        "--drift-interval",
        f"{t.drift_interval:g}",
        "--lead-time-interval",
        f"{t.lead_time_interval:g}",
    ]


def _notifier(c: StartContext) -> list[str]:
    return [
        *runbook_cli(),
        "--state",
        str(c.state_dir),
        "notify",
        "--listen",
        c.address("notifier"),
        "--alertmanager",
        f"http://{c.address('alertmanager')}",
        "--intents",
        str(c.intents),
        *c.notifier_args,
    ]


def service_specs() -> list[ServiceSpec]:
    """In start order (each one's dependencies first); ``down`` stops them in reverse."""
    return [
        ServiceSpec("notifier", _notifier, "/healthz"),
        ServiceSpec("alertmanager", _alertmanager, "/-/ready", ALERTMANAGER_BIN),
        ServiceSpec("probe", _probe, "/metrics", timeout=60.0),
        ServiceSpec("prometheus", _prometheus, "/-/ready", PROMETHEUS_BIN),
    ]


def missing_binaries(specs: list[ServiceSpec]) -> list[str]:
    return [s.binary for s in specs if s.binary is not None and shutil.which(s.binary) is None]
