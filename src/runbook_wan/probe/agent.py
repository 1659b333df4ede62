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

from prometheus_client import start_http_server

from runbook_wan.model.estate import Estate
from runbook_wan.monitoring.targets import ProbeTargets
from runbook_wan.probe.cycle import Stats, build_probes, measure
from runbook_wan.probe.devices import DevicePoller, DevicePort
from runbook_wan.probe.exporter import Exporter
from runbook_wan.probe.icmp import Vantage
from runbook_wan.probe.vantage import VantagePoint

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

    def attach_devices(self, estate: Estate, inventory: Path) -> None:
        ports = {
            sid: [
                DevicePort(c.circuit, c.interface, _gateway(estate, sid, c.circuit))
                for c in self.targets.sites[sid].circuits
            ]
            for sid in self.vantages
        }
        self.poller = DevicePoller(estate, sorted(self.vantages), inventory, ports)

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

    def close(self) -> None:
        self.stop.set()
        for vantage in self.vantages.values():
            vantage.close()
        if self.poller is not None:
            self.poller.close()


def _gateway(estate: Estate, site: str, circuit: str) -> str:
    return str(getattr(estate.sites[site].circuits, circuit).gateway)
