"""Against a real Batfish service (``docker run -p 9996:9996 batfish/allinone``; BATFISH_HOST=host).

This is the one test of the suite that is expected to be skipped on machines without a Batfish
service (no Batfish server can run on the project's machines; see docs/validation.md). It reports
itself as skipped with that reason, never silently passes.
"""

from __future__ import annotations

import os

import pytest

from runbook_wan.render.pipeline import RenderResult
from runbook_wan.results import Status
from runbook_wan.validation.batfish.backend import BatfishBackend
from runbook_wan.validation.checks.base import ValidationContext, ValidationOptions

HOST = os.environ.get("BATFISH_HOST")


@pytest.mark.batfish
@pytest.mark.skipif(not HOST, reason="no BATFISH_HOST: no Batfish service to validate against (expected here)")
def test_live_batfish_validates_the_base_estate(base_rendered: RenderResult) -> None:
    ctx = ValidationContext(base_rendered, ValidationOptions(backend="batfish", batfish_host=HOST))
    results = BatfishBackend().run(ctx)
    bad = [(r.check, r.subject, r.message, [d.format() for d in r.diagnostics]) for r in results if r.status.is_bad]
    assert not bad, bad
    assert {r.check for r in results} >= {"batfish.parse", "batfish.bgp-sessions", "batfish.failover"}
    assert all(r.status is Status.SUCCESS for r in results)
