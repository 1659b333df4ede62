"""The fault modes ``lab fail`` knows (kept apart from :mod:`lab.faults`, so the CLI can offer
them as choices without importing the lab)."""

from __future__ import annotations

from typing import Literal

FaultMode = Literal["link", "blackhole"]
FAULT_MODES: tuple[FaultMode, ...] = ("link", "blackhole")
