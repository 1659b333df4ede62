"""Digests of the files a build read or wrote, kept while the file is untouched (git's index idea).

Proving 10,000 sites unchanged means knowing the digest of 10,000 site files and 30,000 outputs;
reading them all costs more than the rest of a one-site render. So this machine remembers, for
each file it digested, its size, modification time, change time and inode: while all four are the
same, the file is the same and its digest is reused without reading it. The change time cannot be
set by a user (``touch`` sets the modification time, any write sets the change time), and a file
whose times are within two seconds of the moment the index was written is not trusted next time (a
write in the same clock tick would not show), so an edited file is always read again.

Kept in the state folder (``<state>/build/stat-index``), one line per file; losing it only costs a
slower build.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from runbook_wan.atomic_files import write_file
from runbook_wan.build.inputs import digest_bytes

INDEX = "build/stat-index"
#: A file changed this close to the index being written is read again next time (a racy entry).
RACY_S = 2.0


def file_stat(path: str) -> tuple[str, int] | None:
    """The file's size, modification time, change time and inode as the index writes them, and the
    later of its two times (None: no such file)."""
    try:
        info = os.stat(path)  # noqa: PTH116 - a string: no Path built for each of 40,000 files
    except OSError:
        return None
    mtime, ctime = info.st_mtime_ns, info.st_ctime_ns
    return f"{info.st_size}\t{mtime}\t{ctime}\t{info.st_ino}", max(mtime, ctime)


@dataclass(frozen=True)
class FileDigest:
    """One file's digest as a build process found it (plain data: a worker sends it to the parent)."""

    key: str
    digest: str
    #: The file's stat, when it was read to find the digest (the index records it); None when known.
    stat: tuple[str, int] | None = None


class StatIndex:
    """File digests by absolute path, valid while the file's stat is unchanged."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        #: Absolute path -> (its stat as the index line holds it: size, times and inode; its digest).
        self.entries: dict[str, tuple[str, str]] = {}
        #: Entries recorded by this run -> the later of the file's times (racy ones are not saved).
        self._stamps: dict[str, int] = {}
        self.changed = False
        self._cwd: str | None = None
        if path is None:
            return
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        # Stats are compared as text, not parsed: a damaged line never equals a file's stat.
        for line in text.splitlines():
            name, _, rest = line.partition("\t")
            stat, _, digest = rest.rpartition("\t")
            if stat.count("\t") == 3 and digest:
                self.entries[name] = (stat, digest)

    def _key(self, path: Path | str) -> str:
        """The absolute path, as :meth:`pathlib.Path.absolute` gives it (without a ``getcwd`` per file:
        10,000 sites ask for 40,000 files)."""
        name = str(path)
        if name.startswith("/"):
            return name
        if self._cwd is None:
            self._cwd = str(Path.cwd())
        return f"{self._cwd.rstrip('/')}/{name}" if name != "." else self._cwd

    def digest(self, path: Path | str) -> str | None:
        """The digest of the file's bytes (None: it cannot be read)."""
        found = self.find(path)
        if found is None:
            return None
        self.adopt(found)
        return found.digest

    def find(self, path: Path | str) -> FileDigest | None:
        """The file's digest, from the index or read, without recording it (a worker process finds,
        the parent adopts). None: it cannot be read."""
        key = self._key(path)
        before = file_stat(key)
        if before is None:
            return None
        known = self.entries.get(key)
        if known is not None and known[0] == before[0]:
            return FileDigest(key, known[1])
        try:
            data = Path(key).read_bytes()
        except OSError:
            return None
        digest = digest_bytes(data)
        return FileDigest(key, digest, before if file_stat(key) == before else None)  # not written while read

    def adopt(self, found: FileDigest) -> None:
        """Record what :meth:`find` read (here or in a worker)."""
        if found.stat is not None:
            self._record(found.key, found.stat, found.digest)

    def _record(self, key: str, stat: tuple[str, int], digest: str) -> None:
        self.entries[key] = (stat[0], digest)
        self._stamps[key] = stat[1]
        self.changed = True

    def wrote(self, path: Path | str, digest: str, stat: tuple[str, int] | None = None) -> None:
        """A file this build just wrote, whose digest it knows; ``stat``: its :func:`file_stat`, when
        the process that wrote it took it (and nothing has changed the file since)."""
        key = self._key(path)
        found = stat or file_stat(key)
        if found is not None and self.path is not None:
            self._record(key, found, digest)

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        settled = time.time_ns() - int(RACY_S * 1e9)
        stamps = self._stamps
        # An entry read from the index was settled when it was written, so it is now.
        lines = [
            f"{name}\t{stat}\t{digest}\n"
            for name, (stat, digest) in sorted(self.entries.items())
            if stamps.get(name, 0) < settled
        ]
        with contextlib.suppress(OSError):  # an index not written only means reading files again
            write_file(self.path, "".join(lines))
