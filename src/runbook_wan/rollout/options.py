"""Options of one rollout (from ``runbook.py deploy``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runbook_wan.model.platform import DEFAULT_PLATFORMS_DIR
from runbook_wan.render.environment import DEFAULT_TEMPLATES_DIR
from runbook_wan.results import Diagnostic, DiagnosticError
from runbook_wan.rollout import defaults

#: The gate must finish, and confirm reach the device, well before the device reverts by itself.
CONFIRM_MARGIN_S = 15


@dataclass
class DeployOptions:
    intents: Path
    state_dir: Path
    inventory_dir: Path = Path("inventory")
    configs_dir: Path = Path("configs")
    templates: Path = DEFAULT_TEMPLATES_DIR
    platforms: Path = DEFAULT_PLATFORMS_DIR
    limit: str | None = None
    canary: str = defaults.CANARY
    wave_size: str = defaults.WAVE_SIZE
    workers: int = defaults.WORKERS
    max_failures: str = defaults.MAX_FAILURES
    revert_in: int = defaults.REVERT_IN_S
    gate_timeout: float = defaults.GATE_TIMEOUT_S
    check: bool = False
    resume: str | None = None
    plan_file: Path | None = None
    report_file: Path | None = None
    #: ``--allow-wide-change REASON``: accept a change wider than the gate; recorded in the audit log.
    allow_wide_change: str | None = None
    #: ``--check --against REF``: review against a git ref instead of the deployed record.
    against: str | None = None
    #: ``--rotate-secret NAME``: accept a value of NAME that changed without a declared rotation (audited).
    rotate_secrets: tuple[str, ...] = ()

    def check_values(self) -> None:
        problems = []
        if self.workers < 1:
            problems.append(Diagnostic("option-workers", "--workers must be at least 1", hint="e.g. --workers 20"))
        if self.revert_in < self.gate_timeout + CONFIRM_MARGIN_S:
            problems.append(
                Diagnostic(
                    "option-revert-in",
                    f"--revert-in {self.revert_in}s leaves no time to confirm after a "
                    f"{self.gate_timeout:g}s health gate",
                    hint=f"use --revert-in {int(self.gate_timeout + CONFIRM_MARGIN_S)} or more, "
                    "or a shorter --gate-timeout",
                )
            )
        if self.against and not self.check:
            problems.append(
                Diagnostic(
                    "option-against",
                    "--against only goes with --check: a deploy measures its change against what was deployed",
                    hint="drop --against, or add --check to review against a git ref",
                )
            )
        if problems:
            raise DiagnosticError(problems)
