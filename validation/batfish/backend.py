"""The Batfish backend: build a snapshot of the rendered estate, ask Batfish, map answers back.

Base snapshot questions: fileParseStatus + parseWarning (allowlisted), initIssues (allowlisted),
undefinedReferences, bgpSessionCompatibility, routes (a default via the primary circuit) and
reachability (LAN -> hub). Then, per circuit role, a fork with that circuit's interface down at
every site (sites never transit each other, so one fork per role covers every site): the default
must move to the next preferred circuit and every LAN must still reach the hub.

Without a host (``--batfish-host`` / ``$BATFISH_HOST``) nothing runs and the report says so
(status skipped). With a host that fails, the checks report ``error``: CI must not pass silently.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.results import Status
from runbook_wan.validation.batfish import answers
from runbook_wan.validation.batfish.allowlist import Allowlist, load_allowlist
from runbook_wan.validation.batfish.service import BatfishService, PybatfishMissingError, PybatfishService
from runbook_wan.validation.batfish.snapshot import SnapshotLayout, build_snapshot
from runbook_wan.validation.checks.base import ValidationContext
from runbook_wan.validation.report import ESTATE, CheckResult, skipped, tool_error

NO_HOST = "Batfish not run: no BATFISH_HOST (set it or pass --batfish-host; see docs/validation.md)"

ServiceFactory = Callable[[str], BatfishService]


def _per_site(check: str, layout: SnapshotLayout, found: answers.Findings, message: str) -> list[CheckResult]:
    results = [CheckResult.from_diagnostics(check, sid, found.get(sid, []), message) for sid in layout.sites]
    if found.get(ESTATE):
        results.append(CheckResult.from_diagnostics(check, ESTATE, found[ESTATE], message))
    return results


def _merge(*parts: answers.Findings) -> answers.Findings:
    merged: answers.Findings = {}
    for part in parts:
        for subject, diags in part.items():
            merged.setdefault(subject, []).extend(diags)
    return merged


class _Run:
    """One Batfish run over one layout (keeps the service, snapshot names and locator together)."""

    def __init__(
        self, service: BatfishService, layout: SnapshotLayout, ctx: ValidationContext, allow: Allowlist
    ) -> None:
        self.service, self.layout, self.ctx, self.allow = service, layout, ctx, allow
        self.loc = answers.Locator(layout, ctx.config_file)
        self.base = f"runbook-{uuid.uuid4().hex[:8]}"
        self.hub = str(ctx.rendered.estate.settings.reachability.hub)

    def ask(self, question: str, snapshot: str | None = None, **params: Any) -> list[dict[str, Any]]:
        return self.service.ask(question, snapshot or self.base, params)

    def reachability_params(self) -> dict[str, Any]:
        starts = ",".join(
            f'@enter("{sid}"[{iface}])' for sid, site in self.layout.sites.items() for iface in site.lan_interfaces
        )
        return {"pathConstraints": {"startLocation": starts}, "headers": {"dstIps": self.hub}, "actions": "failure"}

    def checks(self) -> list[tuple[str, str, Callable[[], answers.Findings]]]:
        """(check name, summary, how to compute its findings), in run order."""
        return [
            (
                "batfish.parse",
                "files parse in their declared format; parse warnings allowlisted",
                lambda: _merge(
                    answers.parse_status(self.ask("fileParseStatus"), self.loc),
                    answers.parse_warnings(self.ask("parseWarning"), self.loc, self.allow),
                ),
            ),
            (
                "batfish.init-issues",
                "no conversion issues outside the allowlist",
                lambda: answers.init_issues(self.ask("initIssues"), self.loc, self.allow),
            ),
            (
                "batfish.references",
                "no undefined references",
                lambda: answers.undefined_references(self.ask("undefinedReferences"), self.loc, self.allow),
            ),
            (
                "batfish.bgp-sessions",
                "every circuit's eBGP session is compatible",
                lambda: answers.bgp_sessions(self.ask("bgpSessionCompatibility"), self.loc),
            ),
            (
                "batfish.default-route",
                "default route via the primary circuit; LANs reach the hub",
                lambda: _merge(
                    answers.default_routes(self.ask("routes", network="0.0.0.0/0"), self.loc),
                    answers.reachability_failures(
                        self.ask("reachability", **self.reachability_params()), self.loc, self.hub
                    ),
                ),
            ),
            (
                "batfish.failover",
                "with any one circuit down: default via the next circuit; LANs reach the hub",
                self.failover,
            ),
        ]

    def failover(self) -> answers.Findings:
        parts: list[answers.Findings] = []
        for role in CIRCUIT_ROLES:
            fork = f"{self.base}-{role}"
            down = [(sid, site.circuits[role][0]) for sid, site in self.layout.sites.items() if role in site.circuits]
            self.service.fork(self.base, fork, down)
            try:
                parts.append(answers.default_routes(self.ask("routes", fork, network="0.0.0.0/0"), self.loc, role))
                parts.append(
                    answers.reachability_failures(
                        self.ask("reachability", fork, **self.reachability_params()), self.loc, self.hub, role
                    )
                )
            finally:
                self.service.delete(fork)
        return _merge(*parts)

    def run(self) -> list[CheckResult]:
        results: list[CheckResult] = []
        with tempfile.TemporaryDirectory(prefix="runbook-batfish-") as tmp:
            self.service.init_snapshot(self.layout.write(Path(tmp)), self.base)
        try:
            for check, summary, compute in self.checks():
                try:
                    results += _per_site(check, self.layout, compute(), summary)
                except Exception as exc:  # noqa: BLE001 - per-check boundary: record, go on with the next check
                    results.append(tool_error(check, ESTATE, f"Batfish question failed: {type(exc).__name__}: {exc}"))
        finally:
            self.service.delete(self.base)
        return results


class BatfishBackend:
    name = "batfish"

    def __init__(self, connect: ServiceFactory = PybatfishService, allowlist: Allowlist | None = None) -> None:
        self.connect = connect
        self.allowlist = allowlist

    def run(self, ctx: ValidationContext) -> list[CheckResult]:
        host = ctx.options.batfish_host
        if not host:
            return [skipped("batfish", ESTATE, NO_HOST)]
        allow = self.allowlist or (
            load_allowlist(ctx.options.batfish_allowlist) if ctx.options.batfish_allowlist else load_allowlist()
        )
        layout = build_snapshot(ctx.rendered, ctx.sites)
        results = [
            CheckResult("batfish", sid, Status.SKIPPED, (), reason) for sid, reason in layout.unsupported.items()
        ]
        if not layout.sites:
            return results
        try:
            service = self.connect(host)
            version = service.version()
        except PybatfishMissingError as exc:
            return [*results, tool_error("batfish", ESTATE, str(exc))]
        except Exception as exc:  # noqa: BLE001 - any connection failure means "could not decide"
            return [
                *results,
                tool_error(
                    "batfish", ESTATE, f"Batfish at {host} unreachable: {type(exc).__name__}: {exc}".splitlines()[0]
                ),
            ]
        try:
            run_results = _Run(service, layout, ctx, allow).run()
        except Exception as exc:  # noqa: BLE001 - snapshot upload/parse failure
            return [*results, tool_error("batfish", ESTATE, f"Batfish snapshot failed: {type(exc).__name__}: {exc}")]
        return [
            *results,
            CheckResult("batfish", ESTATE, Status.SUCCESS, (), f"Batfish at {host}: {version}"),
            *run_results,
        ]
