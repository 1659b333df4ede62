"""``lab impair``: loss, delay and jitter on one circuit, set on the provider side; ``lab restore``
undoes them.

* **Loss** applies to the traffic the site sends into the provider (site -> provider), the way
  an upstream brownout hurts: an nft table ``lab_impair_<interface>`` in the provider's namespace
  drops that share of the packets arriving from the site (this kernel has no netem). The agent's
  echo requests cross it, so the round trip it measures loses the same share. Replies and
  traffic towards the site are not dropped. The loss is **random** (``numgen random``: each
  packet lost by chance, like a real brownout) or **even** (``numgen inc``: exactly that share of
  every run of packets, evenly spaced, echo requests counted apart from the rest so a prober's
  share is exact whatever else crosses the link). Even loss makes a window of probes hold the
  same number of losses every time: what a test of the agent's reaction needs, where chance
  would add its own tail (a 5 % random brownout confirms after 15 s in about 1 run of 18).
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
from fractions import Fraction
from typing import Literal, get_args

from runbook_wan.lab import impairment, probes, shell
from runbook_wan.lab.state import LabRecord
from runbook_wan.lab.topology import CircuitLink, SiteNode
from runbook_wan.results import Diagnostic, DiagnosticError

TABLE_PREFIX = "lab_impair_"
#: After ``lab path``'s counters (raw - 10), before anything else of the provider.
PRIORITY = "raw + 50"
_LOSS_RULE = re.compile(r"numgen random mod 10000 < (\d+)")
_EVEN_RULE = re.compile(r"numgen inc mod (\d+) (\{[^}]*\}|\d+)")
Spread = Literal["random", "even"]
SPREADS: tuple[str, ...] = get_args(Spread)
#: Even loss is set in steps of 0.1 % (one packet in 1,000 at the finest).
EVEN_STEPS = 1000


@dataclass(frozen=True)
class CircuitImpairment:
    site: str
    role: str
    #: Share of site -> provider packets dropped, percent (None: none set).
    loss_pct: float | None
    #: One-way delay and jitter in each direction, ms (None: the circuit's baseline or not relayed).
    delay_ms: float | None
    jitter_ms: float | None
    #: How the loss falls: by chance, or evenly spaced (None: no loss set).
    spread: Spread | None = None

    @property
    def active(self) -> bool:
        return self.loss_pct is not None or self.delay_ms is not None or self.jitter_ms is not None

    def describe(self) -> str:
        parts = []
        if self.loss_pct is not None:
            share = _even_share(self.loss_pct) if self.spread == "even" else None
            spread = f", {share.numerator} packet(s) in every {share.denominator}" if share else ""
            parts.append(f"loss {self.loss_pct:g}% towards the provider{spread}")
        if self.delay_ms is not None or self.jitter_ms is not None:
            parts.append(f"delay {self.delay_ms or 0:g} ms ± {self.jitter_ms or 0:g} ms each way")
        return ", ".join(parts) or "none"


def table(link: CircuitLink) -> str:
    return TABLE_PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", link.provider_if)


def _even_share(loss_pct: float) -> Fraction | None:
    """The share of packets even loss drops (5 % -> 1/20); None when not a multiple of 0.1 %."""
    steps = loss_pct * EVEN_STEPS / 100
    return Fraction(round(steps), EVEN_STEPS) if abs(steps - round(steps)) < 1e-6 else None


def _even_drops(share: Fraction) -> str:
    """Which positions of each run of ``share.denominator`` packets are dropped, evenly spaced."""
    drops = [i * share.denominator // share.numerator for i in range(share.numerator)]
    return str(drops[0]) if len(drops) == 1 else "{ " + ", ".join(map(str, drops)) + " }"


def _loss_rules(link: CircuitLink, loss_pct: float, spread: Spread) -> list[str]:
    iif = f'iifname "{link.provider_if}"'
    said = f'comment "lab impair: {loss_pct:g}% loss from the site, {spread}'
    if spread == "random":
        return [f'{iif} numgen random mod 10000 < {round(loss_pct * 100)} counter drop {said}"']
    share = _even_share(loss_pct)
    assert share is not None  # _check refused it
    drop = f"numgen inc mod {share.denominator} {_even_drops(share)} counter drop"
    return [
        f'{iif} icmp type echo-request {drop} {said} (echo requests)"',
        f"{iif} icmp type echo-request accept",
        f'{iif} {drop} {said} (other packets)"',
    ]


def _loss_ruleset(link: CircuitLink, loss_pct: float, spread: Spread = "random") -> str:
    name = table(link)
    rules = "".join(f"    {rule}\n" for rule in _loss_rules(link, loss_pct, spread))
    return (
        f"table inet {name}\ndelete table inet {name}\n"
        f"table inet {name} {{\n  chain prerouting {{\n"
        f"    type filter hook prerouting priority {PRIORITY}; policy accept;\n"
        f"{rules}"
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


def _check(
    node: SiteNode, link: CircuitLink, loss: float | None, delay: float | None, jitter: float | None, spread: str
) -> None:
    problems = []
    if spread not in SPREADS:
        problems.append(
            Diagnostic("lab-impair-spread", f"--spread {spread!r} is not a spread", hint="use random or even")
        )
    elif spread == "even" and loss is not None and 0 <= loss <= 100 and _even_share(loss) is None:
        problems.append(
            Diagnostic(
                "lab-impair-spread",
                f"--loss {loss:g} cannot be spread evenly",
                hint="even loss goes in steps of 0.1 % (one packet in 1,000); round it, or use --spread random",
            )
        )
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
    spread: Spread = "random",
) -> CircuitImpairment:
    """Set the circuit's impairment (replacing an earlier one); unset values keep what is there."""
    _check(node, link, loss_pct, delay_ms, jitter_ms, spread)
    if loss_pct is not None:
        if loss_pct > 0:
            shell.in_netns(link.provider_netns, "nft", "-f", "-", input_text=_loss_ruleset(link, loss_pct, spread))
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


