"""One rollout at a time: an exclusive lock file under the state folder, with stale detection."""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from runbook_wan.results import Diagnostic


@dataclass(frozen=True)
class LockInfo:
    rollout_id: str
    pid: int
    host: str
    user: str
    started: float


class LockHeldError(Exception):
    def __init__(self, info: LockInfo) -> None:
        self.info = info
        super().__init__(f"rollout {info.rollout_id} holds the lock")

    def diagnostic(self, path: Path) -> Diagnostic:
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.info.started))
        return Diagnostic(
            "rollout-locked",
            f"another rollout is running: {self.info.rollout_id} by {self.info.user} on {self.info.host} "
            f"(pid {self.info.pid}) since {since}",
            hint=f"wait for it to finish; if that process is gone from its host, remove {path}",
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RolloutLock:
    """``with RolloutLock(path, id, user):`` - raises :class:`LockHeldError` if a live rollout holds it."""

    def __init__(self, path: Path, rollout_id: str, user: str) -> None:
        self.path = path
        self.info = LockInfo(rollout_id, os.getpid(), socket.gethostname(), user, time.time())
        self.stale: LockInfo | None = None

    def read(self) -> LockInfo | None:
        try:
            return LockInfo(**json.loads(self.path.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                holder = self.read()
                if holder is not None and (holder.host != socket.gethostname() or _alive(holder.pid)):
                    raise LockHeldError(holder) from None
                # Stale: its process is gone (crashed or killed). Take it over, and say so.
                self.stale = holder
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as handle:
                json.dump(asdict(self.info), handle)
            return
        raise LockHeldError(self.read() or self.info)

    def release(self) -> None:
        holder = self.read()
        if holder is not None and holder.pid == self.info.pid and holder.rollout_id == self.info.rollout_id:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> RolloutLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def live_holder(path: Path) -> LockInfo | None:
    """The rollout holding the lock at ``path`` now, or None (no lock, or its process is gone)."""
    try:
        holder = LockInfo(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if holder.host == socket.gethostname() and not _alive(holder.pid):
        return None
    return holder
