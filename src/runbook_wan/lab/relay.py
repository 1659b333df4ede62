"""Userspace link impairment: delay, jitter and loss between pairs of interfaces.

This kernel has no ``netem``, so impaired (wireless) circuits pass through a "relay box"
namespace: site ``lte0`` <-> box ``s-<site>`` | box ``p-<site>`` <-> carrier. This program runs
in the box and copies every Ethernet frame from one side of each pair to the other through
AF_PACKET sockets, after a delay of ``delay_ms`` +/- ``jitter_ms`` (uniform; never reordering
frames of one direction), dropping ``loss_pct`` percent of them. One process serves all pairs.
Rate limits are ``tbf`` qdiscs on the box interfaces, outside this program.

Run: ``python3 lab/relay.py CONFIG.json`` inside the box namespace. It uses only the standard
library so it runs without the project on ``sys.path``. CONFIG::

    {"seed": 1, "pairs": [{"a": "s-x", "b": "p-x", "delay_ms": 40, "jitter_ms": 10, "loss_pct": 0.5}]}

``SIGHUP`` re-reads CONFIG and applies each known pair's delay, jitter and loss from then on
(``lab impair`` and ``lab restore`` change them); pairs are fixed at start.
"""

from __future__ import annotations

import heapq
import json
import random
import selectors
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
RCVBUF = 4 * 1024 * 1024
MAX_FRAME = 65535


@dataclass
class Direction:
    """One way of one pair: frames read on ``rx`` leave on ``tx``."""

    rx: socket.socket
    tx: socket.socket
    delay: float
    jitter: float
    loss: float
    last_release: float = 0.0


@dataclass(order=True)
class Pending:
    release: float
    seq: int
    direction: Direction = field(compare=False)
    frame: bytes = field(compare=False)


def _open(ifname: str) -> socket.socket:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    sock.bind((ifname, ETH_P_ALL))
    sock.setblocking(False)
    return sock


def _params(pair: dict[str, float]) -> tuple[float, float, float]:
    return pair["delay_ms"] / 1000.0, pair["jitter_ms"] / 1000.0, pair["loss_pct"] / 100.0


def _directions(config: dict[str, object]) -> dict[tuple[str, str], list[Direction]]:
    out = {}
    pairs = config.get("pairs", [])
    assert isinstance(pairs, list)
    for pair in pairs:
        a, b = _open(str(pair["a"])), _open(str(pair["b"]))
        delay, jitter, loss = _params(pair)
        out[(str(pair["a"]), str(pair["b"]))] = [
            Direction(a, b, delay, jitter, loss),
            Direction(b, a, delay, jitter, loss),
        ]
    return out


def _reload(path: Path, directions: dict[tuple[str, str], list[Direction]]) -> None:
    try:
        pairs = json.loads(path.read_text()).get("pairs", [])
    except (OSError, ValueError):
        return  # keep the running settings
    for pair in pairs:
        for direction in directions.get((str(pair.get("a")), str(pair.get("b"))), []):
            direction.delay, direction.jitter, direction.loss = _params(pair)


def _receive(direction: Direction, rng: random.Random, queue: list[Pending], seq: int) -> int:
    now = time.monotonic()
    while True:
        try:
            frame, address = direction.rx.recvfrom(MAX_FRAME)
        except BlockingIOError:
            return seq
        except OSError:  # ENETDOWN after the interface went down: drop and carry on
            return seq
        if address[2] == PACKET_OUTGOING or rng.random() < direction.loss:
            continue
        release = max(now + direction.delay + rng.uniform(-direction.jitter, direction.jitter), direction.last_release)
        direction.last_release = release
        seq += 1
        heapq.heappush(queue, Pending(release, seq, direction, frame))


def _send_due(queue: list[Pending]) -> None:
    now = time.monotonic()
    while queue and queue[0].release <= now:
        item = heapq.heappop(queue)
        try:
            item.direction.tx.send(item.frame)
        except OSError:  # interface down or queue full: the frame is lost, as on a real link
            continue


def run(path: Path) -> None:
    config = json.loads(path.read_text())
    rng = random.Random(int(str(config.get("seed", 0))))
    selector = selectors.DefaultSelector()
    directions = _directions(config)
    for pair in directions.values():
        for direction in pair:
            selector.register(direction.rx, selectors.EVENT_READ, direction)
    reload_requested = []
    signal.signal(signal.SIGHUP, lambda *_: reload_requested.append(True))
    queue: list[Pending] = []
    seq = 0
    while True:
        if reload_requested:
            reload_requested.clear()
            _reload(path, directions)
        timeout = max(0.0, queue[0].release - time.monotonic()) if queue else 1.0
        for key, _ in selector.select(timeout):
            seq = _receive(key.data, rng, queue, seq)
        _send_due(queue)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run(Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
