"""The lean apply against FRR's own frr-reload.py, on two identical real FRR boxes.

Box ``a`` commits through the classic cycle (``apply="frr-reload"``: frr-reload.py --reload on the
device), box ``b`` through the lean one (diff on the controller, one vtysh). For every *shape* of example
site config (the statements a site's config holds, whatever their values: the 80 example sites
have two, standard and flagship stores), three sites of that shape, from day-0 and site to site, and
both boxes must then run byte for byte the same ``show running-config``. Sites of one shape differ
only in values (addresses, numbers, names), which both applies pass through unchanged; testing all
80 took three minutes for no statement more.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from difflib import unified_diff
from pathlib import Path

import napalm
import pytest
from lean_twins import TwinBoxes, build_twins, destroy_twins
from napalm.base import NetworkDriver
from napalm_conformance import CONTROLLER, wait_for

from runbook_wan.render.pipeline import render_estate

REPO = Path(__file__).resolve().parents[2]
SECRET = "Lean-test-secret-17"

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("require_lab")]


def shape(config: str) -> str:
    """What a config says, without its values: comments dropped, names, addresses and numbers blanked."""
    text = "\n".join(line for line in config.splitlines() if not line.startswith("!"))
    text = re.sub(r"(description|hostname) .*", r"\1 X", text)
    text = re.sub(r"<secret:[a-z0-9-]+>", "S", text)
    text = re.sub(r"\d+(\.\d+){3}(/\d+)?", "IP", text)
    return re.sub(r"\d+", "N", text)


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    """Three example sites of every config shape (secrets as tokens), the shapes interleaved so that
    site-to-site commits cross shapes."""
    configs = {site: config.text for site, config in sorted(render_estate(REPO / "intents").configs.items())}
    by_shape: dict[str, list[str]] = {}
    for site, text in configs.items():
        by_shape.setdefault(shape(text), []).append(site)
    assert len(by_shape) >= 2, "the example estate has standard and flagship stores"
    picks = [[sites[0], sites[len(sites) // 2], sites[-1]] for sites in by_shape.values()]
    chosen = [site for row in zip(*picks, strict=False) for site in row]
    return {site: configs[site] for site in dict.fromkeys(chosen)}


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory, rendered: dict[str, str]) -> Iterator[TwinBoxes]:
    if os.geteuid() != 0 or not Path("/usr/lib/frr/zebra").exists():
        pytest.fail("the twin FRR boxes need root and FRR (/usr/lib/frr/zebra)")
    names = {m for text in rendered.values() for m in re.findall(r"^interface (\S+)$", text, flags=re.MULTILINE)}
    boxes = build_twins(tmp_path_factory.mktemp("rbl"), sorted(names - {"lo"}))
    try:
        yield boxes
    finally:
        destroy_twins(boxes)


@pytest.fixture(scope="module")
def candidates(twins: TwinBoxes, rendered: dict[str, str]) -> dict[str, str]:
    """Every example site's rendered config, with the boxes' hostname and log file and a secret."""
    found = {}
    for site, config in rendered.items():
        text = re.sub(r"^hostname \S+$", f"hostname {twins.hostname}", config, flags=re.MULTILINE)
        text = re.sub(r"^log file \S+", f"log file {twins.log_file}", text, flags=re.MULTILINE)
        found[site] = re.sub(r"<secret:[a-z0-9-]+>", SECRET, text)
    return found


def connect(twins: TwinBoxes, box: str, **optional_args: str) -> NetworkDriver:
    driver = napalm.get_network_driver("frr")(
        twins.address(box), "root", None, optional_args=twins.optional_args(**optional_args)
    )
    driver.open()
    return driver


def show_running(driver: NetworkDriver) -> str:
    return str(driver.cli(["show running-config"])["show running-config"])


def commit(driver: NetworkDriver, config: str) -> None:
    driver.load_replace_candidate(config=config)
    driver.commit_config()


def back_to_day0(driver: NetworkDriver, twins: TwinBoxes, day0: str) -> bool:
    """Commit the day-0 config until the box runs exactly its day-0 config again (a second commit
    removes what FRR re-creates while the first one deletes: deleting ``bfd`` before its profile
    leaves an empty ``bfd`` node, with frr-reload.py as with the lean apply)."""
    for _ in range(2):
        commit(driver, twins.day0())
        if show_running(driver) == day0:
            return True
    return False


def lean_commits(twins: TwinBoxes, box: str) -> tuple[int, int]:
    """(commits logged on the box, of which through the lean apply)."""
    history = (twins.work_dir(box) / "history.log").read_text().splitlines()
    commits = [line for line in history if re.search(r" commit \S+ mode=", line)]
    return len(commits), sum(1 for line in commits if " apply=lean " in line)


def test_lean_commit_runs_what_frr_reload_runs_for_every_shape_of_example_site(
    twins: TwinBoxes, candidates: dict[str, str]
) -> None:
    classic, lean_a, lean_b = connect(twins, "a", apply="frr-reload"), connect(twins, "a"), connect(twins, "b")
    try:
        day0 = show_running(classic)
        assert show_running(lean_b) == day0
        mismatches = []
        with ThreadPoolExecutor(max_workers=2) as pool:
            for site, config in candidates.items():
                list(pool.map(commit, (classic, lean_b), (config, config)))
                by_frr_reload, by_lean = show_running(classic), show_running(lean_b)
                if by_lean != by_frr_reload:
                    diff = unified_diff(by_frr_reload.splitlines(), by_lean.splitlines(), "frr-reload", "lean")
                    mismatches.append(f"{site}:\n" + "\n".join(diff))
                lean_b.load_replace_candidate(config=config)
                assert lean_b.compare_config() == "", f"{site}: not idempotent after the lean commit"
                # back to day-0 on both boxes, through the lean apply (its deletes checked here)
                restored = pool.map(back_to_day0, (lean_a, lean_b), (twins, twins), (day0, day0))
                assert all(restored), f"{site}: day-0 not restored"
            # site to site, no day-0 in between: frr-reload's deletes against the lean ones
            for config in list(candidates.values())[:3]:
                list(pool.map(commit, (classic, lean_b), (config, config)))
                assert show_running(lean_b) == show_running(classic)
        assert not mismatches, "\n\n".join(mismatches)
        total, lean = lean_commits(twins, "b")
        assert total == lean >= 2 * len(candidates) + 3, "a lean commit fell back to frr-reload"
    finally:
        for driver in (classic, lean_a, lean_b):
            driver.close()


def test_revert_timer_restores_the_old_config_when_the_controller_dies_after_a_lean_commit(
    twins: TwinBoxes, candidates: dict[str, str]
) -> None:
    """SIGKILL between commit and confirm: box b must come back to its exact day-0 config."""
    driver = connect(twins, "b")
    try:
        commit(driver, twins.day0())
        before = show_running(driver)
        site, config = next(iter(candidates.items()))
        revert_in = 4
        spec = {
            "driver": "frr",
            "hostname": twins.address("b"),
            "username": "root",
            "password": None,
            "optional_args": twins.optional_args(),
            "candidate": config,
            "revert_in": revert_in,
        }
        python_path = os.pathsep.join([str(REPO / "napalm_frr" / "src"), str(REPO), os.environ.get("PYTHONPATH", "")])
        controller = subprocess.Popen(
            [sys.executable, str(CONTROLLER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": python_path},
        )
        try:
            assert controller.stdin is not None and controller.stdout is not None
            controller.stdin.write(json.dumps(spec))
            controller.stdin.close()
            assert controller.stdout.readline().strip() == "COMMITTING"
            stderr = controller.stderr
            assert controller.stdout.readline().strip() == "COMMITTED", stderr.read() if stderr else ""
            committed = time.monotonic()
            controller.send_signal(signal.SIGKILL)
            assert controller.wait(timeout=10) == -signal.SIGKILL
        finally:
            if controller.poll() is None:
                controller.kill()
                controller.wait()
        history = (twins.work_dir("b") / "history.log").read_text().splitlines()
        assert " apply=lean revert_in=4 " in history[-1], f"{site} was not committed by the lean apply"
        assert driver.has_pending_commit() is True
        assert "router bgp" in show_running(driver)

        def reverted() -> bool:
            return not driver.has_pending_commit() and show_running(driver) == before

        assert wait_for(reverted, timeout=revert_in + 5 - (time.monotonic() - committed)) is not None, (
            f"not back to the day-0 config within revert_in + 5 = {revert_in + 5} s"
        )
        assert " revert " in (twins.work_dir("b") / "history.log").read_text().splitlines()[-1]
    finally:
        driver.close()
