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

Limit, stated plainly: the renames are atomic one by one, not as a set. If the process is killed
(SIGKILL, power loss) in the middle of the rename loop -- microseconds for hundreds of files --
the folder holds a mix of old and new files; re-running the command converges.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

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


def _write_temp(folder: Path, name: str, data: bytes, mode: int | None) -> Path:
    temp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


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


def _plan(
    folder: Path, files: Mapping[str, bytes], prune: Callable[[str], bool] | None
) -> tuple[dict[str, bytes | None], list[str], dict[str, bytes], list[Diagnostic]]:
    """(changed name -> old bytes or None, unchanged, stale name -> old bytes, problems)."""
    changed: dict[str, bytes | None] = {}
    unchanged: list[str] = []
    problems: list[Diagnostic] = []
    for name, data in sorted(files.items()):
        target = folder / name
        parts = name.split("/")
        if not name or any(not part or part.startswith(".") for part in parts):
            problems.append(_problem(target, "output", "is not a plain relative file name", "this is a bug in Runbook"))
            continue
        parent = _parent_problem(folder, parts[:-1])
        if parent is not None:
            problems.append(parent)
            continue
        try:
            info = target.lstat()
        except FileNotFoundError:
            changed[name] = None
            continue
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            problems.append(
                Diagnostic(
                    "output-path",
                    f"is {kind}, where a file is to be written",
                    location=SourceLocation(str(target)),
                    hint="move it away; nothing was written",
                )
            )
            continue
        old = target.read_bytes()
        if old == data:
            unchanged.append(name)
        else:
            changed[name] = old
    stale: dict[str, bytes] = {}
    if prune is not None:
        for entry in sorted(folder.iterdir()):
            if entry.name in files or entry.name.startswith(".") or not prune(entry.name):
                continue
            if entry.is_file() and not entry.is_symlink():
                stale[entry.name] = entry.read_bytes()
    return changed, unchanged, stale, problems


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
    target.parent.mkdir(parents=True, exist_ok=True)
    return _write_temp(target.parent, target.name, data, None)


def _restore(folder: Path, done: list[tuple[str, bytes | None]]) -> list[str]:
    """Put back files already replaced or removed; returns the names that could not be restored."""
    failed = []
    for name, old in reversed(done):
        try:
            if old is None:
                (folder / name).unlink(missing_ok=True)
            else:
                _temp_beside(folder / name, old).replace(folder / name)
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
    data = {name: (text.encode("utf-8") if isinstance(text, str) else text) for name, text in files.items()}
    problem = output_folder_problem(folder, "output folder")
    if problem is not None:
        raise DiagnosticError([problem])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        changed, unchanged, stale, problems = _plan(folder, data, prune)
    except OSError as exc:
        raise DiagnosticError(
            [_problem(folder, "output folder", f"cannot be read: {exc.strerror}", "check it")]
        ) from None
    if problems:
        raise DiagnosticError(problems)
    staged: dict[str, Path] = {}
    try:
        for name in changed:
            staged[name] = _temp_beside(folder / name, data[name])
    except OSError as exc:
        for temp in staged.values():
            temp.unlink(missing_ok=True)
        raise DiagnosticError(
            [
                _problem(
                    folder / name, "output", f"cannot be written ({exc.strerror})", "nothing was changed; free space?"
                )
            ]
        ) from None
    done: list[tuple[str, bytes | None]] = []
    try:
        for name, temp in staged.items():
            temp.replace(folder / name)
            done.append((name, changed[name]))
        for name, old in stale.items():
            (folder / name).unlink()
            done.append((name, old))
    except OSError as exc:
        for temp in staged.values():
            temp.unlink(missing_ok=True)
        failed = _restore(folder, done)
        outcome = f"could not restore {', '.join(failed)}" if failed else "every file was put back"
        raise DiagnosticError(
            [_problem(folder, "output folder", f"a file could not be replaced ({exc.strerror}); {outcome}", "retry")]
        ) from None
    for written in sorted({(folder / name).parent for name in changed} | {folder}):
        _fsync_folder(written)
    return FolderWrite(written=list(changed), unchanged=unchanged, removed=list(stale))
