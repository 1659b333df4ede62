"""Start, stop and inspect the stack. Every process is recorded as soon as it exists."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from runbook_wan.facts.models import SiteFacts
from runbook_wan.lab.device import alive
from runbook_wan.model.estate import Estate
from runbook_wan.monitor.agents import write_targets
from runbook_wan.monitor.services import (
    Layout,
    ServiceSpec,
    StartContext,
    child_pythonpath,
    missing_binaries,
    service_specs,
)
from runbook_wan.monitoring.bundle import build_bundle, write_bundle
from runbook_wan.monitoring.endpoints import LOOPBACK, Endpoints
from runbook_wan.monitoring.timing import Timing
from runbook_wan.ops.stack import STACK_FILE, Service, StackRecord, monitor_dir
from runbook_wan.results import Diagnostic, DiagnosticError

STOP_GRACE = 10.0


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _owned(pid: int, marker: str) -> bool:
    """The PID still runs one of our services (its command line names our monitor folder)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return alive(pid) and marker in cmdline


def _ready(service: Service, path: str) -> bool:
    try:
        return httpx.get(f"{service.url}{path}", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass(frozen=True)
class UpOptions:
    state_dir: Path
    intents: Path
    inventory: Path
    timing: Timing
    without: frozenset[str] = frozenset()
    #: The rendered configs the probe's drift check compares devices with.
    configs: Path = Path("configs")


def _log_tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())


def up(estate: Estate, facts: dict[str, SiteFacts], options: UpOptions) -> StackRecord:
    """Generate the runtime configs and start every service; on any failure stop what started and raise."""
    state = options.state_dir.resolve()
    existing = StackRecord.read(state)
    if existing is not None and any(_owned(s.pid, str(state)) for s in existing.services.values()):
        raise DiagnosticError(
            [
                Diagnostic(
                    "monitor-running",
                    f"a monitoring stack already runs under {monitor_dir(state)}",
                    hint="`runbook.py monitor status` shows it; `monitor down` stops it",
                )
            ]
        )
    specs = [s for s in service_specs() if s.name not in options.without]
    missing = missing_binaries(specs)
    if missing:
        raise DiagnosticError(
            [
                Diagnostic(
                    "monitor-missing-binary",
                    f"not installed: {', '.join(missing)}",
                    hint="apt-get install prometheus prometheus-alertmanager (see .ci/setup)",
                )
            ]
        )
    layout = Layout(monitor_dir(state))
    names = [s.name for s in service_specs()]
    ports = {name: free_port() for name in names}
    endpoints = Endpoints(**{name: f"{LOOPBACK}:{ports[name]}" for name in names})
    bundle = build_bundle(estate, facts, options.timing, endpoints)
    for folder in (layout.config, layout.logs, *(layout.data(n) for n in names)):
        folder.mkdir(parents=True, exist_ok=True)
    write_bundle(bundle.files, layout.config)
    write_targets(estate, options.inventory, options.configs, layout.config)
    ctx = StartContext(
        layout,
        state,
        options.intents.resolve(),
        options.inventory.resolve(),
        options.timing,
        ports,
        configs=options.configs.resolve(),
    )
    record = StackRecord(
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        state_dir=str(state),
        intents=str(options.intents.resolve()),
        services={},
    )
    try:
        for spec in specs:
            service = _start(spec, ctx)
            record.services[spec.name] = service
            record.write()
            _wait_ready(spec, service)
    except BaseException:
        stop(record)
        raise
    return record


def _start(spec: ServiceSpec, ctx: StartContext) -> Service:
    log = ctx.layout.log(spec.name)
    env = dict(os.environ, PYTHONPATH=child_pythonpath(os.environ.get("PYTHONPATH")))
    with log.open("ab") as out:
        proc = subprocess.Popen(
            spec.argv(ctx),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ctx.layout.root,
            env=env,
            start_new_session=True,
        )
    return Service(name=spec.name, pid=proc.pid, host=ctx.host, port=ctx.ports[spec.name], log=str(log))


def _wait_ready(spec: ServiceSpec, service: Service) -> None:
    deadline = time.monotonic() + spec.timeout
    while time.monotonic() < deadline:
        if not alive(service.pid):
            break
        if _ready(service, spec.ready_path):
            return
        time.sleep(0.1)
    why = "exited" if not alive(service.pid) else f"not ready after {spec.timeout:.0f} s"
    raise DiagnosticError(
        [
            Diagnostic(
                "monitor-service-failed",
                f"{spec.name} {why}: {_log_tail(Path(service.log)) or 'no output'}",
                hint=f"see {service.log}; nothing was left running",
            )
        ]
    )


def stop(record: StackRecord, grace: float = STOP_GRACE) -> list[str]:
    """TERM every recorded service (last started first), KILL what is left after ``grace``; remove the record."""
    marker = record.state_dir
    services = list(record.services.values())[::-1]
    running = [s for s in services if _owned(s.pid, marker)]
    for service in running:
        try:
            os.kill(service.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(s.pid) for s in running):
        time.sleep(0.1)
    for service in running:
        if alive(service.pid):
            try:
                os.kill(service.pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
    for service in running:  # reap our own children (``up`` in the same process, tests)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(service.pid, os.WNOHANG)
    (monitor_dir(Path(record.state_dir)) / STACK_FILE).unlink(missing_ok=True)
    return [s.name for s in running]


def down(state_dir: Path) -> list[str] | None:
    """Stop the stack under ``state_dir``; None when there is none."""
    record = StackRecord.read(state_dir.resolve())
    return None if record is None else stop(record)


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    pid: int
    url: str
    running: bool
    ready: bool


def status(state_dir: Path) -> tuple[StackRecord | None, list[ServiceStatus]]:
    record = StackRecord.read(state_dir.resolve())
    if record is None:
        return None, []
    marker = record.state_dir
    paths = {s.name: s.ready_path for s in service_specs()}
    out = []
    for name, service in record.services.items():
        running = _owned(service.pid, marker)
        out.append(
            ServiceStatus(name, service.pid, service.url, running, running and _ready(service, paths.get(name, "/")))
        )
    return record, out
