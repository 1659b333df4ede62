"""Replays RECORDED fping and vtysh output into the agent, on a clock the test moves.

The recordings in ``recorded/`` were captured from FRR 8.4.4 and Debian's fping 5.1 in the lab
(site chi-021): ``fping-*.txt`` hold one line per output line, prefixed with the seconds since
fping started; ``vtysh-*.txt`` are the exact output of the agent's read command
(``show pbr map json`` + ``show pbr nexthop-groups json``). ``chi-021.agent.json`` is a HAND-BUILT
policy for that site (docs/agent.md format).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from runbook_wan.agent.runner import Completed, Stream

RECORDED = Path(__file__).resolve().parent / "recorded"
POLICY = RECORDED / "chi-021.agent.json"
#: Recorded: vtysh refusing a configure line (exit 1, the message on stdout, no "%").
RECORDED_VTYSH_REFUSAL = Completed(1, "Specified Intf banana does not exist\n", "")


def recording(name: str) -> list[tuple[float, str]]:
    """``[(seconds since start, line)]`` of a recorded fping run."""
    out = []
    for raw in (RECORDED / name).read_text().splitlines():
        if raw.strip():
            stamp, _, line = raw.partition(" ")
            out.append((float(stamp), line))
    return out


def looped(name: str, seconds: float) -> list[tuple[float, str]]:
    """A recording of fping with 100 ms probes, repeated (sequence numbers continued) for ``seconds``."""
    base = recording(name)
    length = max(t for t, _ in base) + 0.1
    out: list[tuple[float, str]] = []
    offset, seq_offset = 0.0, 0
    while offset < seconds:
        top = 0
        for t, text in base:
            head, _, rest = text.partition("[")
            number, _, tail = rest.partition("]")
            if number.isdigit():
                top = max(top, int(number))
                text = f"{head}[{int(number) + seq_offset}]{tail}"  # noqa: PLW2901 - renumbered copy
            out.append((t + offset, text))
        offset += length
        seq_offset += top + 1
    return [(t, line) for t, line in out if t < seconds]


class Clock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class ReplayStream:
    """A recorded fping: lines appear when the clock passes their time; it "exits" after the last
    line if the recording ended with the process exiting."""

    lines: list[tuple[float, str]]
    clock: Clock
    started: float
    exits: bool = False
    pid: int = 4242
    _next: int = 0
    stopped: bool = False

    def read_lines(self) -> list[str]:
        elapsed = self.clock() - self.started
        out = []
        while self._next < len(self.lines) and self.lines[self._next][0] <= elapsed:
            out.append(self.lines[self._next][1])
            self._next += 1
        return out

    def alive(self) -> bool:
        return not self.stopped and not (self.exits and self._next >= len(self.lines))

    def stop(self) -> None:
        self.stopped = True


@dataclass
class RecordedRunner:
    """fping per interface: a list of recordings, one per (re)start; vtysh reads: recorded outputs,
    in turn (the last one repeats); configure calls are kept and answered as vtysh does on success."""

    clock: Clock
    fping: dict[str, list[tuple[list[tuple[float, str]], bool]]]
    reads: list[str]
    configure_answer: Completed = field(default_factory=lambda: Completed(0, "", ""))
    configured: list[list[str]] = field(default_factory=list)
    spawned: list[list[str]] = field(default_factory=list)
    read_calls: int = 0

    def run(self, argv: list[str], timeout: float = 10.0) -> Completed:
        del timeout  # recorded answers come at once
        commands = [argv[i + 1] for i, a in enumerate(argv) if a == "-c"]
        if commands and commands[0] == "configure terminal":
            self.configured.append(commands[1:])
            return self.configure_answer
        text = self.reads[min(self.read_calls, len(self.reads) - 1)]
        self.read_calls += 1
        return Completed(0, text, "")

    def spawn(self, argv: list[str]) -> Stream:
        self.spawned.append(argv)
        interface = argv[argv.index("-I") + 1]
        runs = self.fping[interface]
        lines, exits = runs.pop(0) if len(runs) > 1 else runs[0]
        return ReplayStream(lines, self.clock, self.clock(), exits)


def read_text(name: str) -> str:
    return (RECORDED / name).read_text()


def _renumber(line: str, offset: int) -> tuple[str, int]:
    head, _, rest = line.partition("[")
    number, _, tail = rest.partition("]")
    if not number.isdigit():
        return line, -1
    return f"{head}[{int(number) + offset}]{tail}", int(number) + offset


def spliced(*parts: tuple[str, float]) -> list[tuple[float, str]]:
    """Recordings of 100 ms fping runs one after another (each looped to its length), as one run:
    e.g. 30 s clean, then 30 s at 5 % loss."""
    out: list[tuple[float, str]] = []
    start, next_seq = 0.0, 0
    for name, seconds in parts:
        top = next_seq - 1
        for t, line in looped(name, seconds):
            text, seq = _renumber(line, next_seq)
            top = max(top, seq)
            out.append((start + t, text))
        start += seconds
        next_seq = max(top + 1, next_seq + int(seconds * 10))
    return out
