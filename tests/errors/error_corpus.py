"""The golden error corpus: bad inputs beside the exact messages a user must see.

Layout (netlab's ``tests/errors/*.yml`` + ``*.log``)::

    tests/errors/_base/intents/...   a small valid estate (3 sites, 2 regions) every case starts from
    tests/errors/<case>.yml          a bad intent file (or several), or a .j2 for template cases
    tests/errors/<case>.log          what `runbook.py render` prints on stderr, line for line

A case file says how it applies to the base with directive comments (``#`` in YAML, ``{# #}`` in
Jinja), each on a line of its own:

``target: PATH``
    Starts a section: this line and everything up to the next ``target:`` line is written to
    ``PATH`` (relative to the run directory, e.g. ``intents/sites/tst-002.yaml`` or
    ``templates/frr/bgp.j2``), replacing or adding that file. Put it on line 1 and the written
    file is the case file byte for byte, so line numbers in the ``.log`` are the case's own.
``delete: PATH``
    Removes a file of the base before the run.
``args: ...``
    Extra ``render`` arguments (shell words), e.g. ``--limit tst-0o1``.
``never-print: TEXT``
    ``TEXT`` (a secret) must appear nowhere in the output; checked by the test and by regen.
``about: ...``
    One line on what the case shows; listed in docs/errors.md.

A case that touches ``templates/`` (or ``platforms/``) runs with a copy of the project's folder
and ``--templates templates`` (``--platforms platforms``). Every run is in-process
(``runbook.main``) with the working directory set to a scratch copy, so files print as
``intents/...``; ``configs/`` holds two sentinel files that must be unchanged afterwards (an error
writes nothing and prunes nothing).
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
import sys
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

_DIRECTIVE = re.compile(r"^\s*(?:#|\{#-?)\s*(target|delete|args|never-print|about):\s*(.*?)\s*(?:-?#\})?\s*$")

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

    @property
    def log(self) -> Path:
        return self.source.with_suffix(".log")

    def uses(self, folder: str) -> bool:
        """True when the case changes a file of ``folder`` (templates, platforms)."""
        return any(p.startswith(f"{folder}/") for p in [*self.writes, *self.deletes])


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    configs_before: dict[str, str]
    configs_after: dict[str, str]


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
        elif key == "delete":
            case.deletes.append(value)
        elif key == "args":
            case.args += shlex.split(value)
        elif key == "never-print":
            case.never_print.append(value)
        elif key == "about":
            case.about = value
        if target is not None:
            chunks[target].append(line)
    case.writes = {name: "".join(lines) for name, lines in chunks.items()}
    _check(case)
    return case


def _check(case: Case) -> None:
    """Reject a case file that could not mean what its author intended."""
    for name in [*case.writes, *case.deletes]:
        if name.startswith("/") or ".." in Path(name).parts:
            raise ValueError(f"{case.source.name}: {name} must be a relative path inside the run directory")
    if not (case.writes or case.deletes or case.args):
        raise ValueError(f"{case.source.name}: a case needs a target:, delete: or args: directive")
    if not case.about:
        raise ValueError(f"{case.source.name}: add an `about:` line saying what the case shows")


def discover() -> list[Case]:
    """Every case under tests/errors, by name (inputs are found by globbing, never listed)."""
    paths = sorted(p for suffix in INPUT_SUFFIXES for p in CASES_DIR.glob(f"*{suffix}"))
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
        (workdir / name).unlink()
    for name, text in case.writes.items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def command(case: Case) -> list[str]:
    argv = ["--no-color", "--state", ".runbook", "render", "--intents", "intents", "--configs", "configs"]
    for folder in PROJECT_FOLDERS:
        if case.uses(folder):
            argv += [f"--{folder}", folder]
    return argv + case.args


def _snapshot(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}


def run(case: Case, workdir: Path) -> Outcome:
    """Prepare ``workdir`` and run ``runbook.py render`` in it, in-process."""
    from runbook_wan import cli as runbook

    prepare(case, workdir)
    before = _snapshot(workdir / "configs")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(workdir), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = runbook.main(command(case))
    return Outcome(
        exit_code=code,
        stdout=normalise(out.getvalue(), workdir),
        stderr=normalise(err.getvalue(), workdir),
        configs_before=before,
        configs_after=_snapshot(workdir / "configs"),
    )


def normalise(text: str, workdir: Path) -> str:
    """Scratch paths become ``<tmp>``; trailing blanks go (they are invisible in a terminal)."""
    for path in sorted({str(workdir.resolve()), str(workdir)}, key=len, reverse=True):
        text = text.replace(path, "<tmp>")
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def leaks(case: Case, outcome: Outcome) -> list[str]:
    """Secret values of the case that appear in its output (must be none)."""
    return [s for s in case.never_print if s in outcome.stdout or s in outcome.stderr]


DOCS = REPO / "docs" / "errors.md"
INDEX_BEGIN = "<!-- cases:begin (generated by tests/errors/regen.py; do not edit) -->"
INDEX_END = "<!-- cases:end -->"


def docs_index(cases: list[Case]) -> str:
    """The case table of docs/errors.md."""
    rows = ["| case | what it shows | errors |", "|---|---|---|"]
    for case in cases:
        log = case.log.read_text(encoding="utf-8") if case.log.is_file() else ""
        count = sum(1 for line in log.splitlines() if line.startswith("error: "))
        link = f"[{case.name}](../tests/errors/{case.source.name})"
        rows.append(f"| {link} | {case.about.replace('|', '/')} | {count} |")
    return "\n".join(rows) + "\n"


def with_index(document: str, cases: list[Case]) -> str:
    """``document`` with the text between the index markers replaced by the current table."""
    head, found, rest = document.partition(INDEX_BEGIN)
    _, found_end, tail = rest.partition(INDEX_END)
    if not (found and found_end):
        raise ValueError(f"{DOCS.name} lacks the case index markers")
    return f"{head}{INDEX_BEGIN}\n{docs_index(cases)}{INDEX_END}{tail}"
