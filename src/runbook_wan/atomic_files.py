"""Output written all or nothing, and output paths checked before any work.

* :func:`check_outputs` -- before a command renders anything or touches a device, every file and
  folder it will write is checked (parent exists and is a folder, the path is not a folder, it can
  be written); all problems are reported together as diagnostics.
* :func:`write_file` -- one file: written to a temporary file beside it, flushed, then renamed
  over the target, so a reader sees the old file or the new one, never half of one.
* :func:`write_folder` -- a set of files in one folder (``configs/``, ``monitoring/``, generated
  docs): every new content is staged first (a full disk or a bad entry fails here, before any
  visible change), then the staged files are renamed into place and stale ones removed; if any of
  those renames fails, the files already replaced are put back. Either every file changes or none.
* :class:`FolderStage` -- the same, streamed: files are staged one at a time as they are produced
  (by worker processes too, :func:`stage_file`), so memory holds one file, not the folder; replaced
  files are kept aside by hard link until the commit is complete. The staged files are made durable
  with one ``syncfs`` before the first rename.
* :class:`NewFolder` -- a folder that does not exist yet (a first render): built whole under a
  hidden name beside it, then made visible by one rename of the folder;
  :func:`remove_leftovers` removes the hidden folders that killed runs left behind.

Limit, stated plainly: the renames are atomic one by one, not as a set. If the process is killed
(SIGKILL, power loss) in the middle of the rename loop -- microseconds for hundreds of files --
the folder holds a mix of old and new files; re-running the command converges.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from runbook_wan.results import Diagnostic, DiagnosticError, SourceLocation


def _problem(path: Path, what: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic("output-path", f"{what}: {message}", location=SourceLocation(str(path)), hint=hint)


def _nearest_existing(path: Path) -> Path:
    current = path
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def output_file_problem(path: Path, what: str) -> Diagnostic | None:
    """Why ``path`` cannot be written as a file (``what`` names the option, e.g. ``--out``), or None.

    Missing parent folders are fine (they are created), as long as the nearest existing one is a
    folder we can write to.
    """
    if path.is_dir():
        return _problem(path, what, "is a folder", "name a file, e.g. " + str(path / "report.json"))
    existing = _nearest_existing(path.parent)
    if not existing.is_dir():
        return _problem(path, what, f"{existing} is a file, not a folder", "name a file inside a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        return _problem(path, what, f"folder {existing} is not writable", "choose a folder you can write to")
    if path.exists() and not os.access(path, os.W_OK):
        return _problem(path, what, "exists and is not writable", "choose another file or fix its permissions")
    return None


def output_folder_problem(path: Path, what: str) -> Diagnostic | None:
    """Why ``path`` cannot be used (or created) as an output folder, or None."""
    if path.exists() and not path.is_dir():
        return _problem(path, what, "is a file, not a folder", "name a folder (it is created if missing)")
    existing = _nearest_existing(path)
    if not existing.is_dir():
        return _problem(path, what, f"{existing} is a file, not a folder", "name a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        return _problem(path, what, f"folder {existing} is not writable", "choose a folder you can write to")
    return None


def input_folder_problem(path: Path, what: str) -> Diagnostic | None:
    """An input folder that exists but is not a folder (a missing one may be fine), or None."""
    if path.exists() and not path.is_dir():
        return _problem(path, what, "is a file, not a folder", "name a folder")
    return None


def check_outputs(
    files: Iterable[tuple[Path | None, str]] = (),
    folders: Iterable[tuple[Path | None, str]] = (),
    inputs: Iterable[tuple[Path | None, str]] = (),
) -> None:
    """Raise :class:`DiagnosticError` with every problem of the given (path, option) pairs."""
    problems = [
        *(output_file_problem(p, w) for p, w in files if p is not None),
        *(output_folder_problem(p, w) for p, w in folders if p is not None),
        *(input_folder_problem(p, w) for p, w in inputs if p is not None),
    ]
    found = [p for p in problems if p is not None]
    if found:
        raise DiagnosticError(found)


#: A staged file's name: ``.<name>.<random>.tmp``, the random part this many bytes, in hex.
_TEMP_BYTES = 4
_TEMP_SUFFIX = ".tmp"
#: A file staged by :func:`stage_file` and not yet renamed into place (:func:`remove_staged_leftovers`).
_STAGED = re.compile(rf"\..+\.[0-9a-f]{{{2 * _TEMP_BYTES}}}{re.escape(_TEMP_SUFFIX)}")


def _write_temp(folder: Path, name: str, data: bytes, mode: int | None, sync: bool = True) -> Path:
    """``data`` in a new hidden file beside ``name`` (``sync``: flushed to disk before returning)."""
    temp = folder / f".{name}.{secrets.token_hex(_TEMP_BYTES)}{_TEMP_SUFFIX}"
    _write_exclusive(temp, data, mode, sync)
    return temp


def _write_exclusive(path: Path, data: bytes, mode: int | None, sync: bool) -> None:
    """``data`` in the new file ``path`` (an existing one is an error: nothing is overwritten)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_file(path: Path, text: str | bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` in one rename (``mode``: permissions of a new file); missing
    parent folders are created."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _write_temp(path.parent, path.name, data, mode)
    try:
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


@dataclass(frozen=True)
class FolderWrite:
    """What :func:`write_folder` did, by file name."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _name_problem(folder: Path, name: str) -> Diagnostic | None:
    """Why ``name`` cannot be written under ``folder`` (not a plain relative name, a parent that is a file)."""
    parts = name.split("/")
    if not name or any(not part or part.startswith(".") for part in parts):
        return _problem(folder / name, "output", "is not a plain relative file name", "this is a bug in Runbook")
    return _parent_problem(folder, parts[:-1])


def _parent_problem(folder: Path, parents: list[str]) -> Diagnostic | None:
    """A sub-folder of a nested name that exists but is not a folder."""
    current = folder
    for part in parents:
        current = current / part
        if current.exists() and not current.is_dir():
            return Diagnostic(
                "output-path",
                "is a file, where a folder is to be written",
                location=SourceLocation(str(current)),
                hint="move it away; nothing was written",
            )
    return None


def _temp_beside(target: Path, data: bytes) -> Path:
    """A temporary file in the target's own folder (created if missing), so the rename is atomic."""
    try:
        return _write_temp(target.parent, target.name, data, None, False)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        return _write_temp(target.parent, target.name, data, None, False)


@dataclass(frozen=True)
class Staged:
    """A file of a folder write, written beside its target under a temporary name (not yet visible)."""

    name: str
    temp: str
    #: A file is there now (it is kept aside until the write is complete, to be put back on failure).
    replaces: bool


@dataclass
class StageResult:
    """What staging some files did: staged (changed), unchanged, and why any could not be staged.

    Built file by file (in a worker process too: it is plain data), merged by :class:`FolderStage`.
    """

    staged: list[Staged] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: ``check`` mode: files whose content differs (nothing was written).
    differs: list[str] = field(default_factory=list)
    problems: list[tuple[str, Diagnostic]] = field(default_factory=list)
    #: The first failure to read an existing file or to write a temporary one: (name, kind, reason).
    failure: tuple[str, str, str] | None = None

    def merge(self, other: StageResult) -> None:
        self.staged += other.staged
        self.unchanged += other.unchanged
        self.differs += other.differs
        self.problems += other.problems
        if other.failure is not None and (self.failure is None or other.failure[0] < self.failure[0]):
            self.failure = other.failure


def _same_content(
    folder: Path, name: str, data: bytes, into: StageResult
) -> Literal["same", "differs", "missing"] | None:
    """Whether ``folder/name`` already holds ``data`` ("same"), holds other bytes as a regular file
    ("differs") or is not there ("missing"); None when it cannot be written there (the problem or
    failure is recorded in ``into``)."""
    target = folder / name
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return "missing"
    try:
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            problem = Diagnostic(
                "output-path",
                f"is {kind}, where a file is to be written",
                location=SourceLocation(str(target)),
                hint="move it away; nothing was written",
            )
            into.problems.append((name, problem))
            return None
        return "same" if info.st_size == len(data) and target.read_bytes() == data else "differs"
    except OSError as exc:
        into.failure = into.failure or (name, "read", exc.strerror or str(exc))
        return None


def stage_file(
    folder: Path, name: str, text: str | bytes, into: StageResult, check: bool = False, new: bool = False
) -> None:
    """Compare ``folder/name`` with ``text`` and, when it differs, write the new content beside it
    under a temporary name (``check``: only record that it differs). Nothing visible changes.

    ``new``: ``folder`` is the hidden folder of a :class:`NewFolder`, empty but for what is staged
    in it, so the file is written under its own name (there is nothing to compare with)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    problem = _name_problem(folder, name)
    if problem is not None:
        into.problems.append((name, problem))
        return
    if new:
        if into.failure is None:
            target = folder / name
            try:
                try:
                    _write_exclusive(target, data, None, False)
                except FileNotFoundError:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    _write_exclusive(target, data, None, False)
            except OSError as exc:
                into.failure = (name, "write", exc.strerror or str(exc))
                return
            into.staged.append(Staged(name, str(target), False))
        return
    found = _same_content(folder, name, data, into)
    if found is None:
        return
    if found == "same":
        into.unchanged.append(name)
    elif check:
        into.differs.append(name)
    elif into.failure is None:  # after a full disk or an unreadable folder, stop writing
        target = folder / name
        replaces = found == "differs"  # a regular file is there (the lstat above), kept aside on commit
        try:
            temp = _temp_beside(target, data)
        except OSError as exc:
            into.failure = (name, "write", exc.strerror or str(exc))
            return
        into.staged.append(Staged(name, str(temp), replaces))


def _syncfs(folder: Path, staged: list[Staged]) -> None:
    """Make every staged file durable before any rename: one ``syncfs`` of the folder's file
    system (an fsync per file costs about a millisecond each on ext4), else an fsync per file."""
    try:
        import ctypes  # noqa: PLC0415 - only writes of many files need it

        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        syncfs = None
    if syncfs is not None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for item in staged:
        fd = os.open(item.temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _keep_aside(target: Path) -> Path:
    """A second name for the current file (a hard link; a copy where links are not supported)."""
    backup = target.parent / f".{target.name}.{secrets.token_hex(4)}.old"
    try:
        os.link(target, backup)
    except OSError:
        backup = _write_temp(target.parent, target.name, target.read_bytes(), None, False)
    return backup


class FolderStage:
    """A folder write built up file by file, then made visible all at once (:meth:`commit`).

    Memory holds one file at a time: each new content is staged beside its target as soon as it is
    known (:func:`stage_file`, here or in worker processes), and nothing is visible until every
    file is staged. ``commit`` renames the staged files into place, keeping each replaced or removed
    file aside under a second name until the last rename is done, so a failure puts every file back.
    """

    def __init__(self, folder: Path) -> None:
        problem = output_folder_problem(folder, "output folder")
        if problem is not None:
            raise DiagnosticError([problem])
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DiagnosticError(
                [_problem(folder, "output folder", f"cannot be created: {exc.strerror}", "check it")]
            ) from None
        self.folder = folder
        self.result = StageResult()

    def put(self, name: str, text: str | bytes) -> None:
        stage_file(self.folder, name, text, self.result)

    def adopt(self, result: StageResult) -> None:
        """Files staged elsewhere (a worker process) for this folder."""
        self.result.merge(result)

    def stale(self, keep: Callable[[str], bool], prune: Callable[[str], bool]) -> list[str]:
        """Regular files of the folder that ``prune`` selects and ``keep`` does not."""
        found = []
        with os.scandir(self.folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or keep(name) or not prune(name):
                    continue
                if entry.is_file(follow_symlinks=False):
                    found.append(name)
        return sorted(found)

    def abort(self) -> None:
        """Remove every staged file: nothing changes."""
        for item in self.result.staged:
            Path(item.temp).unlink(missing_ok=True)
        self.result.staged = []

    def _raise_problems(self) -> None:
        result = self.result
        if result.failure is not None and result.failure[1] == "read":
            self.abort()
            raise DiagnosticError(
                [_problem(self.folder, "output folder", f"cannot be read: {result.failure[2]}", "check it")]
            )
        if result.problems:
            self.abort()
            raise DiagnosticError([problem for _, problem in sorted(result.problems, key=lambda item: item[0])])
        if result.failure is not None:
            self.abort()
            name, _, reason = result.failure
            raise DiagnosticError(
                [
                    _problem(
                        self.folder / name,
                        "output",
                        f"cannot be written ({reason})",
                        "nothing was changed; free space?",
                    )
                ]
            )

    def commit(self, remove: Iterable[str] = ()) -> FolderWrite:
        """Make every staged file visible and remove ``remove``, all or nothing."""
        self._raise_problems()
        staged = sorted(self.result.staged, key=lambda item: item.name)
        try:
            _syncfs(self.folder, staged)
        except OSError as exc:
            self.abort()
            raise DiagnosticError(
                [_problem(self.folder, "output folder", f"cannot be written ({exc.strerror})", "retry")]
            ) from None
        done: list[tuple[str, Path | None]] = []
        removed = sorted(remove)
        folder = str(self.folder)
        try:
            # Targets as strings, not Path objects: a 10,000-site render renames 30,000 files here.
            for item in staged:
                into = os.path.join(folder, item.name)  # noqa: PTH118
                backup = _keep_aside(Path(into)) if item.replaces else None
                done.append((item.name, backup))
                os.replace(item.temp, into)  # noqa: PTH105
            for name in removed:
                target = self.folder / name
                done.append((name, _keep_aside(target)))
                target.unlink()
        except OSError as exc:
            self.abort()
            failed = _restore(self.folder, done)
            outcome = f"could not restore {', '.join(failed)}" if failed else "every file was put back"
            raise DiagnosticError(
                [
                    _problem(
                        self.folder,
                        "output folder",
                        f"a file could not be replaced ({exc.strerror}); {outcome}",
                        "retry",
                    )
                ]
            ) from None
        for _, backup in done:
            if backup is not None:
                backup.unlink(missing_ok=True)
        subfolders = {item.name.rpartition("/")[0] for item in staged}
        for written in sorted({self.folder / sub for sub in subfolders} | {self.folder}):
            _fsync_folder(written)
        self.result.staged = []
        return FolderWrite(
            written=[item.name for item in staged], unchanged=sorted(self.result.unchanged), removed=removed
        )


#: Random bytes in a hidden folder's name (``.configs.<8 hex digits>.new``).
_HIDDEN_HEX = 4


def remove_leftovers(folder: Path) -> list[str]:
    """Remove the hidden folders of :class:`NewFolder` beside ``folder`` that runs killed before
    their rename left behind; returns their names. They hold only output a render makes again. A
    render running at the same moment into the same place would lose its hidden folder and fail,
    writing nothing (renders of one workspace are meant to run one at a time)."""
    removed: list[str] = []
    head, tail = f".{folder.name}.", ".new"
    try:
        entries = sorted(folder.parent.iterdir()) if folder.parent.is_dir() else []
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(head) and entry.name.endswith(tail)):
            continue
        middle = entry.name[len(head) : -len(tail)]
        if len(middle) != 2 * _HIDDEN_HEX or middle.strip("0123456789abcdef"):
            continue
        if entry.is_symlink() or not entry.is_dir():
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry.name)
    return removed


def remove_staged_leftovers(folder: Path) -> list[str]:
    """Remove the staged files in ``folder`` that a run stopped before using (a render killed while
    it built, or whose worker process was killed): hidden, never output, and never a file another
    run could still rename (renders of one workspace run one at a time). Returns their names."""
    removed: list[str] = []
    try:
        names = os.listdir(folder)  # noqa: PTH208 - names, not 30,000 paths
    except OSError:
        return removed
    # Hidden and ending in .tmp first (a plain test): of 30,000 names, sorting and matching them all
    # cost 10 ms more than listing them.
    found = sorted(n for n in names if n.startswith(".") and n.endswith(_TEMP_SUFFIX) and _STAGED.fullmatch(n))
    for name in found:
        path = folder / name
        try:
            if path.is_symlink() or not path.is_file():
                continue
            path.unlink()
        except OSError:
            continue
        removed.append(name)
    return removed


class NewFolder(FolderStage):
    """A folder that does not exist yet, built whole under a hidden name beside it
    (``.configs.<random>.new``) and renamed into place at once when complete.

    Its files are staged under their own names (:func:`stage_file` with ``new``), so the commit is
    one rename, not one per file (a first render of 10,000 sites writes 40,000 files: half a second of
    renames after the sites are built), and it is all or nothing even if the process is killed:
    the folder appears whole or not at all. A killed run leaves only the hidden folder behind.
    """

    def __init__(self, folder: Path, staging: Path) -> None:
        self.folder = folder
        #: The hidden folder the files are written into.
        self.staging = staging
        self.result = StageResult()

    @classmethod
    def start(cls, folder: Path) -> NewFolder | None:
        """The new folder ``folder``; None when it exists, its parent does not, or the hidden
        folder cannot be made (stage file by file in ``folder`` instead: that reports the problem)."""
        if folder.is_symlink() or folder.exists() or not folder.parent.is_dir():
            return None
        staging = folder.parent / f".{folder.name}.{secrets.token_hex(_HIDDEN_HEX)}.new"
        try:
            staging.mkdir()
        except OSError:
            return None
        return cls(folder, staging)

    def abort(self) -> None:
        """Remove the hidden folder and everything staged in it: nothing changes."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self.result.staged = []

    def commit(self, remove: Iterable[str] = ()) -> FolderWrite:
        """Make the folder visible with every staged file (``remove`` must be empty: a new folder
        holds nothing else)."""
        assert not list(remove), "a new folder has nothing to remove"
        self._raise_problems()
        staged = sorted(self.result.staged, key=lambda item: item.name)
        try:
            _syncfs(self.staging, staged)
            for sub in sorted({item.name.rpartition("/")[0] for item in staged} - {""}):
                _fsync_folder(self.staging / sub)
            _fsync_folder(self.staging)
            # Fails (nothing changed) if a folder with files, or a file, took the name meanwhile.
            os.rename(self.staging, self.folder)  # noqa: PTH104
        except OSError as exc:
            self.abort()
            raise DiagnosticError(
                [
                    _problem(
                        self.folder,
                        "output folder",
                        f"cannot be created ({exc.strerror}); nothing was written",
                        "check nothing else writes there, and retry",
                    )
                ]
            ) from None
        _fsync_folder(self.folder.parent)
        self.result.staged = []
        return FolderWrite(written=[item.name for item in staged])


def _restore(folder: Path, done: list[tuple[str, Path | None]]) -> list[str]:
    """Put back files already replaced or removed; returns the names that could not be restored."""
    failed = []
    for name, backup in reversed(done):
        try:
            if backup is None:
                (folder / name).unlink(missing_ok=True)
            else:
                backup.replace(folder / name)
                # Renaming a hard link over another link of the same file does nothing (POSIX).
                backup.unlink(missing_ok=True)
        except OSError:
            failed.append(name)
    return failed


def write_folder(
    folder: Path, files: Mapping[str, str | bytes], prune: Callable[[str], bool] | None = None
) -> FolderWrite:
    """Make ``folder`` hold ``files`` (name -> content), all or nothing.

    ``prune``: names of other entries for which it returns True are removed (stale outputs).
    Files whose content is already right are not touched. Raises :class:`DiagnosticError`
    (and changes nothing) when any entry cannot be written.
    """
    stage = FolderStage(folder)
    try:
        for name in sorted(files):
            stage.put(name, files[name])
        stale = stage.stale(lambda name: name in files, prune) if prune is not None else []
    except OSError as exc:
        stage.abort()
        raise DiagnosticError(
            [_problem(folder, "output folder", f"cannot be read: {exc.strerror}", "check it")]
        ) from None
    return stage.commit(remove=stale)
