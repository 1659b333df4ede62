"""Session fixtures for the driver tests: one real FRR test box (see frr_testbox.py) and a driver."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import napalm
import pytest
from frr_testbox import FrrTestBox, build_box, destroy_box
from napalm.base import NetworkDriver


@pytest.fixture(scope="session")
def frr_box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FrrTestBox]:
    if os.geteuid() != 0 or not Path("/usr/lib/frr/zebra").exists():
        pytest.fail("the FRR test box needs root and FRR (/usr/lib/frr/zebra)")
    box = build_box(tmp_path_factory.mktemp("rbd-drv"))
    try:
        yield box
    finally:
        destroy_box(box)


@pytest.fixture(scope="session")
def frr_driver(frr_box: FrrTestBox) -> Iterator[NetworkDriver]:
    driver = napalm.get_network_driver("frr")(
        frr_box.address, frr_box.username, None, optional_args=frr_box.optional_args()
    )
    driver.open()
    try:
        yield driver
    finally:
        driver.close()
