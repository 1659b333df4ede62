"""Shared test fixtures.

Lab tests (marker ``lab``) need root, Linux network namespaces and FRR. CI runs as root with FRR
installed, so they run there. On a machine without them they fail loudly, unless you opt out
explicitly with ``RUNBOOK_SKIP_LAB=1`` (never set in CI).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The tests test the checkout they are in (a worktree, a clean clone), whatever is pip-installed.
for _src in (REPO / "napalm_frr" / "src", REPO / "src"):
    if str(_src) not in sys.path:
        sys.path.insert(0, str(_src))
EXAMPLE_INTENTS = REPO / "intents"
# The tests keep this user's cache (compiled templates) out of the home folder: one per test session.
if "RUNBOOK_CACHE" not in os.environ:
    os.environ["RUNBOOK_CACHE"] = tempfile.mkdtemp(prefix="runbook-test-cache-")
# Twin proofs run in both workers at once (the ``lab-twin`` group below beside the ``lab`` group), and
# two checkouts may test side by side (RUNBOOK_TEST_LAB_TAG): each worker's proofs get labs of their
# own ("rbtw0", "rbtw1"; "rbtw" in one process), their management networks held once picked.
if "RUNBOOK_TWIN_PREFIX" not in os.environ:
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "").removeprefix("gw")
    os.environ["RUNBOOK_TWIN_PREFIX"] = "rbtw" + _worker + os.environ.get("RUNBOOK_TEST_LAB_TAG", "")
#: Lab test modules whose labs are all their own (prefix, netns, management network picked and held),
#: so they run in the other worker beside the ``lab`` group: the twin proofs, four minutes of waiting.
BESIDE_THE_LABS = frozenset({"tests/validation/test_twin_lab.py"})


def lab_available() -> tuple[bool, str]:
    if os.geteuid() != 0:
        return False, "not running as root"
    if not Path("/usr/lib/frr/zebra").exists():
        return False, "FRR is not installed (/usr/lib/frr/zebra missing)"
    if shutil.which("ip") is None:
        return False, "iproute2 is not installed"
    return True, ""


def _group(item: pytest.Item) -> str:
    """The pytest-xdist group of a test (see :func:`pytest_collection_modifyitems`)."""
    module = item.nodeid.partition("::")[0]
    if "lab" not in item.keywords:
        return module
    if module in BESIDE_THE_LABS:
        return "lab-twin"
    return "lab-driver" if module.startswith("tests/driver/") else "lab"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups (it runs with --dist loadgroup)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group the tests for the parallel run, and deselect the lab tests when asked to.

    The suite runs in two pytest-xdist workers (``addopts``, ``--dist loadgroup``), each group in one
    worker, in file order. The lab tests mostly wait on FRR, probes and timers, and their labs must
    not overlap, so they form groups that start first, one in each worker:

    * ``lab``: every lab test but the driver's, one after the other;
    * ``lab-driver``: the driver's (``tests/driver``), whose FRR boxes are named by process and take
      their management subnets under a lock (``frr_testbox``), so they run beside the other labs;
    * ``lab-twin``: the modules of :data:`BESIDE_THE_LABS` (the twin proofs: a lab prefix per worker,
      management networks held once picked), next in the driver's worker, beside the ``lab`` group.

    Each other test module is a group of its own (its module fixtures set up once, its tests in
    order), run by whichever worker is free.
    """
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_group(item)))
    if hasattr(config, "workerinput"):  # a worker: the lab groups first, so both start at once
        items.sort(key=lambda item: {"lab": 0, "lab-driver": 1, "lab-twin": 2}.get(_group(item), 3))
    ok, why = lab_available()
    if ok or os.environ.get("RUNBOOK_SKIP_LAB") != "1":
        return
    skip = pytest.mark.skip(reason=f"lab test deselected by RUNBOOK_SKIP_LAB=1 ({why})")
    for item in items:
        if "lab" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def require_lab() -> None:
    """Fail (not skip) when the lab cannot run: CI must never silently skip lab tests."""
    ok, why = lab_available()
    if not ok:
        pytest.fail(f"lab test needs root + FRR: {why} (set RUNBOOK_SKIP_LAB=1 to deselect locally)")


@pytest.fixture
def example_intents() -> Path:
    return EXAMPLE_INTENTS
