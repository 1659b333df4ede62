"""NAPALM's own conformance check, run on this driver: ``BaseTestGetters.test_method_signatures``.

Every public method of ``FrrDriver`` (and its constructor) must have ``NetworkDriver``'s exact
signature, so code written against NAPALM's API works unchanged. The check is NAPALM's function
itself, not a copy. (The other ``BaseTestGetters`` tests need a device or mocked data; the
driver's behaviour is tested against a real FRR box in Runbook's tests/driver.)
"""

from __future__ import annotations

import napalm
from napalm.base.test.getters import BaseTestGetters

from napalm_frr import FrrDriver


class TestNapalmConformance:
    driver = FrrDriver
    test_method_signatures = BaseTestGetters.test_method_signatures


def test_napalm_finds_this_driver() -> None:
    assert napalm.get_network_driver("frr") is FrrDriver
    assert FrrDriver.__module__.startswith("napalm_frr")
