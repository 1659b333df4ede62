"""``lab impair``: loss, delay and jitter on one circuit, set on the provider side; ``lab restore``
undoes them.

* **Loss** applies to the traffic the site sends into the provider (site -> provider), the way
  an upstream brownout hurts: an nft table ``lab_impair_<interface>`` in the provider's namespace
  drops that share of the packets arriving from the site (``numgen random``; this kernel has no
  netem). The agent's echo requests cross it, so the round trip it measures loses the same share.
  Replies and traffic towards the site are not dropped.
* **Delay and jitter** apply in **both directions**, each direction independently (``delay ±
  jitter``, uniform, never reordering), by the lab's userspace relay: a one-way delay of D makes
  a round trip of 2·D, and the agent's one-way estimate is D. Wireless circuits always run
  through the relay (with their medium's profile from ``impairments.yaml`` as the baseline); a
  site's DIAs run through it only when the lab was built with ``lab up --relay SITES``, because
  relaying costs CPU for all of their traffic. Unset values keep the circuit's baseline.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from runbook_wan.lab import impairment, probes, shell
from runbook_wan.lab.state import LabRecord
from runbook_wan.lab.topology import CircuitLink, SiteNode
from runbook_wan.results import Diagnostic, DiagnosticError

TABLE_PREFIX = "lab_impair_"
#: After ``lab path``'s counters (raw - 10), before anything else of the provider.
PRIORITY = "raw + 50"
_LOSS_RULE = re.compile(r"numgen random mod 10000 < (\d+)")


@dataclass(frozen=True)
class CircuitImpairment:
    site: str
    role: str
    #: Share of site -> provider packets dropped, percent (None: none set).
    loss_pct: float | None
    #: One-way delay and jitter in each direction, ms (None: the circuit's baseline or not relayed).
    delay_ms: float | None
    jitter_ms: float | None

    @property
    def active(self) -> bool:
        return self.loss_pct is not None or self.delay_ms is not None or self.jitter_ms is not None

    def describe(self) -> str:
        parts = []
        if self.loss_pct is not None:
            parts.append(f"loss {self.loss_pct:g}% towards the provider")
        if self.delay_ms is not None or self.jitter_ms is not None:
            parts.append(f"delay {self.delay_ms or 0:g} ms ± {self.jitter_ms or 0:g} ms each way")
        return ", ".join(parts) or "none"


def table(link: CircuitLink) -> str:
    return TABLE_PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", link.provider_if)


def _loss_ruleset(link: CircuitLink, loss_pct: float) -> str:
    name = table(link)
    threshold = round(loss_pct * 100)
    return (
        f"table inet {name}\ndelete table inet {name}\n"
        f"table inet {name} {{\n  chain prerouting {{\n"
        f"    type filter hook prerouting priority {PRIORITY}; policy accept;\n"
        f'    iifname "{link.provider_if}" numgen random mod 10000 < {threshold} counter drop '
        f'comment "lab impair: {loss_pct:g}% loss from the site"\n'
        "  }\n}\n"
    )


def _relay_pairs(record: LabRecord) -> dict[str, object]:
    data: dict[str, object] = json.loads(record.layout.relay_config.read_text())
    return data


@contextmanager
def _relay_lock(record: LabRecord) -> Iterator[None]:
    """One writer of the relay's config at a time (threads and processes: flock)."""
    with (record.layout.root / "relay.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _set_relay(record: LabRecord, link: CircuitLink, delay_ms: float, jitter_ms: float) -> None:
    assert link.relay is not None
    with _relay_lock(record):
        config = _relay_pairs(record)
        pairs = config.get("pairs")
        assert isinstance(pairs, list)
        for pair in pairs:
            if pair.get("a") == link.relay.site_side:
                pair["delay_ms"], pair["jitter_ms"] = delay_ms, jitter_ms
        path = record.layout.relay_config
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(json.dumps(config, indent=1) + "\n")
        tmp.replace(path)  # readers never see half a file
        pid = impairment.relay_pid(record.layout)
        if pid is not None and probes.pid_alive(pid):
            os.kill(pid, signal.SIGHUP)


def _check(node: SiteNode, link: CircuitLink, loss: float | None, delay: float | None, jitter: float | None) -> None:
    problems = []
    if loss is None and delay is None and jitter is None:
        problems.append(
            Diagnostic("lab-impair-nothing", "nothing to impair", hint="give --loss PCT, --delay MS and/or --jitter MS")
        )
    if loss is not None and not 0 <= loss <= 100:
        problems.append(Diagnostic("lab-impair-loss", f"--loss {loss:g} is not a percentage", hint="use 0..100"))
    for name, value in (("delay", delay), ("jitter", jitter)):
        if value is not None and not 0 <= value <= 10_000:
            problems.append(Diagnostic(f"lab-impair-{name}", f"--{name} {value:g} ms is out of range", hint="0..10000"))
    if (delay is not None or jitter is not None) and link.relay is None:
        problems.append(
            Diagnostic(
                "lab-impair-not-relayed",
                f"{node.site} {link.role} is a plain link; delay and jitter need the lab's relay",
                hint=f"rebuild with `runbook.py lab up --relay {node.site} ...` (loss works on any circuit)",
            )
        )
    if problems:
        raise DiagnosticError(problems)


def impair(
    record: LabRecord,
    node: SiteNode,
    link: CircuitLink,
    loss_pct: float | None = None,
    delay_ms: float | None = None,
    jitter_ms: float | None = None,
) -> CircuitImpairment:
    """Set the circuit's impairment (replacing an earlier one); unset values keep what is there."""
    _check(node, link, loss_pct, delay_ms, jitter_ms)
    if loss_pct is not None:
        if loss_pct > 0:
            shell.in_netns(link.provider_netns, "nft", "-f", "-", input_text=_loss_ruleset(link, loss_pct))
        else:
            _clear_loss(link)
    if delay_ms is not None or jitter_ms is not None:
        now = current_relay(record, link)
        base = link.impairment
        _set_relay(
            record,
            link,
            delay_ms if delay_ms is not None else (now[0] if now else base.delay_ms if base else 0.0),
            jitter_ms if jitter_ms is not None else (now[1] if now else base.jitter_ms if base else 0.0),
        )
    return observed(record, node, link)


def _clear_loss(link: CircuitLink) -> None:
    if table(link) in probes.nft_tables(link.provider_netns):
        shell.in_netns(link.provider_netns, "nft", "delete", "table", "inet", table(link))


def clear(record: LabRecord, link: CircuitLink) -> None:
    """Back to the circuit's baseline: no loss table; the relay (if any) at the medium's profile."""
    _clear_loss(link)
    if link.relay is not None and link.impairment is not None and record.layout.relay_config.is_file():
        now = current_relay(record, link)
        if now != (link.impairment.delay_ms, link.impairment.jitter_ms):
            _set_relay(record, link, link.impairment.delay_ms, link.impairment.jitter_ms)


def current_relay(record: LabRecord, link: CircuitLink) -> tuple[float, float] | None:
    if link.relay is None or not record.layout.relay_config.is_file():
        return None
    pairs = _relay_pairs(record).get("pairs")
    for pair in pairs if isinstance(pairs, list) else []:
        if pair.get("a") == link.relay.site_side:
            return float(pair["delay_ms"]), float(pair["jitter_ms"])
    return None


def _loss_in(netns: str, link: CircuitLink) -> float | None:
    proc = shell.in_netns(netns, "nft", "list", "table", "inet", table(link), check=False)
    match = _LOSS_RULE.search(proc.stdout) if proc.returncode == 0 else None
    return int(match.group(1)) / 100 if match else None


def observed(record: LabRecord, node: SiteNode, link: CircuitLink) -> CircuitImpairment:
    """The circuit's impairment as the namespaces and the relay have it now (baseline: None)."""
    loss = _loss_in(link.provider_netns, link)
    relay = current_relay(record, link)
    base = (link.impairment.delay_ms, link.impairment.jitter_ms) if link.impairment else (0.0, 0.0)
    delay = jitter = None
    if relay is not None and relay != base:
        delay, jitter = relay
    return CircuitImpairment(node.site, link.role, loss, delay, jitter)


def all_impairments(record: LabRecord) -> list[CircuitImpairment]:
    tables = {p.netns: probes.nft_tables(p.netns) for p in record.topology.providers.values()}
    out = []
    for node in record.topology.sites.values():
        for link in node.circuits:
            loss = _loss_in(link.provider_netns, link) if table(link) in tables.get(link.provider_netns, []) else None
            relay = current_relay(record, link)
            base = (link.impairment.delay_ms, link.impairment.jitter_ms) if link.impairment else (0.0, 0.0)
            moved = relay is not None and relay != base
            found = CircuitImpairment(
                node.site, link.role, loss, relay[0] if moved and relay else None, relay[1] if moved and relay else None
            )
            if found.active:
                out.append(found)
    return out
