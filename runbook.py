#!/usr/bin/env python3
"""Runbook: intent-based WAN automation. ``python3 runbook.py --help`` lists the commands.

This file is the project's front door in a checkout; the code lives in the ``runbook_wan``
package (``src/runbook_wan``). Installed from the wheel, the same command is ``runbook-wan``.
"""

from __future__ import annotations

import sys
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent
# The checkout's own code first: src/ and the NAPALM driver's napalm_frr/src (whatever is installed).
for _src in (_CHECKOUT / "napalm_frr" / "src", _CHECKOUT / "src"):
    if _src.is_dir() and str(_src) not in sys.path:
        sys.path.insert(0, str(_src))

from runbook_wan.cli import main  # noqa: E402 - after the checkout's src/ is on the path

if __name__ == "__main__":
    sys.exit(main())
