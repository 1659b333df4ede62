"""Family 2: config checks, by the backends ``--backend`` selects (builtin, batfish or all)."""

from __future__ import annotations

from collections.abc import Callable

from runbook_wan.validation.builtin.backend import BuiltinBackend
from runbook_wan.validation.checks.backend import ConfigBackend
from runbook_wan.validation.checks.base import ValidationContext, ValidationOptions
from runbook_wan.validation.report import CheckResult


def _builtin() -> ConfigBackend:
    return BuiltinBackend()


def _batfish() -> ConfigBackend:
    # pybatfish pulls in pandas (slow to import): load it only when the Batfish backend runs.
    from runbook_wan.validation.batfish.backend import BatfishBackend  # noqa: PLC0415

    backend: ConfigBackend = BatfishBackend()
    return backend


#: Backends by name; ``--backend all`` runs them in this order.
BACKENDS: dict[str, Callable[[], ConfigBackend]] = {"builtin": _builtin, "batfish": _batfish}


def selected_backends(options: ValidationOptions) -> list[str]:
    return list(BACKENDS) if options.backend == "all" else [options.backend]


class ConfigFamily:
    name = "config"
    title = "checks of the rendered configs (builtin and/or Batfish backend)"

    def enabled(self, options: ValidationOptions) -> bool:  # noqa: ARG002 - always on
        return True

    def run(self, ctx: ValidationContext) -> list[CheckResult]:
        results: list[CheckResult] = []
        for name in selected_backends(ctx.options):
            results += BACKENDS[name]().run(ctx)
        return results
