"""What the agent measures and decides, over HTTP: ``/metrics`` (Prometheus) and ``/state`` (JSON).

Both are built at request time from the latest :class:`Snapshot` (a custom collector, as
prometheus_client's platform collector does), so a scrape never waits for the agent's loop. The
server binds to the management interface's address from the policy (``metrics.interface``,
``metrics.port``), never to every address. The metric names are the contract in
``docs/agent.md``; ``tests/agent/test_exporter.py`` pins them to ``runbook_wan.ops.metrics``.
"""

from __future__ import annotations

import fcntl
import json
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CIRCUIT_LOSS = "runbook_sdwan_circuit_loss_ratio"
CIRCUIT_LATENCY = "runbook_sdwan_circuit_latency_seconds"
CIRCUIT_JITTER = "runbook_sdwan_circuit_jitter_seconds"
CIRCUIT_PROBES_SENT = "runbook_sdwan_circuit_probes_sent_total"
CLASS_CIRCUIT = "runbook_sdwan_class_circuit"
CLASS_SLA_MET = "runbook_sdwan_class_sla_met"
CLASS_HEALTH = "runbook_sdwan_class_circuit_health"
CLASS_SINCE = "runbook_sdwan_class_since_timestamp_seconds"
CLASS_TRANSITIONS = "runbook_sdwan_class_transitions_total"
POLICY_INFO = "runbook_sdwan_agent_policy_info"
NAMES = (
    CIRCUIT_LOSS,
    CIRCUIT_LATENCY,
    CIRCUIT_JITTER,
    CIRCUIT_PROBES_SENT,
    CLASS_CIRCUIT,
    CLASS_SLA_MET,
    CLASS_HEALTH,
    CLASS_SINCE,
    CLASS_TRANSITIONS,
    POLICY_INFO,
)
SIOCGIFADDR = 0x8915
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class CircuitView:
    loss_ratio: float | None
    latency_s: float | None
    jitter_s: float | None
    samples: int
    probes_sent: int


@dataclass
class ClassView:
    circuit: str | None
    preferred: str
    since: float
    reason: str
    sla_met: dict[str, bool]
    #: The class's allowed circuits, most preferred first.
    path: list[str]
    #: Health of each allowed circuit for this class (ok, degrading, breached, recovering, unknown).
    health: dict[str, str]
    least_bad: bool
    transitions: int


@dataclass
class Snapshot:
    site: str | None = None
    policy_digest: str | None = None
    started_at: float = 0.0
    circuits: dict[str, CircuitView] = field(default_factory=dict)
    classes: dict[str, ClassView] = field(default_factory=dict)

    def state(self) -> dict[str, Any]:
        """The ``/state`` document (docs/agent.md)."""
        return {
            "site": self.site,
            "policy_digest": self.policy_digest,
            "started_at": self.started_at,
            "circuits": {role: asdict(view) for role, view in self.circuits.items()},
            "classes": {name: asdict(view) for name, view in self.classes.items()},
        }


class SnapshotCollector(Collector):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot = Snapshot()

    def update(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._snapshot = snapshot

    @property
    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snapshot

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        if snap.site is None:
            return
        site = snap.site
        per_circuit, per_class = ["site", "circuit"], ["site", "class", "circuit"]
        loss = GaugeMetricFamily(CIRCUIT_LOSS, "probe loss over the last window, 0..1", labels=per_circuit)
        latency = GaugeMetricFamily(
            CIRCUIT_LATENCY,
            "one-way latency estimate (half the mean round trip) over the last window",
            labels=per_circuit,
        )
        jitter = GaugeMetricFamily(CIRCUIT_JITTER, "one-way jitter estimate over the last window", labels=per_circuit)
        sent = CounterMetricFamily(CIRCUIT_PROBES_SENT, "probes sent on the circuit", labels=per_circuit)
        for role, view in sorted(snap.circuits.items()):
            if view.loss_ratio is not None:
                loss.add_metric([site, role], view.loss_ratio)
            if view.latency_s is not None:
                latency.add_metric([site, role], view.latency_s)
            if view.jitter_s is not None:
                jitter.add_metric([site, role], view.jitter_s)
            sent.add_metric([site, role], view.probes_sent)
        on = GaugeMetricFamily(
            CLASS_CIRCUIT,
            "1 for the circuit the class is on, 0 for its other allowed circuits",
            labels=per_class,
        )
        met = GaugeMetricFamily(CLASS_SLA_MET, "1 while the circuit meets the class SLA", labels=per_class)
        health = GaugeMetricFamily(
            CLASS_HEALTH,
            "1; the agent's health of the circuit for the class (ok, degrading, breached, recovering, unknown)",
            labels=[*per_class, "health"],
        )
        since = GaugeMetricFamily(CLASS_SINCE, "when the class moved to its current circuit", labels=["site", "class"])
        moves = CounterMetricFamily(CLASS_TRANSITIONS, "moves of the class between circuits", labels=["site", "class"])
        for name, cls in sorted(snap.classes.items()):
            for role in cls.path:
                on.add_metric([site, name, role], 1.0 if role == cls.circuit else 0.0)
                if role in cls.sla_met:
                    met.add_metric([site, name, role], 1.0 if cls.sla_met[role] else 0.0)
                if role in cls.health:
                    health.add_metric([site, name, role, cls.health[role]], 1.0)
            since.add_metric([site, name], cls.since)
            moves.add_metric([site, name], cls.transitions)
        info = GaugeMetricFamily(
            POLICY_INFO, "the policy the agent runs (digest: sha256 of the file)", labels=["site", "digest"]
        )
        info.add_metric([site, snap.policy_digest or ""], 1.0)
        yield from (loss, latency, jitter, sent, on, met, health, since, moves, info)


def interface_address(ifname: str) -> str | None:
    """The IPv4 address of ``ifname`` in this network namespace (None: no such interface or address)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            raw = fcntl.ioctl(sock.fileno(), SIOCGIFADDR, struct.pack("256s", ifname.encode()[:15]))
        except OSError:
            return None
    return socket.inet_ntoa(raw[20:24])


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            body, kind = generate_latest(self.server.registry), CONTENT_TYPE
        elif path == "/state":
            body, kind = (
                (json.dumps(self.server.collector.snapshot.state(), sort_keys=True) + "\n").encode(),
                "application/json",
            )
        else:
            self.send_error(404, "try /metrics or /state")
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], collector: SnapshotCollector) -> None:
        self.collector = collector
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(collector)
        super().__init__(address, _Handler)


class MetricsServer:
    """The HTTP endpoint, in a daemon thread; ``start`` binds, ``stop`` closes it."""

    def __init__(self, collector: SnapshotCollector) -> None:
        self.collector = collector
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.address: tuple[str, int] | None = None

    def start(self, address: str, port: int) -> None:
        self.stop()
        server = _Server((address, port), self.collector)
        self._server = server
        self.address = (address, server.server_address[1])
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 1.0}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._server = None
        self._thread = None
        self.address = None
