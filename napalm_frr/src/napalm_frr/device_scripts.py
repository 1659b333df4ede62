"""POSIX shell scripts the driver runs on the device, one per config operation.

Each operation is one SSH exec (``sh -c SCRIPT napalm-frr ARGS...``), so a step never half-runs
because the controller died between two round trips. Config changes hold ``flock`` on
``<work_dir>/lock``; the commit-confirm timer takes the same lock before it reverts, so a confirm
and a revert can never interleave.

Files in the work dir:

``candidate-<session>.conf``  the loaded candidate of one driver session
``rollback.conf``             running config taken just before the last commit (for ``rollback``)
``checkpoint.conf``           running config before a commit-confirm (what the timer restores)
``pending``                   token of the unconfirmed commit; its presence = a commit is pending
``pending.pid``               pid (= process group) of the detached timer
``confirm-timer.sh``          the timer script
``history.log``               one line per commit / confirm / revert / rollback
"""

from __future__ import annotations

import shlex
from enum import IntEnum


class ScriptExit(IntEnum):
    """Exit codes of the scripts below (FRR's own tools use small numbers, so these start high)."""

    OK = 0
    LOCKED = 75
    PENDING = 76
    SNAPSHOT_FAILED = 77
    APPLY_FAILED = 78
    NO_PENDING = 79
    NOTHING_TO_ROLL_BACK = 80
    WORK_DIR = 81
    REVERT_FAILED = 82


def shell_command(script: str, *args: str) -> str:
    """A command line that runs ``script`` with positional ``args`` under ``sh``."""
    return " ".join(["sh", "-c", shlex.quote(script), "napalm-frr", *(shlex.quote(a) for a in args)])


_LOCK = """
umask 077
exec 9>>"$dir/lock"
flock -w "$wait" 9 || { echo "napalm-frr: another config operation holds $dir/lock" >&2; exit 75; }
"""

_LOG = """
log_event() { echo "$(date '+%Y-%m-%dT%H:%M:%S%z') $*" >> "$dir/history.log"; }
"""

_STOP_TIMER = """
stop_timer() {
    pid=$(cat "$dir/pending.pid" 2>/dev/null) || pid=""
    rm -f "$dir/pending.pid"
    if [ -n "$pid" ] && grep -q confirm-timer "/proc/$pid/cmdline" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    fi
    return 0
}
"""

#: args: work_dir
PREPARE = """
dir=$1
umask 077
mkdir -p "$dir" && chmod 700 "$dir" || exit 81
find "$dir" -maxdepth 1 -name 'candidate-*' -mmin +1440 -exec rm -f {} + 2>/dev/null
exit 0
"""

#: args: work_dir vtysh candidate_path; stdin: the candidate text
UPLOAD_AND_CHECK = """
dir=$1 vtysh=$2 cand=$3
umask 077
mkdir -p "$dir" || exit 81
cat > "$cand.new" || exit 81
"$vtysh" -C -f "$cand.new" 2> "$cand.err"
rc=$?
if [ $rc -ne 0 ]; then
    cat "$cand.err" >&2
    rm -f "$cand.new" "$cand.err"
    exit $rc
fi
rm -f "$cand.err"
mv -f "$cand.new" "$cand"
"""

#: args: frr_reload candidate_path
COMPARE_REPLACE = """
reload=$1 cand=$2
exec "$reload" --test "$cand"
"""

#: args: vtysh frr_reload candidate_path
COMPARE_MERGE = """
vtysh=$1 reload=$2 cand=$3
"$vtysh" -c 'show running-config no-header' > "$cand.running" || exit 77
cat "$cand.running" "$cand" > "$cand.merged"
"$reload" --test "$cand.merged"
rc=$?
rm -f "$cand.running" "$cand.merged"
exit $rc
"""

#: args: work_dir token delay_seconds frr_reload (runs detached; see COMMIT)
TIMER = """
dir=$1 token=$2 delay=$3 reload=$4
umask 077
echo $$ > "$dir/pending.pid"
sleep "$delay"
exec 9>>"$dir/lock"
flock 9
[ "$(cat "$dir/pending" 2>/dev/null)" = "$token" ] || exit 0
echo "$(date '+%Y-%m-%dT%H:%M:%S%z') revert $token: not confirmed within ${delay}s" >> "$dir/history.log"
if "$reload" --reload "$dir/checkpoint.conf" > "$dir/revert.log" 2>&1; then
    rm -f "$dir/pending" "$dir/pending.pid" "$dir/checkpoint.conf"
else
    echo "$(date '+%Y-%m-%dT%H:%M:%S%z') revert $token FAILED, see revert.log" >> "$dir/history.log"
fi
"""

