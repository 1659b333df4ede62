"""FRR syntax through ``vtysh -C -f`` (FRR's dry run), many sites per vtysh process.

vtysh takes ~30 ms to start, so checking 80 sites one process each costs over a second on two
cores. Instead the configs are concatenated into one file per CPU with, after each site:

* a *boundary* line (``hostname runbook-boundary``): a top-level-only command, so vtysh falls back
  to the configuration node and the next site starts where it would start on its own;
* a *sentinel* line (``runbook-sentinel-N``): an unknown command vtysh must report.

A stray top-level ``exit`` moves vtysh out of configuration mode (the boundary line is then
rejected) and a second one ends the session silently (the sentinel is never reported). A site whose
boundary is rejected or whose sentinel is missing is bisected alone to find the line, and the
sites after it are checked again.

Every ``line N: % <error>[node]: <text>`` vtysh prints maps back to ``configs/<site>.cfg:LINE``.
"""

from __future__ import annotations

import bisect
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from runbook_wan.results import Diagnostic, SourceLocation, Status
from runbook_wan.validation.report import CheckResult

CHECK = "builtin.syntax"
CODE = "frr-syntax"
STOPPED = "frr-syntax-left-config-mode"
BOUNDARY = "hostname runbook-boundary"
SENTINEL = "runbook-sentinel-{index}"
TIMEOUT_S = 120.0

_ERROR_LINE = re.compile(r"^line (?P<line>\d+): % (?P<message>.+?)(?:\[\d+\])?: ?(?P<text>.*)$")


@dataclass(frozen=True)
class SyntaxInput:
    site: str
    text: str
    file: str  # what findings call the config, e.g. configs/chi-021.cfg


@dataclass
class _Outcome:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sentinel_seen: bool = False  # the sentinel after this site was reported
    boundary_rejected: bool = False  # vtysh was not in configuration mode at the end of the site

    @property
    def complete(self) -> bool:
        return self.sentinel_seen and not self.boundary_rejected


