"""POSIX shell scripts the driver runs on the device, one per config operation.

Each operation is one SSH exec (``sh -c SCRIPT napalm-frr ARGS...``), so a step never half-runs
because the controller died between two round trips: data comes on stdin and is read completely
(up to an ``end <token>`` line) before anything changes. Config changes hold ``flock`` on
``<work_dir>/lock``; the commit-confirm timer takes the same lock before it reverts, so a confirm
and a revert can never interleave.

The scripts spend processes only where FRR needs them. The lock is taken by ``flock --no-fork``,
which then *becomes* the script's shell; files are read and written with the shell's own
``read``/``printf``; a script that ends in vtysh ``exec``s it. So a commit is one process plus
the timer, a confirm is one process (see README.md, "What runs on the device").

Files in the work dir:

``rollback.conf``   running config taken just before the last commit (``rollback``, and what the
                    confirm timer restores)
``revert.cmds``     vtysh commands undoing the last lean commit (applied first by a revert)
``pending``         token of the unconfirmed commit; non-empty = a commit is pending
``pending.pid``     pid and start time of the detached timer (its process group)
``history.log``     one line per commit / confirm / revert / rollback
``candidate-<session>.conf``  a merge candidate (and replace candidates when the controller has no
                    frr-reload.py), uploaded by the load step
``startup.before``  the startup config before the last commit (a revert or rollback puts it back)
``startup.next``    what ``confirm`` saves as the startup config: the committed replace candidate,
                    not whatever runs by then (absent after a merge commit: ``vtysh -w``)
``files``           the sidecar files the last commit changed, one line each: path, present, apply,
                    remove and signal commands, separated by US (0x1f)
``file.N.old``      file N's content before the last commit; ``file.N.state`` says ``saved``, or
                    ``absent`` when it did not exist
``signals``         pid files to send SIGHUP once the commit's config is applied
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
    #: a sidecar file could not be written or its apply command refused it; everything is as before
    FILES_FAILED = 83
    #: a sidecar file's check command refused it at load time (nothing was changed)
    CHECK_FAILED = 84
    BAD_PAYLOAD = 86


def shell_command(script: str, *args: str) -> str:
    """A command line that runs ``script`` with positional ``args`` under ``sh``."""
    return " ".join(["sh", "-c", shlex.quote(script), "napalm-frr", *(shlex.quote(a) for a in args)])


#: args: work_dir lock_wait inner_script inner_args...; runs ``inner_script`` holding the lock,
#: with ``$1`` = work_dir. The work dir is created here the first time (mode 700).
LOCKED = """
dir=$1 wait=$2 inner=$3
shift 3
if [ ! -d "$dir" ]; then
    umask 077
    mkdir -p "$dir" || { echo "napalm-frr: cannot create $dir" >&2; exit 81; }
