"""Every rendered FRR config is accepted by real FRR: ``vtysh --dryrun -f <file>`` exits 0, prints nothing.

Needs only the vtysh binary (no daemons, no root, no namespaces). If it is missing the tests FAIL:
a syntax check that silently does not run is worse than none (CI installs FRR; see .ci/run).
The configs of both example estates are rendered once, in-process, and checked in parallel.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from runbook_wan.model.loader import load_estate
from runbook_wan.render.pipeline import render_estate
from runbook_wan.selection.limit import select_sites

REPO = Path(__file__).resolve().parents[2]
VTYSH = Path("/usr/bin/vtysh")
ESTATES = {"example": REPO / "intents", "multivendor": REPO / "examples" / "multivendor" / "intents"}


@dataclass(frozen=True)
class Check:
    returncode: int
    output: str


def _frr_sites() -> list[tuple[str, str]]:
    """(estate, site) of every FRR site, read from the intents at collection time (no rendering yet)."""
    found = []
    for estate, intents in ESTATES.items():
        loaded, _ = load_estate(intents)
        found += [(estate, sid) for sid in select_sites(loaded, "platform=frr")]
    return found


SITES = _frr_sites()


def vtysh_dryrun(path: Path) -> Check:
    proc = subprocess.run(
        [str(VTYSH), "--dryrun", "-f", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return Check(proc.returncode, (proc.stdout + proc.stderr).strip())


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Check]:
    if not VTYSH.is_file():
        pytest.fail(f"{VTYSH} is missing: install FRR (apt-get install frr) to check FRR config syntax")
    folder = tmp_path_factory.mktemp("frr-configs")
    paths: dict[tuple[str, str], Path] = {}
    for estate, intents in ESTATES.items():
        result = render_estate(intents, "platform=frr")
        for sid, config in result.configs.items():
            path = folder / f"{estate}-{sid}.cfg"
            path.write_text(config.text, encoding="utf-8")
            paths[(estate, sid)] = path
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(paths, pool.map(vtysh_dryrun, paths.values()), strict=True))


def test_every_frr_site_of_the_example_estate_is_checked() -> None:
    assert sum(1 for estate, _ in SITES if estate == "example") == 80


@pytest.mark.parametrize("key", SITES, ids=[f"{e}/{s}" for e, s in SITES])
def test_frr_accepts_rendered_config(checked: dict[tuple[str, str], Check], key: tuple[str, str]) -> None:
    result = checked[key]
    assert result.returncode == 0 and result.output == "", (
        f"vtysh --dryrun rejected {key[1]} (rc {result.returncode}):\n{result.output}"
    )


def test_the_check_rejects_a_bad_line(tmp_path: Path) -> None:
    """Guard against a check that always passes: a config with a typo must be rejected."""
    if not VTYSH.is_file():
        pytest.fail(f"{VTYSH} is missing: install FRR (apt-get install frr)")
    bad = tmp_path / "bad.cfg"
    bad.write_text("hostname bad\nrouter bgp 65001\n neighbor 192.0.2.1 remote-ass 64500\nexit\n")
    result = vtysh_dryrun(bad)
    assert result.returncode != 0
    assert "line 3" in result.output
