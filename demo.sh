#!/usr/bin/env bash
# The main job on a fresh machine (root, Debian bookworm): install, build the FRR lab of the
# 80-site example estate, then plan, validate, deploy (canary + health-gated waves) and verify;
# check drift; then bring monitoring up (Prometheus, Alertmanager, probe, notifier), show one
# circuit failure reaching the local mail and chat receivers, and the single pane of glass.
# The lab stays up afterwards: try `python3 runbook.py lab status` or `lab fail SITE primary_dia`.
set -euo pipefail
cd "$(dirname "$0")"

bash .ci/setup

run() { echo; echo "+ python3 runbook.py $*"; python3 runbook.py "$@"; }

DEMO=.runbook/demo
python3 runbook.py monitor down >/dev/null 2>&1 || true   # a previous demo's stack, if any
[ -f "$DEMO/receivers.pid" ] && kill "$(cat "$DEMO/receivers.pid")" 2>/dev/null || true
python3 runbook.py lab down >/dev/null 2>&1 || true   # a previous demo's lab, if any
run lab up
run plan || [ $? -eq 2 ]         # 0: configs/ matches the intents, 2: changes to review
run validate
run deploy --yes
run verify
run drift                        # every device runs what was deployed

# Day 2: local mail and chat receivers, the estate's intents with a notifications file that points
# at them, and the monitoring stack (a 5 s scrape so the demo does not wait long).
mkdir -p "$DEMO"; rm -f "$DEMO/received.log" "$DEMO/receivers.env"
python3 examples/demo_receivers.py --dir "$DEMO" & echo $! > "$DEMO/receivers.pid"
for _ in $(seq 50); do [ -f "$DEMO/receivers.env" ] && break; sleep 0.2; done
. "$DEMO/receivers.env"
rm -rf "$DEMO/intents"; cp -r intents "$DEMO/intents"
sed "s/SMTP_PORT/$DEMO_SMTP_PORT/" examples/demo/notifications.yaml > "$DEMO/intents/notifications.yaml"
export RUNBOOK_SECRET_CHAT_NOC_WEBHOOK="$DEMO_CHAT_URL"
export RUNBOOK_SECRET_TWILIO_ACCOUNT_SID=ACdemo00000000000000000000000000 RUNBOOK_SECRET_TWILIO_AUTH_TOKEN=demotoken
run monitor up --intents "$DEMO/intents" --scrape-interval 5
run lab fail sea-001 primary_dia --mode blackhole
echo "waiting for the CircuitDown alert to reach chat and mail ..."
seen() { grep "^$1" "$DEMO/received.log" 2>/dev/null | grep "CircuitDown" | grep -q "sea-001"; }
for _ in $(seq 120); do seen mail && seen chat && break; sleep 1; done
grep "sea-001" "$DEMO/received.log"
run status --intents "$DEMO/intents"                          # the single pane, in the terminal
run status --intents "$DEMO/intents" --html "$DEMO/status.html"  # ... and as one static page
run lab restore sea-001 primary_dia
run incidents list --all   # the last line counts what was sent, per route: only sea-001's CircuitDown pages the NOC
echo
echo "Done. The lab and monitoring are still up: python3 runbook.py monitor status | incidents list | lab status"
echo "The live pane: python3 runbook.py status --intents $DEMO/intents serve  (http://127.0.0.1:8470/)"
echo "Stop them: python3 runbook.py monitor down; kill \$(cat $DEMO/receivers.pid); python3 runbook.py lab down"
