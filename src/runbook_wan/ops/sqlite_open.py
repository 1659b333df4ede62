"""Opening Runbook's SQLite stores, and saying what is wrong with one when it cannot be used.

Every store (the incident store, the inbound answers beside it, the pane's users and sessions)
opens through :func:`connect` (or :func:`transaction`, :func:`session`), so they all behave alike:

* **Read-only** opens never write. A store in WAL mode needs its ``-shm`` file even to read; in a
  folder that cannot be written (a read-only mount, a snapshot, another user's state) SQLite
  cannot create it. When the store has no unmerged ``-wal`` file, nothing but the main file holds
  data, and it is opened as immutable (correct, since no one can write there either); when it
  has one, reading without it would show stale data, so the open is refused with the reason.
* **Every failure is a** :class:`StoreError`: a diagnostic naming the file, what is wrong (corrupt
  or truncated, not a store at all, disk full, read-only, locked) and what to do. It never carries
  a traceback, and the caller's transaction is rolled back, so a store is never left half-written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from runbook_wan.results import Diagnostic, DiagnosticError

#: Seconds a writer waits for another one (the notifier and `incidents ack` share the store).
BUSY_TIMEOUT = 10.0


class StoreError(DiagnosticError):
    """A store that cannot be opened, read or written; ``code`` says which way it failed."""

    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__([Diagnostic(code, message, hint=hint)])
        self.code = code
        self.reason = message

    @property
    def retryable(self) -> bool:
        """True when trying again later may work (space freed, lock released), as opposed to a broken file."""
        return self.code in ("store-full", "store-locked", "store-io")


def _uri(path: Path, *params: str) -> str:
    query = "&".join(params)
    return f"file:{quote(str(path))}" + (f"?{query}" if query else "")


#: How SQLite failures read: (SQLite error names, words of the message, code, what happened, what to do).
#: ``{path}``, ``{folder}``, ``{text}`` and ``{timeout}`` are filled in; the first row that fits wins.
_KINDS: tuple[tuple[tuple[str, ...], tuple[str, ...], str, str, str], ...] = (
    (
        ("SQLITE_FULL",),
        ("disk is full",),
        "store-full",
        "no space left on the device{written}",
        "free space under {folder}; the store itself is intact",
    ),
    (
        ("SQLITE_CORRUPT", "SQLITE_NOTADB"),
        ("malformed", "not a database"),
        "store-corrupt",
        "the file is corrupt or truncated ({text})",
        "move it aside (mv {path} {path}.broken) and restart the notifier, which starts a new store; "
        "`sqlite3 {path}.broken .recover` may save what it held",
    ),
    (
        ("SQLITE_READONLY",),
        ("readonly",),
        "store-read-only",
        "the store or its folder cannot be written",
        "check the permissions of {folder} and that it is not on a read-only mount",
    ),
    (
        ("SQLITE_BUSY", "SQLITE_LOCKED"),
        ("locked",),
        "store-locked",
        "another process held the store locked for more than {timeout:g} s",
        "try again; if it persists, look for a stuck process using it (fuser {path})",
    ),
    (
        ("SQLITE_CANTOPEN",),
        ("unable to open",),
        "store-cannot-open",
        "cannot open the file",
        "check that {path} is a file you may read and that its folder exists",
    ),
    (
        (),
        ("no such table", "no such column"),
        "store-schema",
        "the file is not a store this Runbook can read ({text})",
        "an empty file or one from another program: move it aside and restart the notifier, which starts a new store",
    ),
    (
        ("SQLITE_IOERR",),
        (),
        "store-io",
        "input/output error ({text})",
        "check the disk under {folder} (dmesg)",
    ),
)


def describe(exc: BaseException, path: Path, doing: str) -> StoreError:
    """The :class:`StoreError` for an exception raised while ``doing`` something with the store at ``path``."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    text = str(exc)
    if isinstance(exc, OSError):
        name = "SQLITE_FULL" if exc.errno == errno.ENOSPC else "SQLITE_IOERR"
        text = exc.strerror or text
    if name.startswith("SQLITE_IOERR") and _no_space(path.parent):
        name = "SQLITE_FULL"  # a write to the -wal or -shm of an open store fails as an I/O error
    written = "" if doing in ("reading", "checking", "opening") else "; nothing of this change was written"
    fill = {"path": path, "folder": path.parent, "text": text, "timeout": BUSY_TIMEOUT, "written": written}
    for names, words, code, message, hint in _KINDS:
        if any(name.startswith(n) for n in names) or any(w in text for w in words):
            return StoreError(code, f"{doing} {path}: " + message.format(**fill), hint.format(**fill))
    return StoreError("store-error", f"{doing} {path}: {text}", "see the SQLite message; the store was not changed")


