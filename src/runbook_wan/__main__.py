"""``python -m runbook_wan``: the same command line as ``runbook.py``."""

import sys

from runbook_wan.cli import main

sys.exit(main())
