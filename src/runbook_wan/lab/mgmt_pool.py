"""Management networks for labs beside other labs: picked under a lock, and held once picked.

A lab's management network is picked (:func:`runbook_wan.lab.builder.free_management_network`)
before the lab is built, sometimes a minute before: a test derives its intents from it first, a
twin proof plans its lab. Two labs starting at once would both see the same network free, and the
second ``lab up`` would then refuse it (``lab-mgmt-in-use``). So a pick is made under a file lock
and recorded in :data:`RESERVED`, one file per network holding the picking process and the time;
later picks skip it while that process lives, for at most :data:`HOLD_S`. By then the lab's bridge
holds an address of the network, which every pick skips anyway.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import ipaddress
import os
import time
from collections.abc import Iterator
from pathlib import Path

#: Reservations, one file per network (``198.19.128.0_24``); the lab runs as root, /run is local.
RESERVED = Path("/run/lock/runbook-lab-mgmt")
#: How long a pick is held for a live process that has not built its lab yet.
HOLD_S = 900.0
_LOCK = ".lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM  # another user's process is alive too
    return True


@contextlib.contextmanager
def picking() -> Iterator[bool]:
    """Hold the pick lock while choosing and reserving; yields whether reservations can be kept (no
    writable folder: picks are not coordinated, as before)."""
    try:
        RESERVED.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = (RESERVED / _LOCK).open("a")
    except OSError:
        yield False
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield True


def held(now: float | None = None) -> list[ipaddress.IPv4Network]:
    """Networks another pick holds (call under :func:`picking`); lapsed reservations are removed."""
    now = time.time() if now is None else now
    out: list[ipaddress.IPv4Network] = []
    try:
        entries = [e for e in RESERVED.iterdir() if e.name != _LOCK]
    except OSError:
        return out
    for entry in entries:
        try:
            pid_text, _, since_text = entry.read_text(encoding="ascii").partition(" ")
            pid, since = int(pid_text), float(since_text)
            network = ipaddress.IPv4Network(entry.name.replace("_", "/"))
        except (OSError, ValueError):
            entry.unlink(missing_ok=True)
            continue
        if now - since > HOLD_S or not _alive(pid):
            entry.unlink(missing_ok=True)
            continue
        out.append(network)
    return out


def hold(network: ipaddress.IPv4Network, now: float | None = None) -> None:
    """Record ``network`` as picked by this process (call under :func:`picking`)."""
    now = time.time() if now is None else now
    path = RESERVED / str(network).replace("/", "_")
    with contextlib.suppress(OSError):
        path.write_text(f"{os.getpid()} {now:.3f}", encoding="ascii")
