"""The builtin backend: syntax, references and static default paths of every rendered config."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Protocol

from runbook_wan.model.platform import PlatformSpec
from runbook_wan.results import Status
from runbook_wan.validation.builtin.configtext import parse_lines
from runbook_wan.validation.builtin.default_path import check_default_paths
from runbook_wan.validation.builtin.dialects import Dialects, load_dialects
from runbook_wan.validation.builtin.references import check_references
from runbook_wan.validation.builtin.syntax_hierarchy import HierarchySyntax
from runbook_wan.validation.builtin.syntax_vtysh import CHECK as SYNTAX_CHECK
from runbook_wan.validation.builtin.syntax_vtysh import SyntaxInput, VtyshSyntax
from runbook_wan.validation.checks.base import ValidationContext, ValidationOptions
from runbook_wan.validation.report import CheckResult

REFERENCES_CHECK = "builtin.references"
DEFAULT_PATH_CHECK = "builtin.default-path"


class SyntaxChecker(Protocol):
    def check(self, items: Sequence[SyntaxInput]) -> list[CheckResult]: ...


class _Disabled:
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def check(self, items: Sequence[SyntaxInput]) -> list[CheckResult]:
        return [CheckResult(SYNTAX_CHECK, i.site, Status.SKIPPED, (), self.reason) for i in items]


def _vtysh(platform: PlatformSpec, options: ValidationOptions) -> SyntaxChecker:  # noqa: ARG001
    if not options.vtysh:
        return _Disabled("FRR syntax not checked: vtysh disabled by the caller")
    return VtyshSyntax(jobs=options.jobs or os.cpu_count() or 1)


def _hierarchy(platform: PlatformSpec, options: ValidationOptions) -> SyntaxChecker:  # noqa: ARG001
    return HierarchySyntax(platform.comment, platform.indent)


#: Syntax checkers by a platform's ``syntax_checker`` (platform data picks one; no platform names here).
SYNTAX_CHECKERS: dict[str, Callable[[PlatformSpec, ValidationOptions], SyntaxChecker]] = {
    "vtysh": _vtysh,
    "hierarchy": _hierarchy,
}


class BuiltinBackend:
    name = "builtin"

    def __init__(self, dialects: Dialects | None = None) -> None:
        self.dialects = dialects or load_dialects()

    def run(self, ctx: ValidationContext) -> list[CheckResult]:
        return [*self.syntax(ctx), *self.structure(ctx)]

    def syntax(self, ctx: ValidationContext) -> list[CheckResult]:
        """Syntax results of every selected site, batched per platform (vtysh checks many at once)."""
        estate, configs = ctx.rendered.estate, ctx.rendered.configs
        groups: dict[str, list[SyntaxInput]] = defaultdict(list)
        for sid in ctx.sites:
            groups[configs[sid].platform].append(SyntaxInput(sid, configs[sid].text, ctx.config_file(sid)))
        results: list[CheckResult] = []
        for platform_name, items in groups.items():
            platform = estate.platforms[platform_name]
            results += SYNTAX_CHECKERS[platform.syntax_checker](platform, ctx.options).check(items)
        order = {sid: i for i, sid in enumerate(ctx.sites)}
        return sorted(results, key=lambda r: order[r.subject])

    def structure(self, ctx: ValidationContext) -> list[CheckResult]:
        """References and default paths, per site (pure Python, fast)."""
        results: list[CheckResult] = []
        for sid in ctx.sites:
            config = ctx.rendered.configs[sid]
            platform = ctx.rendered.estate.platforms[config.platform]
            dialect = self.dialects.get(platform.templates)
            if dialect is None:
                reason = f"no dialect {platform.templates!r} in validation/builtin/dialects.yaml"
                results += [
                    CheckResult(REFERENCES_CHECK, sid, Status.SKIPPED, (), reason),
                    CheckResult(DEFAULT_PATH_CHECK, sid, Status.SKIPPED, (), reason),
                ]
                continue
            file = ctx.config_file(sid)
            lines = parse_lines(config.text, platform.comment)
            results.append(
                CheckResult.from_diagnostics(
                    REFERENCES_CHECK, sid, check_references(lines, dialect, file), "references defined and used"
                )
            )
            circuits = ctx.rendered.facts[sid].circuits
            results.append(
                CheckResult.from_diagnostics(
                    DEFAULT_PATH_CHECK,
                    sid,
                    check_default_paths(lines, dialect.default_path, circuits, file, sid),
                    "each circuit yields a default route, primary > secondary > wireless",
                )
            )
        return results
