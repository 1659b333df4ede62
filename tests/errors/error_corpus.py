"""The golden error corpus: bad inputs beside the exact messages a user must see.

Layout (netlab's ``tests/errors/*.yml`` + ``*.log``)::

    tests/errors/_base/intents/...   a small valid estate (3 sites, 2 regions) every case starts from
    tests/errors/<case>.yml          a bad intent file (or several), or a .j2 for template cases
    tests/errors/<case>.log          what `runbook.py render`, `validate` and `plan` print, line for line

A case file says how it applies to the base with directive comments (``#`` in YAML, ``{# #}`` in
Jinja), each on a line of its own:

``target: PATH``
    Starts a section: this line and everything up to the next ``target:`` line is written to
    ``PATH`` (relative to the run directory, e.g. ``intents/sites/tst-002.yaml`` or
    ``templates/frr/bgp.j2``), replacing or adding that file. Put it on line 1 and the written
    file is the case file byte for byte, so line numbers in the ``.log`` are the case's own.
``delete: PATH``
    Removes a file (or a folder) of the base before the run.
``args: ...``
    Extra arguments (shell words) for every command the case runs, e.g. ``--limit tst-0o1``.
``commands: ...``
    The commands to run (default ``render validate plan``): a case about an option only one
    command has (``plan --out``, ``validate --junit``) names that command.
``symlink: PATH -> TARGET``
    Creates a symbolic link (a broken one, or a loop) before the run.
``mkdir: PATH``
    Creates a folder (e.g. where a file is expected) before the run.
``escapes: on``
    The written files are bytes: ``\\xNN`` in the case text becomes that byte (a NUL, a Latin-1
    byte), so a case file stays plain UTF-8 text.
``never-print: TEXT``
    ``TEXT`` (a secret) must appear nowhere in the output; checked by the test and by regen.
``env: NAME=VALUE``
    An environment variable for the run (a secret ``RUNBOOK_SECRET_...``, ``RUNBOOK_SECRETS_FILE``);
    a case with ``env:`` (or one that runs ``notify``) starts from an environment without any
    ``RUNBOOK_SECRET_*`` or secrets file of the machine's own.
``chmod: PATH MODE``
    Sets a written file's mode (octal), e.g. a secrets file to 600.
``about: ...``
    One line on what the case shows; listed in docs/errors.md.

A case that touches ``templates/`` (or ``platforms/``) runs with a copy of the project's folder
and ``--templates templates`` (``--platforms platforms``). Every run is in-process
(``runbook.main``) with the working directory set to a fresh scratch copy per command, so files
print as ``intents/...``; ``configs/`` holds two sentinel files that must be unchanged afterwards
(an error writes nothing and prunes nothing).

The ``.log`` holds one section per command, ``== render`` then the command's stderr (``validate``:
its findings from stdout, without the summary table and timings, then its stderr).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CASES_DIR = Path(__file__).resolve().parent
BASE_DIR = CASES_DIR / "_base"
REPO = CASES_DIR.parent.parent
INPUT_SUFFIXES = (".yml", ".j2")
#: Project folders a case may change; the run then gets a copy and ``--<folder> <folder>``.
PROJECT_FOLDERS = ("templates", "platforms")

if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

from runbook_wan.workspace import package_data  # noqa: E402 - after src/ is on the path

_DIRECTIVE = re.compile(
    r"^\s*(?:#|\{#-?)\s*(target|delete|args|commands|symlink|mkdir|escapes|never-print|about|env|chmod):"
    r"\s*(.*?)\s*(?:-?#\})?\s*$"
)
#: The commands every case runs unless it names its own, in this order.
COMMANDS = ("render", "validate", "plan")
#: Commands a case may name besides those: ``notify`` runs ``notify --check`` (nothing listens).
EXTRA_COMMANDS = ("notify",)

#: Files in configs/ before every run; an error must leave them exactly as they are.
SENTINEL_CONFIGS = {
    "tst-001.cfg": "! previously committed config of tst-001 (must survive a failed render)\n",
    "gone-999.cfg": "! config of a removed site (a successful full render would prune it)\n",
}


@dataclass
class Case:
    """One bad input: the files it writes or deletes and the extra arguments it passes."""

    name: str
    source: Path
    about: str = ""
    args: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    writes: dict[str, str] = field(default_factory=dict)
    never_print: list[str] = field(default_factory=list)
    commands: tuple[str, ...] = COMMANDS
    symlinks: dict[str, str] = field(default_factory=dict)
    folders: list[str] = field(default_factory=list)
    escapes: bool = False
    env: dict[str, str] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)

    @property
    def log(self) -> Path:
        return self.source.with_suffix(".log")

    def uses(self, folder: str) -> bool:
        """True when the case changes a file of ``folder`` (templates, platforms)."""
        return any(p.startswith(f"{folder}/") for p in [*self.writes, *self.deletes])


@dataclass(frozen=True)
class Run:
    """What one command of a case did."""

    command: str
    exit_code: int
    stdout: str
    stderr: str
    configs_before: dict[str, str]
    configs_after: dict[str, str]

    @property
    def shown(self) -> str:
        """Its part of the ``.log``: stderr, and for ``validate`` its findings first."""
        if self.command != "validate":
            return self.stderr
        return validate_findings(self.stdout) + self.stderr


@dataclass(frozen=True)
class Outcome:
    runs: list[Run]

    @property
    def log(self) -> str:
        return "".join(f"== {run.command}\n{run.shown}" for run in self.runs)

    @property
    def all_output(self) -> str:
        return "".join(run.stdout + run.stderr for run in self.runs)


def parse_case(path: Path) -> Case:
    case = Case(name=path.stem, source=path)
    target: str | None = None
    chunks: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        found = _DIRECTIVE.match(line)
        key, value = (found.group(1), found.group(2)) if found else ("", "")
        if key == "target":
            target = value
            if target in chunks:
                raise ValueError(f"{path.name}: target {target} appears twice")
            chunks[target] = []
        else:
            _directive(case, key, value)
        if target is not None:
            chunks[target].append(line)
    case.writes = {name: "".join(lines) for name, lines in chunks.items()}
    _check(case)
    return case


def _directive(case: Case, key: str, value: str) -> None:
    if key == "delete":
        case.deletes.append(value)
    elif key == "args":
        case.args += shlex.split(value)
    elif key == "commands":
        case.commands = tuple(value.split())
    elif key == "symlink":
        link, _, pointee = value.partition(" -> ")
        case.symlinks[link.strip()] = pointee.strip()
    elif key == "mkdir":
        case.folders.append(value)
    elif key == "escapes":
        case.escapes = value == "on"
    elif key == "never-print":
        case.never_print.append(value)
    elif key == "env":
        name, _, setting = value.partition("=")
        case.env[name.strip()] = setting
    elif key == "chmod":
        name, _, mode = value.rpartition(" ")
        case.modes[name.strip()] = int(mode, 8)
    elif key == "about":
        case.about = value


def _check(case: Case) -> None:
    """Reject a case file that could not mean what its author intended."""
    for name in [*case.writes, *case.deletes]:
        if name.startswith("/") or ".." in Path(name).parts:
            raise ValueError(f"{case.source.name}: {name} must be a relative path inside the run directory")
    for name in [*case.symlinks, *case.folders]:
        if name.startswith("/") or ".." in Path(name).parts:
            raise ValueError(f"{case.source.name}: {name} must be a relative path inside the run directory")
    if not (case.writes or case.deletes or case.args or case.symlinks or case.folders):
        raise ValueError(f"{case.source.name}: a case needs a target:, delete:, symlink:, mkdir: or args: directive")
    unknown = set(case.commands) - set(COMMANDS) - set(EXTRA_COMMANDS)
    if unknown or not case.commands:
        raise ValueError(f"{case.source.name}: commands: must name some of {', '.join(COMMANDS + EXTRA_COMMANDS)}")
    if not case.about:
        raise ValueError(f"{case.source.name}: add an `about:` line saying what the case shows")


def discover(folder: Path = CASES_DIR) -> list[Case]:
    """Every case in ``folder`` (tests/errors, or another corpus such as tests/bad_input/day2/golden),
    by name: inputs are found by globbing, never listed."""
    paths = sorted(p for suffix in INPUT_SUFFIXES for p in folder.glob(f"*{suffix}"))
    return sorted((parse_case(p) for p in paths), key=lambda c: c.name)


def prepare(case: Case, workdir: Path) -> None:
    """Copy the base estate into ``workdir`` and apply the case."""
    shutil.copytree(BASE_DIR, workdir, dirs_exist_ok=True)
    for folder in PROJECT_FOLDERS:
        if case.uses(folder):
            shutil.copytree(package_data(folder), workdir / folder, dirs_exist_ok=True)
    configs = workdir / "configs"
    configs.mkdir(exist_ok=True)
    for name, text in SENTINEL_CONFIGS.items():
        (configs / name).write_text(text, encoding="utf-8")
    for name in case.deletes:
        target = workdir / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    for name, text in case.writes.items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if case.escapes:
            target.write_bytes(re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m[1], 16)]), text.encode()))
        else:
            target.write_text(text, encoding="utf-8")
    for name, mode in case.modes.items():
        (workdir / name).chmod(mode)
    for name in case.folders:
        (workdir / name).mkdir(parents=True, exist_ok=True)
    for name, pointee in case.symlinks.items():
        link = workdir / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(pointee)


def command(case: Case, name: str = "render") -> list[str]:
    if name == "notify":
        return ["--no-color", "--state", ".runbook", "notify", "--check", "--intents", "intents", *case.args]
    argv = ["--no-color", "--state", ".runbook", name, "--intents", "intents", "--configs", "configs"]
    for folder in PROJECT_FOLDERS:
        if case.uses(folder):
            argv += [f"--{folder}", folder]
    return argv + case.args


def _snapshot(folder: Path) -> dict[str, str]:
    if not folder.is_dir() or folder.is_symlink():
        return {}
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}


def run(case: Case, workdir: Path) -> Outcome:
    """Run each of the case's commands in-process, each in a fresh copy under ``workdir``."""
    from runbook_wan import cli as runbook

    runs = []
    for name in case.commands:
        scratch = workdir / name
        prepare(case, scratch)
        before = _snapshot(scratch / "configs")
        out, err = io.StringIO(), io.StringIO()
        with (
            contextlib.chdir(scratch),
            _environment(case, name),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = runbook.main(command(case, name))
        runs.append(
            Run(
                command=name,
                exit_code=code,
                stdout=normalise(out.getvalue(), scratch),
                stderr=normalise(err.getvalue(), scratch),
                configs_before=before,
                configs_after=_snapshot(scratch / "configs"),
            )
        )
    return Outcome(runs)


@contextlib.contextmanager
def _environment(case: Case, name: str) -> Iterator[None]:
    """The case's environment for one command: its ``env:`` settings and no secrets of the machine's own."""
    if not case.env and name != "notify":
        yield
        return
    saved = dict(os.environ)
    for key in [k for k in os.environ if k.startswith("RUNBOOK_SECRET")]:
        del os.environ[key]
    os.environ["RUNBOOK_SECRETS_FILE"] = "no-secrets-file.yaml"
    os.environ.update(case.env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


#: The summary table of ``validate`` (box drawing) and its title; timings at the end of the verdict.
_TABLE_LINE = re.compile(r"^(?:runbook validate$|[\u2500-\u257f])")
_TIMINGS = re.compile(r" \((?:[\w.-]+ \d+\.\d+s(?:, )?)+\)$")


def validate_findings(stdout: str) -> str:
    """``validate``'s terminal report without its summary table and timings (they vary)."""
    lines = [_TIMINGS.sub("", line) for line in stdout.splitlines() if not _TABLE_LINE.match(line)]
    return "".join(line + "\n" for line in lines)


def normalise(text: str, workdir: Path) -> str:
    """Scratch paths become ``<tmp>``; trailing blanks go (they are invisible in a terminal)."""
    for path in sorted({str(workdir.resolve()), str(workdir)}, key=len, reverse=True):
        text = text.replace(path, "<tmp>")
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def leaks(case: Case, outcome: Outcome) -> list[str]:
    """Secret values of the case that appear in its output (must be none)."""
    return [s for s in case.never_print if s in outcome.all_output]


DOCS = REPO / "docs" / "errors.md"
INDEX_BEGIN = "<!-- cases:begin (generated by tests/errors/regen.py; do not edit) -->"
INDEX_END = "<!-- cases:end -->"
#: The day-2 corpus (notifications.yaml, channel secrets, locations found by it): same layout, own table.
DAY2_DIR = REPO / "tests" / "bad_input" / "day2" / "golden"
DAY2_BEGIN = "<!-- day2-cases:begin (generated by tests/errors/regen.py; do not edit) -->"
DAY2_END = "<!-- day2-cases:end -->"
#: Every corpus: its folder and the markers of its table in docs/errors.md.
CORPORA: tuple[tuple[Path, str, str], ...] = ((CASES_DIR, INDEX_BEGIN, INDEX_END), (DAY2_DIR, DAY2_BEGIN, DAY2_END))


def docs_index(cases: list[Case]) -> str:
    """A case table of docs/errors.md."""
    rows = ["| case | what it shows | errors |", "|---|---|---|"]
    for case in cases:
        log = case.log.read_text(encoding="utf-8") if case.log.is_file() else ""
        first = log.split("\n== ")[0]  # the first command's section
        count = sum(1 for line in first.splitlines() if line.startswith(("error: ", "error ")))
        link = f"[{case.name}](../{case.source.relative_to(REPO).as_posix()})"
        rows.append(f"| {link} | {case.about.replace('|', '/')} | {count} |")
    return "\n".join(rows) + "\n"


def with_index(document: str, cases: list[Case], begin: str = INDEX_BEGIN, end: str = INDEX_END) -> str:
    """``document`` with the text between one table's markers replaced by the current table."""
    head, found, rest = document.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not (found and found_end):
        raise ValueError(f"{DOCS.name} lacks the case index markers {begin}")
    return f"{head}{begin}\n{docs_index(cases)}{end}{tail}"
