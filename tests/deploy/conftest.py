"""A shared day-0 lab of five sites for the rollout tests (prefix ``rbtd<tag>``, a free management net).

The tests in ``test_rollout_lab.py`` run in file order against this one lab: first rollout,
idempotency, --check, a bad change, an unreachable device, a link flap, a killed controller,
the lock, and finally the secrets audit over everything those runs wrote.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from runbook_wan import cli as runbook
from runbook_wan.lab.api import Lab
from runbook_wan.lab.builder import free_management_network
from runbook_wan.lab.teardown import down

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_INTENTS = REPO / "intents"
PREFIX = "rbtd" + os.environ.get("RUNBOOK_TEST_LAB_TAG", "")
SITES = ("atl-061", "chi-021", "mke-022", "nyc-041", "sea-001")
#: The BGP password of fibrelink (chi-021, mke-022, sea-001) and metrofiber (atl-061, nyc-041).
SECRET = "Known-BGP-secret-4242"
SECRET_ENV = {"RUNBOOK_SECRET_BGP_FIBRELINK": SECRET, "RUNBOOK_SECRET_BGP_METROFIBER": SECRET + "-mf"}


@dataclass
class RolloutLab:
    root: Path
    lab: Lab
    pristine: Path
    outputs: list[str] = field(default_factory=list)

    @property
    def intents(self) -> Path:
        return self.root / "intents"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def inventory(self) -> Path:
        return self.root / "inventory"

    def reset_intents(self) -> Path:
        shutil.rmtree(self.intents, ignore_errors=True)
        shutil.copytree(self.pristine, self.intents)
        return self.intents

    def edit(self, relative: str, pattern: str, replacement: str) -> None:
        path = self.intents / relative
        text, count = re.subn(pattern, replacement, path.read_text(), flags=re.MULTILINE)
        assert count, f"{pattern!r} not found in {path}"
        path.write_text(text)

    def cli(self, *argv: str) -> tuple[int, str]:
        """Run runbook.py in-process; returns exit code and stdout+stderr (kept for the secrets audit)."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = runbook.main(["--no-color", "--state", str(self.state), *argv])
        text = out.getvalue() + err.getvalue()
        self.outputs.append(text)
        return code, text

    def deploy(self, *argv: str) -> tuple[int, str]:
        return self.cli("deploy", "--intents", str(self.intents), "--inventory", str(self.inventory), "--yes", *argv)

    def running(self, site: str) -> str:
        text = self.lab.vtysh(site, "show running-config")
        assert text is not None, f"{site}: FRR does not answer"
        return text

    def python_cli(self) -> list[str]:
        return [sys.executable, str(REPO / "runbook.py"), "--no-color", "--state", str(self.state)]


@pytest.fixture(scope="module")
def rollout_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RolloutLab]:
    if os.geteuid() != 0 or not Path("/usr/lib/frr/zebra").exists():
        pytest.fail("rollout tests need root and FRR (CI has both); set RUNBOOK_SKIP_LAB=1 to deselect locally")
    root = tmp_path_factory.mktemp("rollout")
    pristine = root / "pristine"
    shutil.copytree(EXAMPLE_INTENTS, pristine, ignore=shutil.ignore_patterns("sites"))
    (pristine / "sites").mkdir()
    for site in SITES:
        shutil.copy(EXAMPLE_INTENTS / "sites" / f"{site}.yaml", pristine / "sites")
    defaults = pristine / "defaults.yaml"
    # A free management network, picked now (other labs, with other tags, run on this machine too).
    mgmt = free_management_network(prefixlen=24)
    defaults.write_text(re.sub(r"management_network: \S+", f"management_network: {mgmt}", defaults.read_text()))
    shutil.copytree(
        REPO / "inventory", root / "inventory", ignore=shutil.ignore_patterns("*.py", "hosts.yaml", "__pycache__")
    )
    saved = {k: os.environ.get(k) for k in SECRET_ENV}
    os.environ.update(SECRET_ENV)
    down(root / "state", PREFIX)
    env = RolloutLab(root=root, lab=None, pristine=pristine)  # type: ignore[arg-type]
    env.reset_intents()
    try:
        env.lab = Lab.up(env.intents, env.state, prefix=PREFIX, inventory_dir=env.inventory)
        yield env
    finally:
        down(root / "state", PREFIX)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
