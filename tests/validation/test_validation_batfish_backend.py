"""The Batfish backend end to end against HAND-BUILT answers (no service runs here).

``HandBuiltBatfish`` implements the backend's service interface and answers every question with
rows built by hand in the documented column layout; it records the snapshots and forks the
backend asks for. Without a host the backend must say so plainly (status skipped).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from runbook_wan.render.pipeline import RenderResult
from runbook_wan.results import Status
from runbook_wan.validation.batfish.backend import NO_HOST, BatfishBackend
from runbook_wan.validation.checks.base import ValidationContext, ValidationOptions
from runbook_wan.validation.report import ESTATE


class HandBuiltBatfish:
    """Answers as a healthy estate would get them, optionally with one site's primary broken."""

    def __init__(self, rendered: RenderResult, broken_site: str | None = None) -> None:
        self.rendered = rendered
        self.broken_site = broken_site
        self.snapshot_files: list[str] = []
        self.forks: dict[str, list[tuple[str, str]]] = {}
        self.deleted: list[str] = []

    def version(self) -> str:
        return "Batfish 2026.9 (hand-built)"

    def init_snapshot(self, directory: Path, name: str) -> None:  # noqa: ARG002
        self.snapshot_files = sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())

    def fork(self, base: str, name: str, deactivate: Sequence[tuple[str, str]]) -> None:  # noqa: ARG002
        self.forks[name] = list(deactivate)

    def delete(self, name: str) -> None:
        self.deleted.append(name)

    def _gateway(self, site: str, role: str) -> str:
        return next(c.gateway for c in self.rendered.facts[site].circuits if c.role == role)

    def ask(self, question: str, snapshot: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:  # noqa: ARG002
        sites = self.rendered.selected
        if question == "fileParseStatus":
            return [
                {
                    "File_Name": f"configs/{s}.cfg",
                    "Status": "PARTIALLY_UNRECOGNIZED",
                    "File_Format": "CUMULUS_CONCATENATED",
                }
                for s in sites
            ]
        if question == "bgpSessionCompatibility":
            return [
                {"Node": s, "Remote_IP": c.gateway, "Configured_Status": "UNIQUE_MATCH"}
                for s in sites
                for c in self.rendered.facts[s].circuits
            ]
        if question == "routes":
            roles = ("primary_dia", "secondary_dia", "tertiary_wireless")
            down = next((r for r in roles if snapshot.endswith(r)), None)
            role = "secondary_dia" if down == "primary_dia" else "primary_dia"
            return [
                {"Node": s, "Network": "0.0.0.0/0", "Next_Hop_IP": self._gateway(s, role)}
                for s in sites
                if not (s == self.broken_site and down == "primary_dia")
            ]
        return []  # parseWarning, initIssues, undefinedReferences, reachability: nothing found


def _ctx(rendered: RenderResult, host: str | None) -> ValidationContext:
    return ValidationContext(rendered, ValidationOptions(backend="batfish", batfish_host=host))


def test_without_host_batfish_reports_plainly_that_it_did_not_run(base_rendered: RenderResult) -> None:
    [result] = BatfishBackend().run(_ctx(base_rendered, None))
    assert (result.check, result.subject, result.status) == ("batfish", ESTATE, Status.SKIPPED)
    assert result.message == NO_HOST and result.message.startswith("Batfish not run: no BATFISH_HOST")


def test_unreachable_host_is_an_error_not_a_pass(base_rendered: RenderResult) -> None:
    def refuse(host: str) -> HandBuiltBatfish:
        raise ConnectionError(f"connection to {host}:9996 refused")

    [result] = BatfishBackend(connect=refuse).run(_ctx(base_rendered, "bf.example"))
    assert result.status is Status.ERROR and "Batfish at bf.example unreachable" in result.message


def test_without_pybatfish_the_backend_says_which_extra_to_install(
    base_rendered: RenderResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pybatfish is an optional extra: hide it (a None entry in sys.modules makes its import fail)."""
    monkeypatch.setitem(sys.modules, "pybatfish.client.session", None)
    [result] = BatfishBackend().run(_ctx(base_rendered, "bf.example"))
    assert result.status is Status.ERROR
    assert result.message == "pybatfish is not installed; install the extra: pip install 'runbook-wan[batfish]'"


def test_handbuilt_healthy_answers_pass_every_batfish_check(base_rendered: RenderResult) -> None:
    service = HandBuiltBatfish(base_rendered)
    results = BatfishBackend(connect=lambda _host: service).run(_ctx(base_rendered, "bf.example"))
    checks = {r.check for r in results}
    assert checks == {
        "batfish",
        "batfish.parse",
        "batfish.init-issues",
        "batfish.references",
        "batfish.bgp-sessions",
        "batfish.default-route",
        "batfish.failover",
    }
    assert all(r.status is Status.SUCCESS for r in results), [r for r in results if r.status is not Status.SUCCESS]
    assert service.snapshot_files == [
        "batfish/isp_config.json",
        "configs/aaa-001.cfg",
        "configs/bbb-002.cfg",
        "configs/ccc-003.cfg",
    ]
    primary_fork = next(v for k, v in service.forks.items() if k.endswith("primary_dia"))
    assert primary_fork == [("aaa-001", "swp1"), ("bbb-002", "swp1"), ("ccc-003", "swp1")]
    assert len(service.forks) == 3 and set(service.forks) <= set(service.deleted)


def test_handbuilt_answers_with_a_site_losing_its_default_on_failover_fail_that_site(
    base_rendered: RenderResult,
) -> None:
    service = HandBuiltBatfish(base_rendered, broken_site="bbb-002")
    results = BatfishBackend(connect=lambda _host: service).run(_ctx(base_rendered, "bf.example"))
    failed = [(r.check, r.subject) for r in results if r.status is Status.FAILURE]
    assert failed == [("batfish.failover", "bbb-002")]
    diag = next(r for r in results if r.status is Status.FAILURE).diagnostics[0]
    assert diag.message == "no default route with primary_dia down"
    assert diag.location is not None and diag.location.file == "configs/bbb-002.cfg"