def _loss_in(netns: str, link: CircuitLink) -> tuple[float, Spread] | None:
    """The loss set on the circuit and how it falls, read back from its nft table (None: none)."""
    proc = shell.in_netns(netns, "nft", "list", "table", "inet", table(link), check=False)
    return loss_of(proc.stdout) if proc.returncode == 0 else None


def loss_of(ruleset: str) -> tuple[float, Spread] | None:
    """The loss an impairment table drops, as ``nft list`` prints it."""
    if match := _LOSS_RULE.search(ruleset):
        return int(match.group(1)) / 100, "random"
    if match := _EVEN_RULE.search(ruleset):
        drops = sum(_count(part) for part in match.group(2).strip("{} ").split(","))
        return float(Fraction(drops, int(match.group(1))) * 100), "even"
    return None


def _count(part: str) -> int:
    """How many positions one element of an nft set names (``5`` or a range ``3-4``)."""
    low, _, high = part.strip().partition("-")
    return int(high) - int(low) + 1 if high else 1


def observed(record: LabRecord, node: SiteNode, link: CircuitLink, read_loss: bool = True) -> CircuitImpairment:
    """The circuit's impairment as the namespaces and the relay have it now (baseline: None).

    ``read_loss`` False: the caller knows the provider has no impairment table for the circuit."""
    loss_pct, spread = (_loss_in(link.provider_netns, link) if read_loss else None) or (None, None)
    relay = current_relay(record, link)
    base = (link.impairment.delay_ms, link.impairment.jitter_ms) if link.impairment else (0.0, 0.0)
    delay, jitter = relay if relay is not None and relay != base else (None, None)
    return CircuitImpairment(node.site, link.role, loss_pct, delay, jitter, spread)


def all_impairments(record: LabRecord) -> list[CircuitImpairment]:
    tables = {p.netns: probes.nft_tables(p.netns) for p in record.topology.providers.values()}
    out = []
    for node in record.topology.sites.values():
        for link in node.circuits:
            found = observed(record, node, link, read_loss=table(link) in tables.get(link.provider_netns, []))
            if found.active:
                out.append(found)
    return out
