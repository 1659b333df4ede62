"""The probe's loop: a measurement cycle every interval, a device poll every device interval.

Runs until SIGTERM/SIGINT; every socket and device session is closed on the way out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import Gauge, start_http_server

from runbook_wan.credentials.redact import Redactor
from runbook_wan.model.estate import Estate
from runbook_wan.monitoring.targets import ProbeTargets
from runbook_wan.ops import metrics
from runbook_wan.probe.cycle import Stats, build_probes, measure
from runbook_wan.probe.devices import DevicePoller, DevicePort
from runbook_wan.probe.exporter import Exporter
from runbook_wan.probe.icmp import Vantage
from runbook_wan.probe.vantage import VantagePoint
from runbook_wan.results import DiagnosticError

log = logging.getLogger("runbook.probe")


@dataclass(frozen=True)
class AgentOptions:
    interval: float
    count: int
    spacing: float
    timeout: float
    device_interval: float  # 0: no device polls
    listen: tuple[str, int] | None  # None: no HTTP endpoint (one-shot use)


class Agent:
    def __init__(self, targets: ProbeTargets, points: dict[str, VantagePoint], options: AgentOptions) -> None:
        self.targets = targets
        self.options = options
        self.exporter = Exporter(targets)
        self.stop = threading.Event()
        self.vantages: dict[str, Vantage] = {}
        try:
            for sid, point in points.items():
                self.vantages[sid] = Vantage.open(sid, point.netns_path, point.source)
        except BaseException:
            self.close()
            raise
        self.probes = build_probes(targets, self.vantages)
        self.poller: DevicePoller | None = None
        #: Slow periodic jobs beside the measurement loop (config drift, change lead time): (name, seconds, job).
        self.periodic: list[tuple[str, float, Callable[[], None]]] = []

    def attach_devices(self, estate: Estate, inventory: Path) -> None:
        ports = {
            sid: [
                DevicePort(c.circuit, c.interface, _gateway(estate, sid, c.circuit))
                for c in self.targets.sites[sid].circuits
            ]
            for sid in self.vantages
        }
        self.poller = DevicePoller(estate, sorted(self.vantages), inventory, ports)

    def attach_drift(
        self, estate: Estate, configs: Path, inventory: Path, state_dir: Path, redactor: Redactor, interval: float
    ) -> None:
        """``runbook_config_drift`` every ``interval`` seconds: each device's running config vs configs/."""
        from runbook_wan.drift.metric import refresh_config_drift  # noqa: PLC0415 - only when drift is watched

        gauge = Gauge(
            metrics.CONFIG_DRIFT,
            "1 while the device's running config differs from configs/<site>.cfg",
            [metrics.SITE, metrics.REGION],
            registry=self.exporter.registry,
        )
        sites = sorted(self.vantages)

        def job() -> None:
            refresh_config_drift(gauge, estate, configs, inventory, state_dir, redactor, sites=sites)

        self.periodic.append(("config drift", interval, job))

    def attach_lead_time(self, intents: Path, state_dir: Path, interval: float) -> None:
        """``runbook_change_open_seconds`` every ``interval`` seconds, from git and the audit log."""
        from runbook_wan.report.lead_time import export_change_open  # noqa: PLC0415 - only when watched
        from runbook_wan.rollout.audit import audit_path  # noqa: PLC0415

        gauge = Gauge(
            metrics.CHANGE_OPEN,
            "seconds since the oldest intents change not yet deployed and verified",
            registry=self.exporter.registry,
        )

        def job() -> None:
            export_change_open(gauge, intents, audit_path(state_dir))

        self.periodic.append(("change lead time", interval, job))

    def attach_outbox(self, state_dir: Path, interval: float) -> None:
        """Post what a rollout could not post to Alertmanager (silences, RolloutHalted) once it answers."""
        import os  # noqa: PLC0415

        from runbook_wan.rollout.change_window import flush_outbox  # noqa: PLC0415 - only when watched

        def job() -> None:
            line = flush_outbox(state_dir, dict(os.environ))
            if line:
                log.info("alertmanager outbox: %s", line)

        self.periodic.append(("alertmanager outbox", interval, job))

    def cycle(self) -> dict[tuple[str, ...], Stats]:
        start = time.monotonic()
        results = measure(self.probes, self.options.count, self.options.spacing, self.options.timeout)
        for key, result in results.items():
            if key[0] == "circuit":
                self.exporter.record_circuit(key[1], key[2], result)
            else:
                self.exporter.record_target(key[1], key[2], result)
        self.exporter.cycle_done(time.monotonic() - start)
        return results

    def poll_devices(self) -> None:
        if self.poller is None:
            return
        states, errors = self.poller.poll()
        for sid, circuits in states.items():
            for circuit, state in circuits.items():
                self.exporter.record_device(sid, circuit, state.link_up, state.bgp_up)
        for sid, error in errors.items():
            self.exporter.device_errors.labels(sid).inc()
            log.warning("device poll of %s failed: %s", sid, error)

    def run(self, on_cycle: Callable[[int], None] | None = None) -> None:
        if self.options.listen is not None:
            host, port = self.options.listen
            start_http_server(port, addr=host, registry=self.exporter.registry)
        devices = threading.Thread(target=self._device_loop, name="devices", daemon=True)
        if self.poller is not None and self.options.device_interval > 0:
            devices.start()
        for name, interval, job in self.periodic:
            threading.Thread(target=self._every, args=(name, interval, job), name=name, daemon=True).start()
        cycles = 0
        next_at = time.monotonic()
        while not self.stop.is_set():
            self.cycle()
            cycles += 1
            if on_cycle is not None:
                on_cycle(cycles)
            next_at += self.options.interval
            self.stop.wait(max(0.0, next_at - time.monotonic()))
            next_at = max(next_at, time.monotonic() - self.options.interval)

    def _device_loop(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll_devices()
            except Exception as exc:  # noqa: BLE001 - the loop must survive a bad poll; it is logged
                log.warning("device poll failed: %s", exc)
            self.stop.wait(self.options.device_interval)

    def _every(self, name: str, interval: float, job: Callable[[], None]) -> None:
        while not self.stop.is_set():
            try:
                job()
            except DiagnosticError as exc:  # e.g. a secret not set: say which, keep measuring
                log.warning("%s: %s", name, "; ".join(d.format() for d in exc.diagnostics))
            except Exception as exc:  # noqa: BLE001 - the loop must survive a bad run; it is logged
                log.warning("%s failed: %s", name, exc)
            self.stop.wait(interval)

    def close(self) -> None:
        self.stop.set()
        for vantage in self.vantages.values():
            vantage.close()
        if self.poller is not None:
            self.poller.close()


def _gateway(estate: Estate, site: str, circuit: str) -> str:
    return str(getattr(estate.sites[site].circuits, circuit).gateway)
