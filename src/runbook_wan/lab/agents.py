"""The SD-WAN edge agent on each lab site, started and stopped like the site's other processes.

Each FRR site runs ``runbook-agent`` (``python -m runbook_wan.agent``, this checkout's code) in
its router namespace, in a mount namespace where ``/etc/frr`` and ``/run/frr`` are the instance's
own folders, as sshd sees them: the agent reads ``/etc/frr/runbook-agent.json`` and writes
``/run/frr/runbook-agent.pid`` exactly as on a stock FRR box, so a deploy over SSH (which writes
the policy there and signals that pid) needs no lab knowledge. Without a policy file the agent
idles until a ``SIGHUP`` finds one.

The agent is stopped by the pid in its pid file (``lab down`` also sweeps the namespace, which
takes its probes). Tests kill it (:func:`kill`) and start it again (:func:`start`); nothing
restarts it behind their back, as a router's init system would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import runbook_wan
from runbook_wan.lab import probes, shell
from runbook_wan.lab.device import FRR_ETC, FRR_RUN, LabLayout
from runbook_wan.lab.topology import SiteNode

POLICY_FILE = "runbook-agent.json"
PID_FILE = "runbook-agent.pid"
DEFAULT_PORT = 9469
#: The checkout's code, so the lab runs the agent of the tree it was started from.
SOURCE_ROOT = Path(runbook_wan.__file__).resolve().parents[1]
STOP_GRACE_S = 5.0


def _in_mount_namespace(netns: str) -> list[str]:
    return ["ip", "netns", "exec", netns, "unshare", "--uts", "--mount", "--propagation", "private"]


def policy_path(netns: str) -> Path:
    return FRR_ETC / netns / POLICY_FILE


def pid_path(netns: str) -> Path:
    return FRR_RUN / netns / PID_FILE


def log_path(layout: LabLayout, netns: str) -> Path:
    return layout.logs / f"agent-{netns}.log"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def pid(netns: str) -> int | None:
    """The running agent of the site (its pid file names a live agent of this namespace), or None."""
    found = probes.read_pid(pid_path(netns))
    if found is None or not probes.pid_alive(found):
        return None
    cmdline = _cmdline(found)
    return found if "runbook_wan.agent" in cmdline and netns in cmdline else None


def start(layout: LabLayout, site: SiteNode, wait: float = 10.0) -> int:
    """Start the site's agent; returns its pid once its pid file names it."""
    running = pid(site.netns)
    if running is not None:
        return running
    log = log_path(layout, site.netns)
    script = (
        f"hostname {site.hostname} && "
        f"mount --bind {FRR_RUN / site.netns} {FRR_RUN} && "
        f"mount --bind {FRR_ETC / site.netns} {FRR_ETC} && "
        f"exec {sys.executable} -m runbook_wan.agent --log-file {log}"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSTARTUP", "PYTHONINSPECT")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_ROOT), env.get("PYTHONPATH")]))
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*_in_mount_namespace(site.netns), "sh", "-c", script],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if pid(site.netns) == proc.pid:
            return proc.pid
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise shell.LabCommandError(["runbook-agent", site.site], proc.poll() or 1, f"the agent did not start; see {log}")


def send(netns: str, sig: signal.Signals) -> int | None:
    """Signal the site's agent; returns its pid (None: no agent runs)."""
    found = pid(netns)
    if found is not None:
        os.kill(found, sig)
    return found


def kill(netns: str) -> int | None:
    """SIGKILL the agent (its probes keep running until a new agent stops them), wait until it is gone."""
    found = send(netns, signal.SIGKILL)
    if found is not None:
        deadline = time.monotonic() + STOP_GRACE_S
        while probes.pid_alive(found) and time.monotonic() < deadline:
            time.sleep(0.02)
    return found


def stop(netns: str) -> int | None:
    """SIGTERM the agent and wait for it to stop its probes and exit (KILL after a grace period)."""
    found = send(netns, signal.SIGTERM)
    if found is not None:
        deadline = time.monotonic() + STOP_GRACE_S
        while probes.pid_alive(found) and time.monotonic() < deadline:
            time.sleep(0.05)
        if probes.pid_alive(found):
            os.kill(found, signal.SIGKILL)
    return found


def reload(netns: str) -> int | None:
    """SIGHUP: re-read the policy file and FRR (what a deploy sends)."""
    return send(netns, signal.SIGHUP)


def installed_policy(netns: str) -> dict[str, Any] | None:
    try:
        data = json.loads(policy_path(netns).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def port(netns: str) -> int:
    policy = installed_policy(netns) or {}
    metrics = policy.get("metrics") or {}
    value = metrics.get("port") if isinstance(metrics, dict) else None
    return int(value) if isinstance(value, int) else DEFAULT_PORT


def state(site: SiteNode, timeout: float = 3.0) -> dict[str, Any] | None:
    """The agent's ``/state`` from its management address (None: no answer)."""
    url = f"http://{site.mgmt_ip}:{port(site.netns)}/state"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            data = json.loads(answer.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return data if isinstance(data, dict) else None
