"""Fixtures of the pane tests: Debian's Chromium, and one FRR lab in a git workspace (``panelab``).

The lab (prefix ``rbtg`` + the test tag, its own management network) is shared by the module's
tests, which run in file order against it as an operator's successive steps would: a first
rollout through plan, validate, deploy and verify; drift after a hand change; a redeploy; ...
Helpers live in ``pagekit`` and ``panelab`` (unique names: other test folders have a conftest too).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pagekit import CHROMIUM, REPO
from panelab import PREFIX, SITES, Workspace, git
from playwright.sync_api import Browser, sync_playwright

from runbook_wan.lab.api import Lab
from runbook_wan.lab.builder import free_management_network
from runbook_wan.lab.teardown import down


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    if os.geteuid() != 0 or not Path("/usr/lib/frr/zebra").exists():
        pytest.fail("pane lab tests need root and FRR (CI has both); set RUNBOOK_SKIP_LAB=1 to deselect locally")
    root = tmp_path_factory.mktemp("pane") / "ws"
    intents = root / "intents"
    shutil.copytree(REPO / "intents", intents, ignore=shutil.ignore_patterns("sites"))
    (intents / "sites").mkdir()
    for site in SITES:
        shutil.copy(REPO / "intents" / "sites" / f"{site}.yaml", intents / "sites")
    shutil.copytree(
        REPO / "inventory", root / "inventory", ignore=shutil.ignore_patterns("*.py", "hosts.yaml", "__pycache__")
    )
    (root / ".gitignore").write_text(".runbook/\ninventory/hosts.yaml\ninventory/known_hosts\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "ops@example.com")
    git(root, "config", "user.name", "Ops")
    state = root / ".runbook"
    down(state, PREFIX)
    ws = Workspace(root=root, lab=None)  # type: ignore[arg-type]
    ws.render_and_commit("estate: three sites")
    try:
        ws.lab = Lab.up(
            intents,
            state,
            prefix=PREFIX,
            inventory_dir=root / "inventory",
            management_network=free_management_network(prefixlen=24),
        )
        yield ws
    finally:
        down(state, PREFIX)
