"""Check generated monitoring files with the engines' own tools: promtool and amtool.

The files are written to a scratch folder first (same layout as ``monitoring/``), so a check
never depends on what is committed; :func:`stale_files` compares the two separately.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from runbook_wan.monitoring.bundle import ALERTMANAGER, PROMETHEUS, RULE_TESTS, RULES, write_bundle

PROMTOOL = "promtool"
AMTOOL = "amtool"
#: Generous: the rule tests evaluate every rule every 5 s over 15-minute series (~7 CPU-s), and CI machines
#: are shared.
TIMEOUT = 180.0


@dataclass(frozen=True)
class ToolCheck:
    """One tool run: ``ok`` None means the tool is not installed."""

    name: str  # monitoring.prometheus-config, ...
    file: str  # the file it checks, relative to monitoring/
    ok: bool | None
    output: str


def _run(name: str, file: str, argv: list[str], cwd: Path) -> ToolCheck:
    if shutil.which(argv[0]) is None:
        return ToolCheck(name, file, None, f"{argv[0]} is not installed (Debian: prometheus, prometheus-alertmanager)")
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return ToolCheck(name, file, False, f"{' '.join(argv)} did not finish in {TIMEOUT:.0f} s")
    output = (proc.stdout + proc.stderr).strip()
    return ToolCheck(name, file, proc.returncode == 0, output)


def check_files(files: dict[str, str]) -> list[ToolCheck]:
    """``promtool check config``/``check rules``/``test rules`` and ``amtool check-config``."""
    with tempfile.TemporaryDirectory(prefix="runbook-monitoring-") as tmp:
        root = Path(tmp)
        write_bundle(files, root)
        return [
            _run("monitoring.prometheus-config", PROMETHEUS, [PROMTOOL, "check", "config", PROMETHEUS], root),
            _run("monitoring.rules", RULES, [PROMTOOL, "check", "rules", RULES], root),
            _run("monitoring.rule-tests", RULE_TESTS, [PROMTOOL, "test", "rules", RULE_TESTS], root),
            _run("monitoring.alertmanager-config", ALERTMANAGER, [AMTOOL, "check-config", ALERTMANAGER], root),
        ]


def stale_files(files: dict[str, str], committed: Path) -> list[str]:
    """Generated files whose committed copy under ``committed`` is missing or different."""
    out = []
    for name, text in sorted(files.items()):
        path = committed / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    return out
