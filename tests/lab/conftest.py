"""Lab test fixtures: a small estate derived from the example, labs shared per module.

Every lab these tests build uses a prefix starting with ``rbt`` (never the CLI's ``rb`` or the
driver tests' ``rbd``) and its own management network, cleans leftovers of its prefix before it
starts, and is torn down in a finalizer that always runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from labkit import SMALL_SITES, derive_intents

from runbook_wan.lab.teardown import down


@pytest.fixture(scope="session")
def small_intents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six example sites. Labs booted from it pass a free --management-network (other labs run
    on this machine too); the intents' own range only shows in the inventory tests."""
    return derive_intents(tmp_path_factory.mktemp("intents") / "intents", SMALL_SITES, "198.19.250.0/24")


@pytest.fixture
def clean_prefix() -> Iterator[None]:
    """For tests that create leftovers by hand: nothing of prefix ``rbts`` before or after."""
    prefix = "rbts" + os.environ.get("RUNBOOK_TEST_LAB_TAG", "")
    scratch = Path(f"/tmp/{prefix}-state")
    down(scratch, prefix)
    yield
    down(scratch, prefix)
    shutil.rmtree(scratch, ignore_errors=True)