#: args: work_dir wait vtysh frr_reload startup_config candidate mode revert_in token message
COMMIT = (
    """
set -u
dir=$1 wait=$2 vtysh=$3 reload=$4 startup=$5 cand=$6 mode=$7 revert=$8 token=$9
shift 9
message=$*
"""
    + _LOCK
    + _LOG
    + """
if [ -e "$dir/pending" ]; then
    echo "napalm-frr: commit $(cat "$dir/pending") is waiting for confirmation: confirm it or roll it back first" >&2
    exit 76
fi
[ -s "$cand" ] || { echo "napalm-frr: candidate $cand is gone from the device" >&2; exit 78; }
"$vtysh" -c 'show running-config no-header' > "$dir/rollback.conf.new" 2> "$dir/snapshot.err" \
    || { cat "$dir/snapshot.err" >&2; exit 77; }
mv -f "$dir/rollback.conf.new" "$dir/rollback.conf"
if [ "$mode" = merge ]; then
    { "$vtysh" -f "$cand" && "$vtysh" -c 'write memory'; } > "$dir/apply.log" 2>&1
else
    "$reload" --reload "$cand" > "$dir/apply.log" 2>&1
fi
rc=$?
if [ $rc -ne 0 ]; then
    "$reload" --reload "$dir/rollback.conf" > "$dir/restore.log" 2>&1
    cat "$dir/apply.log" >&2
    log_event "commit $token FAILED (rc $rc), previous config restored"
    exit 78
fi
log_event "commit $token mode=$mode revert_in=$revert $message"
rm -f "$cand"
[ "$revert" -gt 0 ] || exit 0
cp -f "$dir/rollback.conf" "$dir/checkpoint.conf"
# Until it is confirmed, the new config must not survive a reboot: startup keeps the checkpoint.
cat "$dir/checkpoint.conf" > "$startup"
echo "$token" > "$dir/pending"
rm -f "$dir/pending.pid"
cat > "$dir/confirm-timer.sh" <<'NAPALM_FRR_TIMER'
"""
    + TIMER
    + """NAPALM_FRR_TIMER
setsid nohup sh "$dir/confirm-timer.sh" "$dir" "$token" "$revert" "$reload" \
    </dev/null >/dev/null 2>&1 9>&- &
n=0
while [ ! -s "$dir/pending.pid" ] && [ $n -lt 250 ]; do sleep 0.02; n=$((n + 1)); done
[ -s "$dir/pending.pid" ] || { echo "napalm-frr: the confirm timer did not start" >&2; exit 78; }
"""
)

#: args: work_dir wait vtysh
CONFIRM = (
    """
dir=$1 wait=$2 vtysh=$3
"""
    + _LOCK
    + _LOG
    + _STOP_TIMER
    + """
[ -e "$dir/pending" ] || { echo "napalm-frr: no commit is waiting for confirmation" >&2; exit 79; }
token=$(cat "$dir/pending")
stop_timer
rm -f "$dir/pending" "$dir/checkpoint.conf"
"$vtysh" -c 'write memory' > /dev/null || exit 77
log_event "confirm $token"
"""
)

#: args: work_dir wait frr_reload
ROLLBACK = (
    """
dir=$1 wait=$2 reload=$3
"""
    + _LOCK
    + _LOG
    + _STOP_TIMER
    + """
if [ -e "$dir/pending" ]; then target=checkpoint.conf; else target=rollback.conf; fi
if [ ! -s "$dir/$target" ]; then
    echo "napalm-frr: nothing to roll back to: no commit was made through this driver" >&2
    exit 80
fi
if ! "$reload" --reload "$dir/$target" > "$dir/rollback.log" 2>&1; then
    cat "$dir/rollback.log" >&2
    exit 82
fi
if [ -e "$dir/pending" ]; then
    log_event "rollback of unconfirmed commit $(cat "$dir/pending")"
    stop_timer
    rm -f "$dir/pending" "$dir/checkpoint.conf"
else
    log_event "rollback to the config before the last commit"
fi
"""
)

#: args: work_dir; prints the pending token (empty when none)
PENDING = """
dir=$1
cat "$dir/pending" 2>/dev/null
exit 0
"""