fi
exec flock --no-fork -E 75 -w "$wait" "$dir/lock" sh -c "$inner" napalm-frr "$dir" "$@"
"""


def locked(inner: str, work_dir: str, wait: int, *args: str) -> str:
    """The command line running ``inner`` (args: work_dir, ``args``) under the device lock."""
    return shell_command(LOCKED, work_dir, str(wait), inner, *args)


#: Shell functions shared by the locked scripts.
_COMMON = """
trap '' HUP PIPE
umask 077
log_event() { printf '%s %s\\n' "$now" "$*" >> "$dir/history.log"; }
# Read "NAME COUNT" and then COUNT lines from stdin into the variable NAME (the shell's own read:
# no process, and not one byte past the block).
read_block() {
    IFS= read -r _head || return 1
    [ "${_head%% *}" = "$1" ] || return 1
    _n=${_head#* } _i=0 _text=
    while [ "$_i" -lt "$_n" ] && IFS= read -r _line; do
        _text="$_text$_line
"
        _i=$((_i + 1))
    done
    [ "$_i" -eq "$_n" ] || return 1
    eval "$1=\\$_text"
}
stop_timer() {
    _pid= _start= _stat=
    read -r _pid _start 2>/dev/null < "$dir/pending.pid"
    : > "$dir/pending.pid"
    [ -n "$_pid" ] || return 0
    read -r _stat 2>/dev/null < "/proc/$_pid/stat" || return 0
    set -- $_stat
    eval "_now_start=\\${22}"
    # the start time guards against a reused pid; "-pid" is its process group (dash's kill takes no "--")
    [ "$_now_start" = "$_start" ] && { kill -TERM "-$_pid" 2>/dev/null || kill -TERM "$_pid" 2>/dev/null; }
    return 0
}
"""

#: fast_revert: the lean commit stored the commands that undo it (``revert.cmds``, computed on the
#: controller by frr-reload's logic, from the candidate back to the rollback point). Each line is
#: ``= command``, ``- delete`` or ``? shorter form of the delete above``: one ``vtysh -C`` (parse
#: only) tells which forms FRR's parser takes, awk keeps the first that parses (frr-reload's
#: order), and one vtysh applies them, skipping whatever FRR still refuses (``--noerror``).
#: frr-reload.py --reload of ``rollback.conf`` runs after it in every case: little is left for it
#: to do, and its word is final. The rare path: its processes do not matter, its speed does.
_SELECT_FORMS = r"""
FILENAME == ARGV[1] { if ($1 == "line") { n = $2; sub(":", "", n); bad[n] = 1 }; next }
function flush() { if (open) print (chosen != "" ? chosen : head); open = 0 }
{ kind = substr($0, 1, 1); text = substr($0, 3) }
kind == "=" { flush(); print text; next }
kind == "-" { flush(); open = 1; head = text; chosen = (FNR in bad) ? "" : text; next }
kind == "?" { if (open && chosen == "" && !(FNR in bad)) chosen = text; next }
END { flush() }
"""
#: The sidecar files of the last commit, restored by a revert, a rollback or a failed commit. Files
#: are small (a ruleset, a policy): they are copied with the shell's own read/printf, no process.
#: Commands run with ``eval``, stdin closed: one process each (the command itself).
_FILES_RESTORE = """
US=
copy_file() {
    { while IFS= read -r _l || [ -n "$_l" ]; do printf '%s\\n' "$_l"; done < "$1"; } > "$2"
}
send_hup() {
    _hpid=
    read -r _hpid 2>/dev/null < "$1"
    case $_hpid in ''|*[!0-9]*) return 0 ;; esac
    kill -HUP "$_hpid" 2>/dev/null
    return 0
}
restore_files() {
    [ -s "$dir/files" ] || return 0
    _i=0 _bad=
    while IFS="$US" read -r _path _present _apply _remove _signal; do
        _state=
        read -r _state 2>/dev/null < "$dir/file.$_i.state"
        if [ "$_state" = absent ]; then
            rm -f "$_path"
            [ -z "$_remove" ] || eval "$_remove" < /dev/null > /dev/null 2>&1
        elif [ "$_state" = saved ]; then
            if copy_file "$dir/file.$_i.old" "$_path"; then
                [ -z "$_apply" ] || eval "$_apply" < /dev/null >&2 || _bad="$_bad $_path"
            else
                _bad="$_bad $_path"
            fi
        else
            _i=$((_i + 1))
            continue
        fi
        [ -z "$_signal" ] || send_hup "$_signal"
        _i=$((_i + 1))
    done < "$dir/files"
    [ -z "$_bad" ] || { echo "napalm-frr: could not restore:$_bad" >&2; return 1; }
    echo "$(date '+%Y-%m-%dT%H:%M:%S%z') files of the last commit restored" >> "$dir/history.log"
}
restore_startup() {
    [ -s "$dir/startup.before" ] || return 0
    copy_file "$dir/startup.before" "$startup"
}
"""

#: Staging and installing a commit's sidecar files. The payload's ``files`` block lists them (see
#: :mod:`napalm_frr.sidecars`), then one ``fileN`` block per file holds its content. A file whose
#: content the device already has is left alone; the others are recorded in ``files``, their old
#: content saved, and written and applied only after every old content is saved.
_FILES_COMMIT = """
read_text() {
    _text=
    [ -f "$1" ] || return 1
    while IFS= read -r _l || [ -n "$_l" ]; do _text="$_text$_l
"; done < "$1"
}
stage_files() {
    : > "$dir/files.next"
    _k=0 _j=0
    while IFS="$US" read -r _path _present _apply _remove _signal <&3; do
        [ -n "$_path" ] || continue
        read_block "file$_k" || return 1
        eval "_body=\\$file$_k"
        _k=$((_k + 1))
        if [ "$_present" = 1 ]; then
            if read_text "$_path" && [ "$_text" = "$_body" ]; then
                continue
            fi
            printf '%s' "$_body" > "$dir/file.$_j.new" || return 1
        elif [ ! -e "$_path" ]; then
            continue
        fi
        printf '%s\\n' "$_path$US$_present$US$_apply$US$_remove$US$_signal" >> "$dir/files.next"
        _j=$((_j + 1))
    done 3<<_NAPALM_FRR_FILES_
$files
_NAPALM_FRR_FILES_
    [ "$_k" -eq "$_nfiles" ]
}
install_files() {
    copy_file "$dir/files.next" "$dir/files" || return 1
    : > "$dir/signals"
    [ -s "$dir/files" ] || return 0
    _i=0
    while IFS="$US" read -r _path _present _apply _remove _signal; do
        : > "$dir/file.$_i.state"
        if [ -f "$_path" ]; then
            copy_file "$_path" "$dir/file.$_i.old" || { echo "napalm-frr: cannot read $_path" >&2; return 1; }
            echo saved > "$dir/file.$_i.state"
        else
            echo absent > "$dir/file.$_i.state"
        fi
        _i=$((_i + 1))
    done < "$dir/files"
    _i=0
    while IFS="$US" read -r _path _present _apply _remove _signal; do
        if [ "$_present" = 1 ]; then
            copy_file "$dir/file.$_i.new" "$_path" || { echo "napalm-frr: cannot write $_path" >&2; return 1; }
            if [ -n "$_apply" ] && ! eval "$_apply" < /dev/null > "$dir/apply.out" 2>&1; then
                echo "napalm-frr: the device refused $_path ($_apply):" >&2
                cat "$dir/apply.out" >&2
                return 1
            fi
        else
            rm -f "$_path"
            [ -z "$_remove" ] || eval "$_remove" < /dev/null > /dev/null 2>&1
        fi
        [ -z "$_signal" ] || printf '%s\\n' "$_signal" >> "$dir/signals"
        _i=$((_i + 1))
    done < "$dir/files"
}
send_signals() {
    [ -s "$dir/signals" ] || return 0
    while IFS= read -r _s; do send_hup "$_s"; done < "$dir/signals"
}
# the startup config before the commit (a revert puts it back), and what confirm will save
save_startup() {
    if [ -f "$startup" ]; then copy_file "$startup" "$dir/startup.before"; else : > "$dir/startup.before"; fi
    printf '%s' "$startup_next" > "$dir/startup.next"
}
files_failed() {
    restore_files 2> /dev/null
    log_event "commit $token FAILED: a sidecar file was refused; the files are as before"
    cat "$dir/files.err" >&2
    exit 83
}
"""

_FAST_REVERT = (
    """
