"""The CI hook: the repository's own committed outputs are what its intents render to.

`render --check` (writes nothing) over the example estate: configs/ (configs and the edge agent's
artifacts) and monitoring/. A pull request that changes the intents, the templates, the platforms
or the rendering code without running `python3 runbook.py render` and committing the result fails
here, with the files named.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from runbook_wan import cli as runbook

REPO = Path(__file__).resolve().parents[2]


def test_committed_configs_and_monitoring_are_up_to_date(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(REPO), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = runbook.main(["--no-color", "--state", str(tmp_path / "state"), "render", "--check"])
    assert code == 0, (
        "committed outputs are stale: run `python3 runbook.py render` and commit the result\n" + out.getvalue()
    )
    assert "up to date: 80 site(s) in configs/ and monitoring/" in out.getvalue()
