#!/usr/bin/env bash
# The main job on a fresh machine (root, Debian bookworm): install, build the FRR lab of the
# 80-site example estate, then plan, validate, deploy (canary + health-gated waves) and verify.
# The lab stays up afterwards: try `python3 runbook.py lab status` or `lab fail SITE primary_dia`.
set -euo pipefail
cd "$(dirname "$0")"

bash .ci/setup

run() { echo; echo "+ python3 runbook.py $*"; python3 runbook.py "$@"; }

python3 runbook.py lab down >/dev/null 2>&1 || true   # a previous demo's lab, if any
run lab up
run plan || [ $? -eq 2 ]         # 0: configs/ matches the intents, 2: changes to review
run validate
run deploy --yes
run verify
echo
echo "Done. The lab is still up: python3 runbook.py lab status | lab fail sea-001 primary_dia | lab down"
