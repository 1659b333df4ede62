"""``python -m runbook_wan.agent``: the same as the ``runbook-agent`` command."""

import sys

from runbook_wan.agent.cli import main

sys.exit(main())