fast_revert() {
    [ -s "$dir/revert.cmds" ] || return 0
    sed 's/^..//' "$dir/revert.cmds" > "$dir/revert.dry"
    "$vtysh" -H /dev/null -C -f "$dir/revert.dry" > /dev/null 2> "$dir/revert.dry.err"
    _undo=$(awk '"""
    + _SELECT_FORMS.replace("'", "'\\''")
    + """' "$dir/revert.dry.err" "$dir/revert.cmds")
    "$vtysh" -H /dev/null --noerror -c "configure
$_undo
end" > /dev/null 2>&1
    : > "$dir/revert.cmds"
    echo "$(date '+%Y-%m-%dT%H:%M:%S%z') undo commands of the last commit applied" >> "$dir/history.log"
    return 0
}
"""
)

#: The commit-confirm timer. Runs detached (``setsid nohup``) under bash if the box has it, else
#: sh. args: work_dir token delay_seconds frr_reload vtysh startup_config
TIMER = (
    """
exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
dir=$1 token=$2 delay=$3 reload=$4 vtysh=$5 startup=$6
waited=
if [ -n "${BASH_VERSION:-}" ] && { exec 3<> /dev/ptmx; } 2>/dev/null; then
    # bash's read with a timeout on a terminal nobody writes to: a sleep without a sleep process
    read -r -t "$delay" -u 3 _
    [ $? -gt 128 ] && waited=1
    exec 3>&-
fi
[ -n "$waited" ] || sleep "$delay"
"""
    + _FAST_REVERT
    + _FILES_RESTORE
    + """
exec 9>>"$dir/lock"
flock 9
current=
read -r current 2>/dev/null < "$dir/pending"
[ "$current" = "$token" ] || exit 0
echo "$(date '+%Y-%m-%dT%H:%M:%S%z') revert $token: not confirmed within ${delay}s" >> "$dir/history.log"
fast_revert
"$reload" --reload "$dir/rollback.conf" > "$dir/revert.log" 2>&1
rc=$?
# frr-reload saved the running config: the startup config before the commit comes back
restore_startup
restore_files >> "$dir/revert.log" 2>&1 || rc=1
if [ "$rc" -eq 0 ]; then
    : > "$dir/pending"
    : > "$dir/pending.pid"
    echo "$(date '+%Y-%m-%dT%H:%M:%S%z') revert $token done" >> "$dir/history.log"
else
    echo "$(date '+%Y-%m-%dT%H:%M:%S%z') revert $token FAILED, see revert.log" >> "$dir/history.log"
fi
"""
)

#: start_timer: the detached timer restores rollback.conf after $delay s unless confirmed
_START_TIMER = """
start_timer() {
    if command -v bash > /dev/null 2>&1; then _shell=bash; else _shell=sh; fi
    setsid nohup "$_shell" -c "$timer" napalm-frr-confirm-timer "$dir" "$token" "$delay" "$reload" "$vtysh" \\
        "$startup" < /dev/null > /dev/null 2>&1 &
    _pid=$!
    _stat=
    read -r _stat < "/proc/$_pid/stat" || { echo "napalm-frr: the confirm timer did not start" >&2; return 1; }
    set -- $_stat
    eval "_start=\\${22}"
    printf '%s %s\\n' "$_pid" "$_start" > "$dir/pending.pid"
}
"""

_REFUSE_IF_PENDING = """
pending=
read -r pending 2>/dev/null < "$dir/pending"
if [ -n "$pending" ]; then
    echo "napalm-frr: commit $pending is waiting for confirmation: confirm it or roll it back first" >&2
    exit 76
fi
"""

#: The lean commit (replace), under the lock.
#: args: work_dir vtysh frr_reload startup_config revert_in window token now timer_script message...
#: stdin: "rollback N" + the running config the diff was computed against (N lines),
#:        "revert_cmds K" + the vtysh commands that undo the change (for the timer and rollback),
#:        "apply M" + the vtysh commands (M lines), "startup_next S" + what confirm saves,
#:        "files F" + the sidecar files' manifest, "file0 .." one block per file, "end <token>".
#: Nothing changes before the whole payload has arrived. Then the rollback point is written, the
#: timer armed (``window`` seconds: revert_in, or a safety window for a plain commit, which the
#: driver confirms at once), the sidecar files installed (a refused one puts every file back and
#: ends the commit: exit 83) and vtysh run: it keeps the lock, and its stdout is the running config
#: before, the applied commands (-E) and the running config after, for the controller to verify.
#: If vtysh stops at a refused command, the timer already covers the half-applied change. Processes
#: whose file changed get SIGHUP once the config is in.
LEAN_COMMIT = (
    """
set -u
dir=$1 vtysh=$2 reload=$3 startup=$4 revert=$5 window=$6 token=$7 now=$8 timer=$9
shift 9
message=$*
"""
    + _COMMON
    + _START_TIMER
    + _FILES_RESTORE
    + _FILES_COMMIT
    + _REFUSE_IF_PENDING
    + """
rollback= revert_cmds= apply= startup_next= files= last=
read_block rollback && read_block revert_cmds && read_block apply && read_block startup_next \\
    && read_block files && _nfiles=$_n && stage_files && IFS= read -r last && [ "$last" = "end $token" ] || {
    echo "napalm-frr: incomplete commit payload, nothing was changed" >&2
    exit 86
}
printf '%s' "$rollback" > "$dir/rollback.conf"
printf '%s' "$revert_cmds" > "$dir/revert.cmds"
# Until it is confirmed, the new config must not survive a reboot: the startup config stays as it
# was (startup.before, which a revert puts back after frr-reload saved).
save_startup
printf '%s\\n' "$token" > "$dir/pending"
delay=$window
start_timer || { : > "$dir/pending"; exit 78; }
if ! install_files 2> "$dir/files.err"; then
    stop_timer
    : > "$dir/pending"
    files_failed
fi
log_event "commit $token mode=replace apply=lean revert_in=$revert $message"
if [ -s "$dir/signals" ]; then
    "$vtysh" -H /dev/null -E -c "$apply" 2>&1
    rc=$?
    send_signals
    exit $rc
fi
exec "$vtysh" -H /dev/null -E -c "$apply" 2>&1
"""
)

#: A second apply pass after a lean commit (frr-reload's second pass), under the lock.
#: args: work_dir vtysh token; stdin: "apply M" + M lines, "end <token>".
LEAN_FIXUP = (
    """
set -u
dir=$1 vtysh=$2 token=$3 now=
"""
    + _COMMON
    + """
apply= last=
read_block apply && IFS= read -r last && [ "$last" = "end $token" ] || exit 86
exec "$vtysh" -H /dev/null -E -c "$apply" 2>&1
"""
)

#: Replace the rollback point with the config the device really ran before a commit, under the
#: lock (the startup config is not touched: it keeps the one before the commit). args: work_dir
#: startup_config token; stdin: "rollback N" + N lines, "end <token>".
SET_ROLLBACK = (
    """
set -u
dir=$1 startup=$2 token=$3 now=
"""
    + _COMMON
    + """
rollback= last=
read_block rollback && IFS= read -r last && [ "$last" = "end $token" ] || exit 86
printf '%s' "$rollback" > "$dir/rollback.conf"
exit 0
"""
)

#: Confirm, under the lock: stop the timer, clear the token, save. A replace commit saves what it
#: committed (``startup.next``), not the running config: whatever changed it at run time since (a
#: daemon moving next hops) must not survive a restart. A merge commit saves with ``vtysh -w``. One
#: process: flock, sh and finally vtysh are the same process (none for a replace commit).
#: args: work_dir vtysh now startup_config
CONFIRM = (
    """
dir=$1 vtysh=$2 now=$3 startup=$4
"""
    + _COMMON
    + _FILES_RESTORE
    + """
token=
read -r token 2>/dev/null < "$dir/pending"
[ -n "$token" ] || { echo "napalm-frr: no commit is waiting for confirmation" >&2; exit 79; }
stop_timer
: > "$dir/pending"
log_event "confirm $token"
if [ -s "$dir/startup.next" ]; then
    copy_file "$dir/startup.next" "$startup"
    exit $?
fi
# vtysh -w writes frr.conf itself; "write memory" would have watchfrr start a `vtysh -w` for it
exec "$vtysh" -w > /dev/null
"""
)

#: Roll back, under the lock: a pending commit is reverted now (and its timer stopped); otherwise
#: the config before the last commit comes back. frr-reload.py does the work on the device: this
#: is the rare path, and FRR's own tool diffs against what really runs. The files the commit changed
#: and the startup config before it come back too. args: work_dir frr_reload now vtysh startup_config
ROLLBACK = (
    """
dir=$1 reload=$2 now=$3 vtysh=$4 startup=$5
"""
    + _COMMON
    + _FAST_REVERT
    + _FILES_RESTORE
    + """
if [ ! -s "$dir/rollback.conf" ]; then
    echo "napalm-frr: nothing to roll back to: no commit was made through this driver" >&2
    exit 80
fi
token=
read -r token 2>/dev/null < "$dir/pending"
# right after a lean commit, its own undo commands do the bulk of the work in one vtysh
if [ -n "$token" ]; then fast_revert; else : > "$dir/revert.cmds"; fi
"$reload" --reload "$dir/rollback.conf" > "$dir/rollback.log" 2>&1
rc=$?
restore_startup
restore_files 2>> "$dir/rollback.log" || rc=82
if [ "$rc" -ne 0 ]; then
    cat "$dir/rollback.log" >&2
    exit 82
fi
if [ -n "$token" ]; then
    stop_timer
    : > "$dir/pending"
    log_event "rollback of unconfirmed commit $token"
else
    log_event "rollback to the config before the last commit"
fi
"""
)

#: The classic commit: frr-reload.py on the device applies the uploaded candidate (replace), or
#: vtysh -f + write memory (merge). Used for merge candidates and when the controller has no
#: frr-reload.py. args: work_dir vtysh frr_reload startup_config candidate mode revert_in token
#: now timer_script message...; stdin: "startup_next S", "files F", "file0 ..", "end <token>" (as
#: the lean commit's). The sidecar files are installed before the config is applied.
CLASSIC_COMMIT = (
    """
set -u
dir=$1 vtysh=$2 reload=$3 startup=$4 cand=$5 mode=$6 revert=$7 token=$8 now=$9
shift 9
timer=$1
shift
message=$*
"""
    + _COMMON
    + _START_TIMER
    + _FILES_RESTORE
    + _FILES_COMMIT
    + _REFUSE_IF_PENDING
    + """
startup_next= files= last=
read_block startup_next && read_block files && _nfiles=$_n && stage_files \\
    && IFS= read -r last && [ "$last" = "end $token" ] || {
    echo "napalm-frr: incomplete commit payload, nothing was changed" >&2
    exit 86
}
[ -s "$cand" ] || { echo "napalm-frr: candidate $cand is gone from the device" >&2; exit 78; }
"$vtysh" -H /dev/null -c 'show running-config no-header' > "$dir/rollback.conf.new" 2> "$dir/snapshot.err" \\
    || { cat "$dir/snapshot.err" >&2; exit 77; }
mv -f "$dir/rollback.conf.new" "$dir/rollback.conf"
: > "$dir/revert.cmds"
save_startup
install_files 2> "$dir/files.err" || files_failed
if [ "$mode" = merge ]; then
    { "$vtysh" -H /dev/null -f "$cand" && "$vtysh" -H /dev/null -c 'write memory'; } > "$dir/apply.log" 2>&1
else
    "$reload" --reload "$cand" > "$dir/apply.log" 2>&1
fi
rc=$?
if [ $rc -ne 0 ]; then
    "$reload" --reload "$dir/rollback.conf" > "$dir/restore.log" 2>&1
    restore_startup
    restore_files 2>> "$dir/restore.log"
    cat "$dir/apply.log" >&2
    log_event "commit $token FAILED (rc $rc), previous config restored"
    exit 78
fi
log_event "commit $token mode=$mode revert_in=$revert $message"
rm -f "$cand"
if [ "$revert" -le 0 ]; then
    # a plain replace commit saves what it committed (frr-reload saved the running config)
    [ ! -s "$dir/startup.next" ] || copy_file "$dir/startup.next" "$startup"
    send_signals
    exit 0
fi
# Until it is confirmed, the new config must not survive a reboot: startup keeps the old one.
restore_startup
printf '%s\\n' "$token" > "$dir/pending"
delay=$revert
start_timer || {
    : > "$dir/pending"
    "$reload" --reload "$dir/rollback.conf" > "$dir/restore.log" 2>&1
    restore_startup
    restore_files 2>> "$dir/restore.log"
    exit 78
}
send_signals
"""
)

#: args: work_dir vtysh candidate_path; stdin: the candidate text. Uploads a classic candidate
#: and syntax-checks it with ``vtysh -C`` (every bad line reported).
UPLOAD_AND_CHECK = """
dir=$1 vtysh=$2 cand=$3
umask 077
mkdir -p "$dir" || exit 81
find "$dir" -maxdepth 1 -name 'candidate-*' -mmin +1440 -exec rm -f {} + 2>/dev/null
cat > "$cand.new" || exit 81
"$vtysh" -H /dev/null -C -f "$cand.new" 2> "$cand.err"
rc=$?
if [ $rc -ne 0 ]; then
    cat "$cand.err" >&2
    rm -f "$cand.new" "$cand.err"
    exit $rc
fi
rm -f "$cand.err"
mv -f "$cand.new" "$cand"
"""

#: Check sidecar files before anything changes: each new content goes to a temporary file and its
#: check command runs against it (``nft -c -f``); a file whose content the device already holds is
#: not checked again. args: work_dir token; stdin: "files F" (one line per file: temp path, check
#: command, path), one "fileN" block per file, "end <token>". Exit 84 with each refusal on stderr.
CHECK_FILES = (
    """
dir=$1 token=$2 now=
"""
    + _COMMON
    + _FILES_RESTORE
    + _FILES_COMMIT
    + """
mkdir -p "$dir" || exit 81
files= last=
read_block files || exit 86
_nfiles=$_n _k=0 _bad=0
while IFS="$US" read -r _tmp _check _path <&3; do
    [ -n "$_tmp" ] || continue
    read_block "file$_k" || exit 86
    eval "_body=\\$file$_k"
    _k=$((_k + 1))
    # a file the device already holds needs no check (a verification, a retry): no process spent
    if read_text "$_path" && [ "$_text" = "$_body" ]; then
        continue
    fi
    printf '%s' "$_body" > "$_tmp" || exit 81
    if ! eval "$_check" < /dev/null > "$_tmp.out" 2>&1; then
        echo "$_path: refused by \\`$_check\\`:" >&2
        cat "$_tmp.out" >&2
        _bad=1
    fi
    rm -f "$_tmp" "$_tmp.out"
done 3<<_NAPALM_FRR_FILES_
$files
_NAPALM_FRR_FILES_
IFS= read -r last && [ "$last" = "end $token" ] && [ "$_k" -eq "$_nfiles" ] || exit 86
[ "$_bad" -eq 0 ] || exit 84
"""
)

#: args: frr_reload candidate_path
COMPARE_REPLACE = """
reload=$1 cand=$2
exec "$reload" --test "$cand"
"""

#: args: vtysh frr_reload candidate_path
COMPARE_MERGE = """
vtysh=$1 reload=$2 cand=$3
"$vtysh" -H /dev/null -c 'show running-config no-header' > "$cand.running" || exit 77
cat "$cand.running" "$cand" > "$cand.merged"
"$reload" --test "$cand.merged"
rc=$?
rm -f "$cand.running" "$cand.merged"
exit $rc
"""


def read_pending(work_dir: str) -> str:
    """Login-shell command printing the pending token (empty when none), with no extra process."""
    return f"t=; read -r t 2>/dev/null < {shlex.quote(work_dir + '/pending')}; printf '%s\\n' \"$t\""


#: First line the session prints before vtysh starts: ``<marker> <pending token>|<UTC offset>``.
SESSION_MARKER = "@@napalm-frr-session@@"


def session_start(work_dir: str, vtysh: str) -> str:
    """Login-shell command that reads the pending token and the UTC offset (bash's printf; empty
    elsewhere) with the shell's builtins, then becomes the session's interactive vtysh.

    ``COLUMNS`` keeps readline from scrolling long lines; ``-H /dev/null`` keeps commands out of
    the login's vtysh history.
    """
    pending = shlex.quote(work_dir + "/pending")
    return (
        f"t=; read -r t 2>/dev/null < {pending}; z=; "
        "[ -n \"${BASH_VERSION:-}\" ] && printf -v z '%(%z)T' -1 2>/dev/null; "
        f'printf \'%s %s|%s\\n\' {SESSION_MARKER} "$t" "$z"; '
        f"COLUMNS=100000; export COLUMNS; exec {shlex.quote(vtysh)} -H /dev/null"
    )


def payload(token: str, **blocks: list[str]) -> str:
    """stdin for the locked scripts: each block as ``NAME COUNT`` + lines, then ``end <token>``."""
    parts: list[str] = []
    for name, lines in blocks.items():
        parts.append(f"{name} {len(lines)}")
        parts.extend(lines)
    parts.append(f"end {token}")
    return "\n".join(parts) + "\n"
