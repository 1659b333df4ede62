"""Start, stop, inspect and keep up the stack. Every process is recorded as soon as it exists.

``up`` starts the services and then the supervisor (``monitor watch``, recorded as the service
``supervisor``): it checks every service twice a second and starts one that stopped again, the
way it was first started (same command, same port, same log), so Alertmanager, Prometheus and the
probe find it where they expect it. Each outage is written to ``<state>/monitor/outages.jsonl``
(the pane shows them). A service that keeps dying is retried with a growing delay, up to a minute.
``down`` stops the supervisor first, so nothing is started again behind it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
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
    runbook_cli,
    service_specs,
)
from runbook_wan.monitoring.bundle import build_bundle, write_bundle
from runbook_wan.monitoring.endpoints import LOOPBACK, Endpoints
from runbook_wan.monitoring.timing import Timing
from runbook_wan.ops.stack import STACK_FILE, SUPERVISOR, Service, StackRecord, monitor_dir, record_outage_event
from runbook_wan.results import Diagnostic, DiagnosticError

STOP_GRACE = 10.0
#: How often the supervisor looks at the services (seconds).
WATCH_TICK = 0.5
#: A service that dies again within this many seconds of a restart is crash-looping: back off.
STABLE_AFTER = 30.0
#: The longest wait between two restarts of a crash-looping service (seconds).
MAX_BACKOFF = 60.0


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
    #: Keep the services running (``monitor watch``); off only for tests of the bare services.
    supervise: bool = True
    #: More ``notify`` arguments (its public listener for the answers: ``--public-url`` and the rest).
    notifier_args: tuple[str, ...] = ()


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
        notifier_args=options.notifier_args,
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
        if options.supervise:
            record.services[SUPERVISOR] = _start_supervisor(ctx)
            record.write()
    except BaseException:
        stop(record)
        raise
    return record


def _start_supervisor(ctx: StartContext) -> Service:
    argv = [*runbook_cli(), "--state", str(ctx.state_dir), "monitor", "watch"]
    log = ctx.layout.log(SUPERVISOR)
    pid = _spawn(argv, ctx.layout.root, log)
    return Service(name=SUPERVISOR, pid=pid, host=ctx.host, port=0, log=str(log), argv=argv)


def _spawn(argv: list[str], cwd: Path, log: Path) -> int:
    env = dict(os.environ, PYTHONPATH=child_pythonpath(os.environ.get("PYTHONPATH")))
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
    return proc.pid


def _start(spec: ServiceSpec, ctx: StartContext) -> Service:
    log = ctx.layout.log(spec.name)
    argv = spec.argv(ctx)
    pid = _spawn(argv, ctx.layout.root, log)
    return Service(
        name=spec.name,
        pid=pid,
        host=ctx.host,
        port=ctx.ports[spec.name],
        log=str(log),
        argv=argv,
        ready_path=spec.ready_path,
    )


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
    """TERM every recorded service (last started first), KILL what is left after ``grace``; remove the record.

    The supervisor goes first and alone: once it has exited nothing is started again, and the
    record is read again for the PIDs of the services it restarted meanwhile.
    """
    marker = record.state_dir
    stopped: list[str] = []
    supervisor = record.services.get(SUPERVISOR)
    if supervisor is not None:
        stopped += _terminate([supervisor], marker, grace)
        record = StackRecord.read(Path(record.state_dir)) or record
    services = [s for s in list(record.services.values())[::-1] if s.name != SUPERVISOR]
    stopped += _terminate(services, marker, grace)
    (monitor_dir(Path(record.state_dir)) / STACK_FILE).unlink(missing_ok=True)
    return stopped


def _terminate(services: list[Service], marker: str, grace: float) -> list[str]:
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
        path = paths.get(name)
        ready = running and (path is None or _ready(service, path))  # the supervisor: ready while it runs
        out.append(ServiceStatus(name, service.pid, service.url if path else "-", running, ready))
    return record, out


# --- the supervisor ------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Retry:
    """When a stopped service may be started again, and how long to wait after the next failure."""

    at: float = 0.0
    delay: float = 1.0
    started: float = 0.0


def watch(state_dir: Path, halt: threading.Event, tick: float = WATCH_TICK) -> None:
    """Keep every recorded service running until ``halt`` is set or the stack record is gone.

    Each check reaps finished children (restarted services are this process's children), then
    starts again every service that no longer runs, records the outage and waits for it to be
    ready before the next check.
    """
    state = state_dir.resolve()
    retries: dict[str, _Retry] = {}
    print(f"{_now()} supervisor: watching the stack under {monitor_dir(state)}", flush=True)
    while not halt.wait(tick):
        _reap()
        record = StackRecord.read(state)
        if record is None:
            print(f"{_now()} supervisor: the stack is gone (monitor down); stopping", flush=True)
            return
        for name in [n for n in record.services if n != SUPERVISOR]:
            if halt.is_set():
                return
            service = record.services[name]
            if _owned(service.pid, record.state_dir):
                continue
            retry = retries.setdefault(name, _Retry())
            if time.monotonic() < retry.at:
                continue
            record = _restart(state, record, service, retry)


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def _restart(state: Path, record: StackRecord, service: Service, retry: _Retry) -> StackRecord:
    """Start ``service`` again as it was first started; record the outage; back off if it keeps dying."""
    now = time.monotonic()
    if retry.started and now - retry.started < STABLE_AFTER:
        retry.delay = min(retry.delay * 2, MAX_BACKOFF)
    else:
        retry.delay = 1.0
        record_outage_event(state, service.name, "down", _now())
    print(f"{_now()} supervisor: {service.name} (pid {service.pid}) is not running; starting it again", flush=True)
    retry.started = now
    retry.at = now + retry.delay
    if not service.argv:
        record_outage_event(state, service.name, "failed", _now(), "no start command recorded (an older stack)")
        return record
    pid = _spawn(service.argv, monitor_dir(state), Path(service.log))
    restarted = service.model_copy(update={"pid": pid})
    current = StackRecord.read(state)
    if current is None:  # monitor down meanwhile: do not leave it running
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        return record
    current.services[service.name] = restarted
    current.write()
    if _await(restarted):
        record_outage_event(state, service.name, "up", _now(), f"pid {pid}")
        print(f"{_now()} supervisor: {service.name} is back (pid {pid})", flush=True)
    else:
        why = f"not ready after a restart: {_log_tail(Path(service.log), 3) or 'no output'}"
        record_outage_event(state, service.name, "failed", _now(), why)
        print(f"{_now()} supervisor: {service.name} {why}; trying again in {retry.delay:g} s", flush=True)
    return current


def _await(service: Service, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap()
        if not alive(service.pid):
            return False
        if not service.ready_path or _ready(service, service.ready_path):
            return True
        time.sleep(0.2)
    return False
