"""How often things are measured and how long a condition must hold before it pages.

One profile feeds the probe, the Prometheus config, the alert rules and the Alertmanager
routes, so they stay consistent. ``PRODUCTION`` is what ``render`` commits; ``monitor up
--scrape-interval`` scales every duration from it (tests run at 1 s).

Budget of the production profile (targets: a site-down page within 30 s, a circuit-down message
within 45 s; measured in ``bench/results/alerting.json``, reasoning in docs/monitoring.md). From the
moment a link is cut, each stage adds at most:

====================================  ====================  ==================================
stage                                 site down -> SMS      circuit down -> chat
====================================  ====================  ==================================
probe cycle (the cut falls anywhere)  5 s                   5 s
last echo's timeout                   ~1.4 s                ~1.4 s
Prometheus scrape of the probe        5 s                   5 s
rule evaluation                       5 s                   5 s
``for`` (confirmation)                10 s (2 cycles)       20 s (4 cycles)
Alertmanager ``group_wait``           0 s                   5 s
notifier -> provider API              ~0.5 s                ~0.5 s
worst case                            ~27 s                 ~42 s
====================================  ====================  ==================================

Confirmation stays in cycles of the probe, not in seconds: a site must fail two whole probe cycles
on every circuit (each of 3 echoes per circuit), a circuit four, before anybody is told; a shorter
blip never pages (``for``), a flapping one stays one incident (``keep_firing_for``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from runbook_wan.ops.metrics import CHANGE_PROMISE_SECONDS


def duration(seconds: float) -> str:
    """Prometheus duration text: 15 -> '15s', 120 -> '2m', 0.5 -> '500ms'."""
    if seconds <= 0:
        return "0s"
    millis = round(seconds * 1000)
    if millis % 1000:
        return f"{millis}ms"
    whole = millis // 1000
    if whole % 3600 == 0:
        return f"{whole // 3600}h"
    if whole % 60 == 0:
        return f"{whole // 60}m"
    return f"{whole}s"


@dataclass(frozen=True)
class Timing:
    """Seconds, all of them."""

    #: Probe measurement cycle (pings of every circuit, hub and SaaS): mwan3's 5 s default.
    probe_interval: float = 5.0
    #: Pings per target per cycle (loss, latency and jitter come from these samples): 36 a minute per
    #: target, as many as 5 every 10 s were, so the SLA windows hold as many samples as before.
    probe_count: int = 3
    #: Gap between two pings to one target.
    probe_spacing: float = 0.2
    #: How long to wait for the last reply.
    probe_timeout: float = 1.0
    #: Device view (link, BGP) through NAPALM: slower, it runs getters on every device. It explains an
    #: outage (link or BGP?); detection does not wait for it (a circuit without BGP fails its echoes).
    #: Each poll logs in and out again (idle sessions cost CPU); see bench/results/alerting.json.
    device_interval: float = 300.0
    #: Prometheus scrapes the probe at its own cycle, and evaluates the rules as often.
    scrape_interval: float = 5.0
    evaluation_interval: float = 5.0
    #: Jobs no page waits for (the edge agents, the notifier) are scraped less often.
    context_scrape_interval: float = 15.0
    #: A circuit must be down this long before CircuitDown fires (flapping shorter never pages) ...
    circuit_down_for: float = 20.0
    #: ... and a site this long before SiteDown: every circuit at once, for two probe cycles.
    site_down_for: float = 10.0
    #: A breach of the SLA must last this long, over a window of this length.
    sla_for: float = 300.0
    sla_window: float = 600.0
    provider_outage_for: float = 60.0
    probe_down_for: float = 30.0
    config_drift_for: float = 900.0
    #: Open intents changes older than this raise ChangeOverdue: the one-hour change promise.
    change_overdue_after: float = CHANGE_PROMISE_SECONDS
    #: Config drift of every device (one NAPALM read each) and the change lead time, by the probe.
    drift_interval: float = 900.0
    lead_time_interval: float = 60.0
    #: Keep a fired alert firing this long after the condition clears (a flapping circuit stays one incident).
    keep_firing_for: float = 60.0
    #: Alertmanager waits this long to batch the first alerts of a group (circuits of one site) ...
    group_wait: float = 5.0
    #: ... but not for SiteDown: one alert per group, and nothing to batch or wait for (it inhibits,
    #: it is not inhibited): it pages at once.
    site_down_group_wait: float = 0.0
    group_interval: float = 60.0
    repeat_interval: float = 4 * 3600.0
    resolve_timeout: float = 300.0

    def scaled(self, scrape_interval: float) -> Timing:
        """Every duration scaled by ``scrape_interval / self.scrape_interval`` (counts stay)."""
        factor = scrape_interval / self.scrape_interval
        changes = {
            f.name: getattr(self, f.name) * factor
            for f in fields(self)
            if f.name not in ("probe_count", "probe_spacing", "probe_timeout", "change_overdue_after")
        }
        scaled = replace(self, **changes)
        # Pings of one cycle must fit in it; keep them realistic, the cycle shrinks instead.
        spacing = min(self.probe_spacing, scaled.probe_interval / (2 * self.probe_count))
        timeout = min(self.probe_timeout, scaled.probe_interval / 2)
        return replace(scaled, probe_spacing=spacing, probe_timeout=timeout)


PRODUCTION = Timing()
