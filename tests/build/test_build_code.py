"""The build cache is keyed on the code that renders a site (``RENDER_CODE``): every module a site's
build imports is either in it or listed here with the reason it cannot change a site's outputs.

If this fails after an import was added: put the module in ``RENDER_CODE`` (src/runbook_wan/build/
inputs.py) when it can change what a site renders to, else here with the reason.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from runbook_wan.build.inputs import RENDER_CODE

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "runbook_wan"

#: Imported by a site's build, but cannot change a site's files or its probe-targets block.
NOT_SITE_OUTPUT = {
    "runbook_wan.atomic_files": "how files are written, not what they hold",
    "runbook_wan.workspace": "where the package data is",
    "runbook_wan.credentials": "package marker",
    "runbook_wan.credentials.redact": "masks passwords in error messages (a build with an error records nothing)",
    "runbook_wan.results": "diagnostics (a build with an error records nothing)",
    "runbook_wan.results.diagnostics": "diagnostics (a build with an error records nothing)",
    "runbook_wan.results.exit_codes": "exit codes",
    "runbook_wan.results.status": "result statuses",
    "runbook_wan.selection": "package marker",
    "runbook_wan.selection.limit": "which sites --limit selects, not what they render to",
    "runbook_wan.ops": "package marker",
    "runbook_wan.ops.metrics": "metric and alert names: estate-wide monitoring files, rebuilt every build",
    "runbook_wan.ops.email_links": "links in alert e-mails: estate-wide monitoring files, rebuilt every build",
    "runbook_wan.monitoring": "package marker",
    "runbook_wan.monitoring.alertmanager": "estate-wide monitoring file, rebuilt every build",
    "runbook_wan.monitoring.endpoints": "estate-wide monitoring file, rebuilt every build",
    "runbook_wan.monitoring.impact": "estate-wide monitoring file, rebuilt every build",
    "runbook_wan.monitoring.prometheus": "estate-wide monitoring file, rebuilt every build",
    "runbook_wan.monitoring.rules": "estate-wide monitoring file, rebuilt every build",
    "runbook_wan.monitoring.sdwan": "estate-wide monitoring file, rebuilt every build",
    "runbook_wan.monitoring.timing": "estate-wide monitoring file, rebuilt every build",
    "runbook_wan.monitoring.unit_tests": "estate-wide monitoring file, rebuilt every build",
}


def _file(module: str) -> Path:
    parts = module.split(".")[1:]
    folder = PACKAGE.joinpath(*parts)
    return folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")


def test_render_code_covers_every_module_a_site_build_imports() -> None:
    probe = (
        "import sys; import runbook_wan.build.engine; import runbook_wan.build.site_job; "
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('runbook_wan'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(PACKAGE.parent)},
    )
    modules = done.stdout.split()
    assert "runbook_wan.facts.builder" in modules
    covered = list(RENDER_CODE)
    missing = [
        m
        for m in modules
        if m not in NOT_SITE_OUTPUT and not any(_file(m) == root or root in _file(m).parents for root in covered)
    ]
    assert not missing, f"add to RENDER_CODE or NOT_SITE_OUTPUT: {missing}"


def test_every_listed_module_exists() -> None:
    for root in RENDER_CODE:
        assert root.exists(), root
    for module in NOT_SITE_OUTPUT:
        assert _file(module).exists(), module
