"""Default rollout settings, written once: ``DeployOptions`` and ``runbook.py deploy --help`` use them.

Kept free of heavy imports so the command line can show them without loading the rollout.
"""

from __future__ import annotations

CANARY = "1"
WAVE_SIZE = "20%"
WORKERS = 20
MAX_FAILURES = "10%"
REVERT_IN_S = 120
GATE_TIMEOUT_S = 60.0
