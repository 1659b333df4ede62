"""The pane's command line written wrong (issue 21, class 6): an error before any work, never a traceback.

Before: a malformed ``--prometheus`` URL (``http://[::1``, ``::::``) was an httpx traceback, and
``--html`` into a folder that exists but cannot be written was a traceback after the whole pane
had been built: the check tested that the folder exists, not that it can be written.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
from pathlib import Path

import pytest

from runbook_wan import cli as runbook

INTENTS = Path(__file__).resolve().parents[2] / "errors" / "_base" / "intents"


def run(tmp: Path, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = runbook.main(["--no-color", "--state", str(tmp / "state"), *argv])
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    "url",
    ["http://[::1", "::::", "prometheus:9090", "ftp://h/", "http://", "http://h:99999", "http://h:0", "http://a b/"],
)
def test_a_malformed_prometheus_url_is_a_usage_error(tmp_path: Path, url: str) -> None:
    for command in (["status"], ["status", "serve"], ["report", "availability"]):
        code, output = run(tmp_path, *command, "--prometheus", url)
        assert code == 1 and "Traceback" not in output, output
        assert output.startswith(f"error: runbook.py {command[0]}") and "--prometheus" in output and "[usage]" in output


def test_a_url_with_credentials_is_refused_and_not_repeated(tmp_path: Path) -> None:
    code, output = run(tmp_path, "status", "--prometheus", "http://admin:S3cretPromPass@127.0.0.1:9090")
    assert code == 1 and "S3cretPromPass" not in output and "user name or password" in output, output


@pytest.mark.lab
def test_html_into_a_folder_that_cannot_be_written_is_refused_before_any_work(
    require_lab: None, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    view = tmp_path / "ro"
    view.mkdir()
    subprocess.run(["mount", "--bind", str(folder), str(view)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        code, output = run(tmp_path, "status", "--intents", str(INTENTS), "--html", str(view / "pane.html"))
    finally:
        subprocess.run(["umount", "-l", str(view)], check=True)
    assert code == 1 and "Traceback" not in output, output
    assert f"--html: folder {view} is not writable" in output and "[output-path]" in output
    assert not list(folder.iterdir()), "nothing written"
