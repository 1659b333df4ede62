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
from pathlib import Path

from runbook_wan.atomic_files import write_file
from runbook_wan.build.inputs import digest_bytes

INDEX = "build/stat-index"
#: A file changed this close to the index being written is read again next time (a racy entry).
RACY_S = 2.0

_Stat = tuple[int, int, int, int]


def _stat(path: str) -> _Stat | None:
    try:
        info = os.stat(path)  # noqa: PTH116 - a string: no Path built for each of 40,000 files
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


class StatIndex:
    """File digests by absolute path, valid while the file's stat is unchanged."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, tuple[_Stat, str]] = {}
        self.changed = False
        self._cwd: str | None = None
        if path is None:
            return
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) == 6 and all(p.isdigit() for p in parts[1:5]):
                name, size, mtime, ctime, inode, digest = parts
                self.entries[name] = ((int(size), int(mtime), int(ctime), int(inode)), digest)

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
        key = self._key(path)
        before = _stat(key)
        if before is None:
            return None
        known = self.entries.get(key)
        if known is not None and known[0] == before:
            return known[1]
        try:
            data = Path(key).read_bytes()
        except OSError:
            return None
        digest = digest_bytes(data)
        if _stat(key) == before:  # not written while it was read
            self.entries[key] = (before, digest)
            self.changed = True
        return digest

    def wrote(self, path: Path, digest: str) -> None:
        """A file this build just wrote, whose digest it knows."""
        key = self._key(path)
        found = _stat(key)
        if found is not None and self.path is not None:
            self.entries[key] = (found, digest)
            self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        settled = time.time_ns() - int(RACY_S * 1e9)
        lines = [
            f"{name}\t{stat[0]}\t{stat[1]}\t{stat[2]}\t{stat[3]}\t{digest}\n"
            for name, (stat, digest) in sorted(self.entries.items())
            if max(stat[1], stat[2]) < settled
        ]
        with contextlib.suppress(OSError):  # an index not written only means reading files again
            write_file(self.path, "".join(lines))
