"""The probe's Prometheus metrics (a private registry; names from :mod:`runbook_wan.ops.metrics`)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge

from runbook_wan.monitoring.targets import ProbeTargets
from runbook_wan.ops import metrics as m
from runbook_wan.probe.cycle import Stats

CIRCUIT_LABELS = (m.SITE, m.REGION, m.CIRCUIT, m.PROVIDER)


class Exporter:
    def __init__(self, targets: ProbeTargets) -> None:
        self.targets = targets
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.up = Gauge(
            m.CIRCUIT_UP, "1 while the circuit passes traffic from the site's LAN", CIRCUIT_LABELS, registry=r
        )
        self.loss = Gauge(m.CIRCUIT_LOSS, "share of probe echoes lost in the last cycle", CIRCUIT_LABELS, registry=r)
        self.latency = Gauge(m.CIRCUIT_LATENCY, "mean round trip in the last cycle", CIRCUIT_LABELS, registry=r)
        self.jitter = Gauge(m.CIRCUIT_JITTER, "mean difference of consecutive round trips", CIRCUIT_LABELS, registry=r)
        sla_loss = Gauge(
            m.CIRCUIT_SLA_LOSS, "strictest loss SLA of the classes that may use the circuit", CIRCUIT_LABELS, registry=r
        )
        sla_latency = Gauge(
            m.CIRCUIT_SLA_LATENCY, "strictest round-trip budget (2x one-way SLA)", CIRCUIT_LABELS, registry=r
        )
        sla_jitter = Gauge(m.CIRCUIT_SLA_JITTER, "strictest jitter SLA", CIRCUIT_LABELS, registry=r)
        self.link = Gauge(m.LINK_UP, "interface carrier, from the device (NAPALM)", CIRCUIT_LABELS, registry=r)
        self.bgp = Gauge(m.BGP_UP, "BGP session established, from the device (NAPALM)", CIRCUIT_LABELS, registry=r)
        self.reachable = Gauge(
            m.TARGET_REACHABLE,
            "1 while the site reaches the target from its LAN",
            (m.SITE, m.REGION, m.TARGET),
            registry=r,
        )
        self.last_cycle = Gauge(m.PROBE_LAST_CYCLE, "unix time of the last completed measurement cycle", registry=r)
        self.cycle_seconds = Gauge(
            "runbook_probe_cycle_duration_seconds", "wall time of the last measurement cycle", registry=r
        )
        self.device_errors = Counter("runbook_probe_device_errors", "device polls that failed", (m.SITE,), registry=r)
        self._classes(targets)
        for site in targets.sites.values():
            for c in site.circuits:
                if c.sla is not None:
                    labels = (site.site, site.region, c.circuit, c.provider)
                    sla_loss.labels(*labels).set(c.sla.loss_ratio)
                    sla_latency.labels(*labels).set(c.sla.latency_seconds)
                    sla_jitter.labels(*labels).set(c.sla.jitter_seconds)

    def _classes(self, targets: ProbeTargets) -> None:
        """Static series: each class's path as ranks and its SLA, per site (monitoring.impact reads them)."""
        r = self.registry
        rank = Gauge(
            m.CLASS_CIRCUIT_PREFERENCE,
            "1 for the circuit the class prefers, 2 for the next, ... (its path from the intents)",
            (m.SITE, m.REGION, m.APP_CLASS, m.CIRCUIT),
            registry=r,
        )
        class_labels = (m.SITE, m.REGION, m.APP_CLASS)
        loss = Gauge(m.CLASS_SLA_LOSS, "the class's loss SLA", class_labels, registry=r)
        latency = Gauge(m.CLASS_SLA_LATENCY, "the class's round-trip budget (2x one-way SLA)", class_labels, registry=r)
        jitter = Gauge(m.CLASS_SLA_JITTER, "the class's jitter SLA", class_labels, registry=r)
        for site in targets.sites.values():
            policy = targets.policies.get(site.policy)
            if policy is None:
                continue
            present = {c.circuit for c in site.circuits}
            for name, cls in policy.classes.items():
                for position, circuit in enumerate((c for c in cls.path if c in present), 1):
                    rank.labels(site.site, site.region, name, circuit).set(position)
                loss.labels(site.site, site.region, name).set(cls.loss_ratio)
                latency.labels(site.site, site.region, name).set(cls.latency_seconds)
                jitter.labels(site.site, site.region, name).set(cls.jitter_seconds)

    def _labels(self, site: str, circuit: str) -> tuple[str, str, str, str]:
        target = self.targets.sites[site]
        provider = next(c.provider for c in target.circuits if c.circuit == circuit)
        return (site, target.region, circuit, provider)

    def record_circuit(self, site: str, circuit: str, result: Stats) -> None:
        labels = self._labels(site, circuit)
        self.up.labels(*labels).set(1 if result.up else 0)
        self.loss.labels(*labels).set(result.loss)
        # Latency and jitter keep their last measured value while nothing answers (the circuit is down then).
        if result.latency is not None:
            self.latency.labels(*labels).set(result.latency)
        if result.jitter is not None:
            self.jitter.labels(*labels).set(result.jitter)

    def record_target(self, site: str, target: str, result: Stats) -> None:
        self.reachable.labels(site, self.targets.sites[site].region, target).set(1 if result.up else 0)

    def record_device(self, site: str, circuit: str, link_up: bool | None, bgp_up: bool | None) -> None:
        labels = self._labels(site, circuit)
        if link_up is not None:
            self.link.labels(*labels).set(1 if link_up else 0)
        if bgp_up is not None:
            self.bgp.labels(*labels).set(1 if bgp_up else 0)

    def cycle_done(self, duration: float) -> None:
        self.cycle_seconds.set(duration)
        self.last_cycle.set(time.time())
