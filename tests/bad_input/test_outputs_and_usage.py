"""Outputs all or nothing, output paths checked first, usage errors exit 1 (issue 11, classes 2, 4, 9)."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from runbook_wan import atomic_files
from runbook_wan import cli as runbook
from runbook_wan.atomic_files import write_folder
from runbook_wan.commands import COMMAND_MODULES
from runbook_wan.results import DiagnosticError

BASE = Path(__file__).resolve().parents[2] / "tests" / "errors" / "_base"
OLD = {f"s{i:02}.cfg": f"old {i}\n" for i in range(10)}
NEW = {f"s{i:02}.cfg": f"new {i}\n" for i in range(12)}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "configs"
    folder.mkdir()
    for name, text in OLD.items():
        (folder / name).write_text(text)
    (folder / "stale.cfg").write_text("stale\n")
    (folder / "README").write_text("not ours\n")
    return folder


def _contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def test_a_folder_write_changes_and_prunes_only_its_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    done = write_folder(folder, {**NEW, "s00.cfg": "old 0\n"}, prune=lambda n: n.endswith(".cfg"))
    assert done.unchanged == ["s00.cfg"] and len(done.written) == 11 and done.removed == ["stale.cfg"]
    assert _contents(folder) == {**NEW, "s00.cfg": "old 0\n", "README": "not ours\n"}


def test_a_write_that_fails_while_staging_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path)
    before = _contents(folder)
    real = atomic_files._write_temp
    calls = {"n": 0}

    def disk_fills_up(*args: Any) -> Path:
        calls["n"] += 1
        if calls["n"] == 7:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args)

    monkeypatch.setattr(atomic_files, "_write_temp", disk_fills_up)
    with pytest.raises(DiagnosticError) as caught:
        write_folder(folder, NEW, prune=lambda n: n.endswith(".cfg"))
    assert "No space left on device" in caught.value.diagnostics[0].message
    assert _contents(folder) == before  # no config rewritten, no temporary file left behind


def test_a_write_that_fails_while_renaming_puts_every_file_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)
    before = _contents(folder)
    real = os.replace
    calls = {"n": 0}

    def fails_on_the_fifth(source: Any, target: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(errno.EIO, "Input/output error")
        real(source, target)

    monkeypatch.setattr(os, "replace", fails_on_the_fifth)
    with pytest.raises(DiagnosticError) as caught:
        write_folder(folder, NEW, prune=lambda n: n.endswith(".cfg"))
    assert "every file was put back" in caught.value.diagnostics[0].message
    assert _contents(folder) == before


def test_a_failed_render_keeps_every_committed_config(tmp_path: Path) -> None:
    """End to end: one config that cannot be written means no config is written."""
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "tst-001.cfg").write_text("committed\n")
    (configs / "tst-003.cfg").mkdir()  # tst-001 and tst-002 sort before it
    code, output = _main(tmp_path, "render", "--intents", "intents", "--configs", "configs")
    assert code == 1 and "tst-003.cfg: is a folder" in output
    assert (configs / "tst-001.cfg").read_text() == "committed\n"
    assert not (configs / "tst-002.cfg").exists()
    assert sorted(p.name for p in configs.iterdir()) == ["tst-001.cfg", "tst-003.cfg"]


def _main(cwd: Path, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = runbook.main(["--no-color", "--state", ".runbook", *argv])
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--report", "intents/defaults.yaml/report.json"], "--report: intents/defaults.yaml is a file, not a folder"),
        (["--report", "intents"], "--report: is a folder"),
        (["--configs", "intents/defaults.yaml"], "--configs: is a file, not a folder"),
    ],
)
def test_deploy_checks_its_output_paths_before_anything(argv: list[str], words: str, tmp_path: Path) -> None:
    """No inventory exists here: the run must stop at the path check, before loading or connecting."""
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    code, output = _main(tmp_path, "deploy", "--intents", "intents", "--yes", *argv)
    assert code == 1 and words in output and "Traceback" not in output
    assert not (tmp_path / ".runbook" / "rollouts").exists()


def test_deploy_refuses_a_state_folder_that_is_a_file(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "state").write_text("")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(tmp_path), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = runbook.main(["--no-color", "--state", "state", "deploy", "--intents", "intents", "--yes"])
    assert code == 1 and "--state: is a file, not a folder" in err.getvalue()


COMMANDS = [name.removeprefix("cmd_") for name in COMMAND_MODULES if name not in ("cmd_restore",)] + [
    "backup",
    "rollback",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_usage_error_exits_1_with_one_line_and_a_hint(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = runbook.main([command, "--no-such-option"])
    err = capsys.readouterr().err
    assert code == 1, "argparse's 2 means 'changes pending' in Runbook"
    assert err.count("\n") == 1 and err.startswith("error: runbook.py ")
    assert "hint: see `runbook.py" in err
    # commands with sub-actions (lab, monitor, incidents, report, status) want their action first
    assert "unrecognized arguments: --no-such-option" in err or re.search(r"required: [A-Z]+\b", err), err


@pytest.mark.parametrize(
    "argv",
    [[], ["no-such-command"], ["validate", "--jobs", "-1"], ["validate", "--jobs", "x"], ["deploy", "--workers", "0"]],
)
def test_bad_arguments_exit_1(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert runbook.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "hint:" in err and "Traceback" not in err


def test_help_still_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        runbook.main(["plan", "--help"])
    assert caught.value.code == 0
    assert "Exit codes:" in capsys.readouterr().out


def _subcommands(parser: Any) -> dict[str, Any]:
    return next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices  # type: ignore[no-any-return]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_line_that_names_a_command_gets_the_whole_parsers_help_for_it(command: str) -> None:
    """The CLI imports only the named command's module (a fresh ``render`` does not pay for the
    rest); the parser it builds must still know that command exactly as the whole parser does."""
    whole, lean = _subcommands(runbook.build_parser()), _subcommands(runbook.build_parser(["--no-color", command]))
    assert command in lean and len(lean) < len(whole)
    assert _helps(lean[command]) == _helps(whole[command])


def _helps(parser: Any) -> list[str]:
    """The help of a parser and of each of its actions' parsers (``report availability --help``):
    every one must format (a bare ``%`` in a help string raised a traceback from ``--help``)."""
    nested = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return [parser.format_help()] + [h for a in nested for sub in a.choices.values() for h in _helps(sub)]


@pytest.mark.parametrize("argv", [["--help"], ["-h", "render"], ["no-such-command"], ["restore"], []])
def test_a_command_line_that_names_no_command_gets_every_command(argv: list[str]) -> None:
    assert len(_subcommands(runbook.build_parser(argv))) == len(COMMANDS)