def _no_space(folder: Path) -> bool:
    try:
        return os.statvfs(folder).f_bavail == 0
    except OSError:
        return False


def _folder_writable(path: Path) -> bool:
    return os.access(path.parent, os.W_OK) and not _on_read_only_mount(path.parent)


def _on_read_only_mount(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _unmerged(path: Path) -> bool:
    wal = Path(f"{path}-wal")
    return wal.exists() and wal.stat().st_size > 0


def _open_read_only(path: Path) -> sqlite3.Connection:
    """Read-only, without creating ``-shm``/``-wal`` where they cannot be created.

    A reader of a WAL store needs the ``-shm`` file (SQLite creates it if it is missing). In a folder
    that cannot be written, or on a full disk, it cannot be created: then the main file alone holds
    everything, unless a ``-wal`` with changes is there, which is said instead of showing stale data.
    """
    if _folder_writable(path) or Path(f"{path}-shm").exists():
        db = sqlite3.connect(_uri(path, "mode=ro"), uri=True, timeout=BUSY_TIMEOUT)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError as exc:
            db.close()
            name = str(getattr(exc, "sqlite_errorname", "") or "")
            if not (
                name.startswith(("SQLITE_IOERR_SHM", "SQLITE_CANTOPEN", "SQLITE_READONLY")) and not _unmerged(path)
            ):
                raise
    elif _unmerged(path):
        raise StoreError(
            "store-read-only",
            f"cannot read {path}: its folder cannot be written and the store has changes in {path.name}-wal "
            "that only a reader with its -shm file can see",
            f"copy {path.parent} somewhere writable and point --state there, or let the process that wrote "
            "it (the notifier) stop cleanly, which merges the changes into the main file",
        )
    return sqlite3.connect(_uri(path, "mode=ro", "immutable=1"), uri=True, timeout=BUSY_TIMEOUT)


def prepare_writer(db: sqlite3.Connection) -> None:
    """Write-ahead log; a commit is durable once in the log, synced at checkpoints (``synchronous=NORMAL``).

    An acknowledgement then costs no fsync of its own: on a busy disk that was most of the time from a
    reply to the incident acknowledged (``bench/results/engagement.json``). The store survives a crash of
    any process; only a power cut can lose the last commits before a checkpoint.
    """
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """A connection to the store at ``path`` (rows as :class:`sqlite3.Row`); raises :class:`StoreError`."""
    try:
        if readonly:
            if not path.is_file():
                raise StoreError(
                    "store-missing", f"no store at {path}", "the notifier creates it; pass the same --state"
                )
            db = _open_read_only(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not _folder_writable(path) or (path.exists() and not os.access(path, os.W_OK)):
                raise StoreError(
                    "store-read-only",
                    f"cannot write {path}: it or its folder is read-only (a read-only mount or permissions); "
                    "the store also writes -wal and -shm files beside it",
                    f"run this where {path.parent} can be written, or with the --state of the notifier's host",
                )
            db = sqlite3.connect(_uri(path), uri=True, timeout=BUSY_TIMEOUT)
    except (sqlite3.Error, OSError) as exc:
        raise describe(exc, path, "opening") from None
    db.row_factory = sqlite3.Row
    return db


@contextmanager
def transaction(
    path: Path, *, readonly: bool, doing: str = "using", write: bool = True, wal: bool = False
) -> Iterator[sqlite3.Connection]:
    """One transaction on the store: committed when the block ends, rolled back (and described) on error.

    A transaction that writes takes the write lock at its start (``BEGIN IMMEDIATE``), so what it
    reads cannot change before it writes; one that only reads (``write=False``, or a read-only
    open) takes none and runs beside the writer (WAL). ``wal``: a writer's connection is set up by
    :func:`prepare_writer` (the incident store and the inbound answers beside it).
    """
    db = connect(path, readonly=readonly)
    try:
        db.isolation_level = None  # transactions by hand: BEGIN IMMEDIATE for writers
        if wal and not readonly:
            prepare_writer(db)
        db.execute("BEGIN IMMEDIATE" if write and not readonly else "BEGIN")
        try:
            yield db
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    except (sqlite3.Error, OSError) as exc:
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already (SQLITE_FULL)
                db.execute("ROLLBACK")
        raise describe(exc, path, doing) from None
    finally:
        db.close()


@contextmanager
def session(path: Path, *, readonly: bool, doing: str = "using", wal: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection in Python's usual transaction handling (``with db``: commit, or roll back on error),
    for stores that manage their own ``BEGIN``; every SQLite failure becomes a :class:`StoreError`."""
    db = connect(path, readonly=readonly)
    try:
        if wal and not readonly:
            prepare_writer(db)
        with db:
            yield db
    except (sqlite3.Error, OSError) as exc:
        raise describe(exc, path, doing) from None
    finally:
        db.close()
