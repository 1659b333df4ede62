"""One ``fping`` per circuit, pinned to it, and its output turned into probe samples.

``fping -l -p INTERVAL -t TIMEOUT -b 12 -I IF -S SRC TARGET`` runs for as long as the policy
does. Bound to the circuit's interface and source address, its echoes leave on that circuit
whatever the routing table prefers; traffic the router originates is never policy-routed by
pbrd (its rules match ``iif`` LAN interfaces), so steering never moves the probes.

fping prints one line per reply, ``TARGET : [SEQ], N bytes, RTT ms (...)``, and for some losses
``TARGET : [SEQ], timed out (...)``. A sequence number skipped before a later reply is a lost
probe too (a dead link prints a ``timed out`` line per probe). When fping prints nothing at all
for longer than :data:`SILENCE_S` (its own interface is down, or it hangs) the probes it should
have sent are counted lost from the schedule, so a circuit that goes silent breaches its SLA
instead of freezing its last figures. A probe's time is its scheduled send time: fping's start
plus ``SEQ × INTERVAL``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runbook_wan.agent.policy import Circuit
from runbook_wan.agent.runner import Runner, Stream
from runbook_wan.agent.window import Sample, SampleWindow

FPING = "fping"
#: ICMP payload bytes: 12 (fping's minimum) makes 40-byte IP packets.
PAYLOAD_BYTES = 12
IP_PACKET_BYTES = 20 + 8 + PAYLOAD_BYTES
#: A reply later than this is a lost probe: longer than any SLA worth steering for.
TIMEOUT_MS = 1000
METERED_TIMEOUT_MS = 2000
#: No output for this long (fping prints a line per reply or timeout; silence means its own interface
#: is down or it hangs): the probes it should have sent count as lost. Long enough that a machine
#: starving fping of CPU for a few seconds does not look like a dead link.
SILENCE_S = 10.0
#: A probe process that died is started again after this long.
RESTART_S = 5.0

_LINE = re.compile(r"^\S+ : \[(\d+)\], (?:\d+ bytes, ([\d.]+) ms|timed out)")


def parse_line(line: str) -> tuple[int, float | None] | None:
    """``(seq, rtt in seconds or None for a timeout)``, or None for any other line."""
    match = _LINE.match(line.strip())
    if match is None:
        return None
    rtt = match.group(2)
    return int(match.group(1)), (float(rtt) / 1000.0 if rtt is not None else None)


def timeout_ms(circuit: Circuit) -> int:
    return METERED_TIMEOUT_MS if circuit.metered else TIMEOUT_MS


def argv(circuit: Circuit) -> list[str]:
    return [
        FPING,
        "-l",
        "-p",
        str(circuit.probe.interval_ms),
        "-t",
        str(timeout_ms(circuit)),
        "-b",
        str(PAYLOAD_BYTES),
        "-I",
        circuit.interface,
        "-S",
        circuit.source,
        circuit.target,
    ]


def probe_bits_per_second(circuit: Circuit) -> float:
    """IP-level probe traffic of the circuit, each direction (echo out, reply back)."""
    return IP_PACKET_BYTES * 8 * 1000.0 / circuit.probe.interval_ms


@dataclass
class _Generation:
    """One run of fping: its start time and the next sequence number not yet accounted for."""

    stream: Stream
    started: float
    next_seq: int = 0
    progress: float = 0.0


class CircuitProbe:
    """Measures one circuit: keeps its fping running and its window of samples."""

    def __init__(self, circuit: Circuit, runner: Runner) -> None:
        self.circuit = circuit
        self.runner = runner
        self.interval_s = circuit.probe.interval_ms / 1000.0
        self.window = SampleWindow(circuit.probe.window_s, self.interval_s)
        self.sent_total = 0
        self.restarts = 0
        self._run: _Generation | None = None
        self._down_since: float | None = None
        self._accounted_until: float | None = None

    @property
    def pid(self) -> int | None:
        return self._run.stream.pid if self._run is not None else None

    def start(self, now: float) -> None:
        stream = self.runner.spawn(argv(self.circuit))
        self._run = _Generation(stream=stream, started=now, progress=now)
        self._down_since = None

    def _add(self, sample: Sample) -> None:
        self.window.add(sample)
        self.sent_total += 1
        self._accounted_until = sample.sent

    def feed(self, lines: list[str], now: float) -> None:
        """Account fping's new output lines, read at ``now``."""
        run = self._run
        if run is None:
            return
        for line in lines:
            parsed = parse_line(line)
            if parsed is None:
                continue
            seq, rtt = parsed
            if seq < run.next_seq:
                continue  # a late reply to a probe already counted lost
            for missing in range(run.next_seq, seq):
                self._add(Sample(run.started + missing * self.interval_s, None))
            self._add(Sample(run.started + seq * self.interval_s, rtt))
            run.next_seq = seq + 1
            run.progress = now

    def _expire(self, now: float) -> None:
        """Silence: count the probes fping should have sent (and heard back) by now as lost."""
        timeout_s = timeout_ms(self.circuit) / 1000.0
        run = self._run
        if run is not None:
            if now - run.progress < SILENCE_S:
                return
            while run.started + run.next_seq * self.interval_s + timeout_s < now:
                self._add(Sample(run.started + run.next_seq * self.interval_s, None))
                run.next_seq += 1
            return
        # no fping at all (it died): the schedule continues from the last probe accounted for
        last = self._accounted_until
        if last is None:
            last = (self._down_since if self._down_since is not None else now) - self.interval_s
        while last + self.interval_s + timeout_s < now:
            last += self.interval_s
            self._add(Sample(last, None))

    def poll(self, now: float) -> None:
        """Read fping's output, account silence, and restart fping if it died."""
        run = self._run
        if run is not None:
            self.feed(run.stream.read_lines(), now)
            if not run.stream.alive():
                self.feed(run.stream.read_lines(), now)
                run.stream.stop()
                self._run = None
                self._down_since = now
        if self._run is None and self._down_since is not None and now - self._down_since >= RESTART_S:
            self.restarts += 1
            self.start(now)
        self._expire(now)
        self.window.trim(now)

    def stop(self) -> None:
        if self._run is not None:
            self._run.stream.stop()
            self._run = None