@dataclass(frozen=True)
class VtyshRunner:
    """Runs ``vtysh -C -f FILE`` and returns its stderr."""

    binary: str = "vtysh"

    def available(self) -> bool:
        return shutil.which(self.binary) is not None

    def run(self, text: str, workdir: Path, name: str) -> str:
        path = workdir / name
        path.write_text(text, encoding="utf-8")
        proc = subprocess.run(
            [self.binary, "-C", "-f", str(path)], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
        return proc.stderr


def _batch(items: Sequence[SyntaxInput]) -> tuple[str, list[int], list[int]]:
    """Concatenated text, first line of each site, and the sentinel line after each site."""
    parts: list[str] = []
    starts: list[int] = []
    sentinels: list[int] = []
    line = 1
    for index, item in enumerate(items):
        text = item.text if item.text.endswith("\n") else item.text + "\n"
        starts.append(line)
        line += text.count("\n")
        parts += [text, BOUNDARY + "\n", SENTINEL.format(index=index) + "\n"]
        sentinels.append(line + 1)
        line += 2
    return "".join(parts), starts, sentinels


def _diagnostic(item: SyntaxInput, line: int, message: str, text: str) -> Diagnostic:
    return Diagnostic(
        CODE,
        f"FRR rejects `{text.strip()}`: {message.strip()}",
        location=SourceLocation(item.file, line),
        details={"subject": item.site},
        hint="fix the template (or the intent value) that renders this line; `vtysh -C -f FILE` reproduces it",
    )


def _interpret(items: Sequence[SyntaxInput], stderr: str, starts: list[int], sentinels: list[int]) -> list[_Outcome]:
    outcomes = [_Outcome() for _ in items]
    sentinel_of = {line: index for index, line in enumerate(sentinels)}
    boundary_of = {line - 1: index for index, line in enumerate(sentinels)}
    for raw in stderr.splitlines():
        found = _ERROR_LINE.match(raw.strip())
        if not found:
            continue
        number = int(found["line"])
        if number in sentinel_of:
            outcomes[sentinel_of[number]].sentinel_seen = True
            continue
        if number in boundary_of:
            outcomes[boundary_of[number]].boundary_rejected = True
            continue
        index = bisect.bisect_right(starts, number) - 1
        if index < 0:
            continue
        outcomes[index].diagnostics.append(
            _diagnostic(items[index], number - starts[index] + 1, found["message"], found["text"])
        )
    return outcomes


@dataclass
class VtyshSyntax:
    """Syntax of FRR configs; one result per site."""

    runner: VtyshRunner = field(default_factory=VtyshRunner)
    jobs: int = 2

    def check(self, items: Sequence[SyntaxInput]) -> list[CheckResult]:
        if not items:
            return []
        if not self.runner.available():
            return [
                CheckResult(
                    CHECK,
                    item.site,
                    Status.SKIPPED,
                    (),
                    f"FRR syntax not checked: `{self.runner.binary}` not found (install frr)",
                )
                for item in items
            ]
        with tempfile.TemporaryDirectory(prefix="runbook-vtysh-") as tmp:
            chunks = [list(items[i :: self.jobs]) for i in range(min(self.jobs, len(items)))]
            with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
                done = list(
                    pool.map(lambda pair: self._check_chunk(pair[1], Path(tmp), f"c{pair[0]}"), enumerate(chunks))
                )
        results = {r.subject: r for chunk in done for r in chunk}
        return [results[item.site] for item in items]

    def _check_chunk(self, items: list[SyntaxInput], workdir: Path, name: str) -> list[CheckResult]:
        results: list[CheckResult] = []
        pending = items
        round_no = 0
        while pending:
            round_no += 1
            text, starts, sentinels = _batch(pending)
            try:
                stderr = self.runner.run(text, workdir, f"{name}-{round_no}.conf")
            except (OSError, subprocess.SubprocessError) as exc:
                return results + [CheckResult(CHECK, i.site, Status.ERROR, (), f"vtysh failed: {exc}") for i in pending]
            outcomes = _interpret(pending, stderr, starts, sentinels)
            stop = next((i for i, o in enumerate(outcomes) if not o.complete), len(pending))
            results += [
                CheckResult.from_diagnostics(CHECK, item.site, outcome.diagnostics, "vtysh -C")
                for item, outcome in zip(pending[:stop], outcomes[:stop], strict=True)
            ]
            if stop < len(pending):
                results.append(self._left_config_mode(pending[stop], outcomes[stop], workdir, name))
            pending = pending[stop + 1 :]
        return results

    def _left_config_mode(self, item: SyntaxInput, outcome: _Outcome, workdir: Path, name: str) -> CheckResult:
        """Bisect the shortest prefix of the config after which vtysh stops reporting."""
        text, starts, sentinels = _batch([item])
        alone = _interpret([item], self.runner.run(text, workdir, f"{name}-alone.conf"), starts, sentinels)[0]
        if alone.complete:  # fine on its own: the batch, not the site, misbehaved
            return CheckResult.from_diagnostics(CHECK, item.site, alone.diagnostics, "vtysh -C")
        lines = item.text.splitlines()
        low, high = 0, len(lines)  # invariant: prefix(low) completes, prefix(high) does not
        while high - low > 1:
            mid = (low + high) // 2
            probe = SyntaxInput(item.site, "\n".join(lines[:mid]) + "\n", item.file)
            text, starts, sentinels = _batch([probe])
            if _interpret([probe], self.runner.run(text, workdir, f"{name}-bisect.conf"), starts, sentinels)[
                0
            ].complete:
                low = mid
            else:
                high = mid
        stopped = Diagnostic(
            STOPPED,
            f"`{lines[high - 1].strip() if lines else ''}` leaves configuration mode; vtysh checked nothing after it",
            location=SourceLocation(item.file, high),
            details={"subject": item.site},
            hint="a top-level `exit`/`end`/`quit` ends the config for FRR; remove it",
        )
        kept = [d for d in outcome.diagnostics if d.location is not None and (d.location.line or 0) < high]
        return CheckResult.from_diagnostics(CHECK, item.site, [*kept, stopped], "vtysh -C")
