"""``runbook-agent``: the edge agent's command line and daemon loop.

    runbook-agent                          # run: /etc/frr/runbook-agent.json, pid /run/frr/runbook-agent.pid
    runbook-agent --check [--policy FILE]  # check a policy file and say what the agent would do with it

Signals: ``SIGHUP`` re-reads the policy file (a deploy that changes it sends one) and FRR;
``SIGTERM``/``SIGINT`` stop the agent and its probes. Without a policy file the agent idles until
a ``SIGHUP`` finds one; a bad file is reported and the previous policy stays in force.

Exit codes: 0 stopped cleanly or the policy checks out, 1 bad policy (``--check``) or cannot
start, 2 bad usage, 3 another agent runs (its pid file names a live agent).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

from runbook_wan.agent.fping import probe_bits_per_second
from runbook_wan.agent.policy import Policy, PolicyError, load_policy
from runbook_wan.agent.runner import Runner, SystemRunner

if TYPE_CHECKING:
    from runbook_wan.agent.exporter import MetricsServer, SnapshotCollector
    from runbook_wan.agent.service import Agent

DEFAULT_POLICY = Path("/etc/frr/runbook-agent.json")
DEFAULT_PID_FILE = Path("/run/frr/runbook-agent.pid")
TICK_S = 1.0
#: How often a metrics endpoint that could not bind is tried again.
BIND_RETRY_S = 10.0
#: Marks an agent process in /proc/<pid>/cmdline (the console script or ``-m runbook_wan.agent``).
CMDLINE_MARKS = ("runbook-agent", "runbook_wan.agent")
log = logging.getLogger("runbook-agent")


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    RUNNING = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="runbook-agent",
        description="Runbook's SD-WAN edge agent: measures every circuit, steers each class on its SLA "
        "through FRR's pbr-map (docs/agent.md).",
        epilog="exit codes: 0 ok, 1 bad policy or cannot start, 2 bad usage, 3 another agent runs",
    )
    parser.add_argument("--policy", type=Path, default=DEFAULT_POLICY, help=f"policy file (default {DEFAULT_POLICY})")
    parser.add_argument("--pid-file", type=Path, default=DEFAULT_PID_FILE, help=f"(default {DEFAULT_PID_FILE})")
    parser.add_argument("--log-file", type=Path, help="append the log here (default: standard error)")
    parser.add_argument("--pathspace", metavar="NAME", help="FRR instance (vtysh -N) when not the box's only one")
    parser.add_argument("--check", action="store_true", help="check the policy file and exit")
    return parser


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def running_agent(pid_file: Path) -> int | None:
    """The pid of a live agent named by ``pid_file`` (None: no file, stale, or not an agent)."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if pid == os.getpid():
        return None
    cmdline = _cmdline(pid)
    return pid if any(mark in cmdline for mark in CMDLINE_MARKS) else None


def probes_file(pid_file: Path) -> Path:
    """Where the agent records its probe processes (to stop them if it was killed)."""
    return pid_file.with_suffix(".probes")


def stop_stale_probes(pid_file: Path) -> int:
    """Stop probes a killed agent left running: only pids whose command line is still the recorded one."""
    stopped = 0
    path = probes_file(pid_file)
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            pid_text, _, argv = line.partition(" ")
            if pid_text.isdigit() and argv and _cmdline(int(pid_text)).strip() == argv.strip():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid_text), signal.SIGTERM)
                    stopped += 1
    path.unlink(missing_ok=True)
    return stopped


def describe(policy: Policy) -> list[str]:
    lines = [f"policy for site {policy.site}: pbr-map {policy.pbr_map}, digest {policy.digest}"]
    for c in policy.circuits:
        lines.append(
            f"  circuit {c.role}: fping -I {c.interface} -S {c.source} {c.target} every {c.probe.interval_ms} ms, "
            f"{c.probe.window_s:g} s windows ({probe_bits_per_second(c) / 1000:.2f} kbit/s each way)"
            + (", metered" if c.metered else "")
        )
    for cls in policy.classes:
        sla = cls.sla
        groups = ", ".join("/".join(map(str, g)) for g in cls.groups)
        lines.append(
            f"  class {cls.name}: {' > '.join(cls.path)}; SLA latency {sla.latency_ms:g} ms, "
            f"jitter {sla.jitter_ms:g} ms, loss {sla.loss_pct:g}%; sequences {groups}"
        )
    d = policy.decision
    lines.append(
        f"  decision: breach over {d.breach_windows} window(s), clear over {d.clear_windows}, hold {d.hold_s:g} s, "
        f"least bad by {', '.join(d.least_bad)}"
    )
    if policy.metrics:
        lines.append(f"  metrics: http://<{policy.metrics.interface} address>:{policy.metrics.port}/metrics and /state")
    return lines


class Daemon:
    """Runs the agent for whatever policy the file holds, across reloads."""

    def __init__(
        self,
        policy_path: Path,
        pid_file: Path,
        runner: Runner,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        pathspace: str | None = None,
    ) -> None:
        self.policy_path = policy_path
        self.pid_file = pid_file
        self.runner = runner
        self.clock = clock
        self.wall = wall
        self.pathspace = pathspace
        self.agent: Agent | None = None
        self._collector: SnapshotCollector | None = None
        self._server: MetricsServer | None = None
        self._bind_tried: float | None = None
        self._recorded_probes: list[int] = []
        self._reload = True
        self._stop = False

    # The exporter (prometheus_client) and the agent load with the first policy: an agent waiting
    # for one costs a bare interpreter (the lab starts one on every site, policy or not).
    @property
    def collector(self) -> SnapshotCollector:
        if self._collector is None:
            from runbook_wan.agent.exporter import SnapshotCollector

            self._collector = SnapshotCollector()
        return self._collector

    @property
    def server(self) -> MetricsServer:
        if self._server is None:
            from runbook_wan.agent.exporter import MetricsServer

            self._server = MetricsServer(self.collector)
        return self._server

    # -- signals ---------------------------------------------------------------------------------

    def request_reload(self, *_: object) -> None:
        self._reload = True

    def request_stop(self, *_: object) -> None:
        self._stop = True

    # -- policy ----------------------------------------------------------------------------------

    def load(self) -> None:
        self._reload = False
        try:
            policy = load_policy(self.policy_path)
        except PolicyError as exc:
            if exc.missing and self.agent is None:
                log.info("no policy at %s yet; idle until a SIGHUP finds one", self.policy_path)
                return
            for line in exc.lines():
                log.warning("%s", line)
            if self.agent is not None:
                log.warning("keeping the policy in force (%s)", self.agent.policy.digest)
                self.agent.verify(self.clock())
            return
        if self.agent is not None and self.agent.policy.digest == policy.digest:
            log.info("policy unchanged (%s); re-reading FRR", policy.digest)
            self.agent.verify(self.clock())
            return
        from runbook_wan.agent.service import Agent

        old = self.agent
        if old is not None:
            old.stop()
        self.agent = Agent(policy, self.runner, self.clock, self.wall, self.pathspace)
        self.agent.start()
        log.info("running policy %s for site %s", policy.digest, policy.site)
        if old is None or old.policy.metrics != policy.metrics:
            self.server.stop()
            self._bind_tried = None
        self._record_probes()

    def _record_probes(self) -> None:
        pids = self.agent.probe_pids() if self.agent else []
        if pids == self._recorded_probes:
            return
        self._recorded_probes = pids
        text = "".join(f"{pid} {_cmdline(pid).strip()}\n" for pid in pids)
        with contextlib.suppress(OSError):
            probes_file(self.pid_file).write_text(text)

    def _bind(self) -> None:
        policy = self.agent.policy if self.agent else None
        if policy is None or policy.metrics is None or self.server.address is not None:
            return
        now = self.clock()
        if self._bind_tried is not None and now - self._bind_tried < BIND_RETRY_S:
            return
        self._bind_tried = now
        from runbook_wan.agent.exporter import interface_address

        address = interface_address(policy.metrics.interface)
        if address is None:
            log.warning("metrics: interface %s has no IPv4 address yet; retrying", policy.metrics.interface)
            return
        try:
            self.server.start(address, policy.metrics.port)
        except OSError as exc:
            log.warning("metrics: cannot listen on %s:%s: %s; retrying", address, policy.metrics.port, exc.strerror)
            return
        log.info("metrics on http://%s:%s/metrics and /state", address, policy.metrics.port)

    # -- the loop --------------------------------------------------------------------------------

    def step(self) -> None:
        if self._reload:
            self.load()
        if self.agent is not None:
            self.agent.tick()
            self.collector.update(self.agent.snapshot())
            self._record_probes()
            self._bind()

    def run(self, tick_s: float = TICK_S) -> None:
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        previous_fd = signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
        handlers = {
            signal.SIGHUP: signal.signal(signal.SIGHUP, self.request_reload),
            signal.SIGTERM: signal.signal(signal.SIGTERM, self.request_stop),
            signal.SIGINT: signal.signal(signal.SIGINT, self.request_stop),
        }
        next_tick = self.clock()
        try:
            while not self._stop:
                self.step()
                next_tick += tick_s
                now = self.clock()
                if next_tick < now:  # fell behind (a stalled machine): do not burst to catch up
                    next_tick = now + tick_s
                while not self._stop and not self._reload and (left := next_tick - self.clock()) > 0:
                    if select.select([wake_r], [], [], left)[0]:
                        with contextlib.suppress(BlockingIOError):
                            wake_r.recv(64)
        finally:
            signal.set_wakeup_fd(previous_fd)
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
            wake_r.close()
            wake_w.close()
            self.shutdown()

    def shutdown(self) -> None:
        if self.agent is not None:
            self.agent.stop()
        if self._server is not None:
            self._server.stop()
        probes_file(self.pid_file).unlink(missing_ok=True)


def _logging(log_file: Path | None) -> None:
    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s runbook-agent[%(process)d] %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def check(policy_path: Path) -> int:
    try:
        policy = load_policy(policy_path)
    except PolicyError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return ExitCode.ERROR
    print("\n".join(describe(policy)))
    return ExitCode.OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.check:
        return check(args.policy)
    other = running_agent(args.pid_file)
    if other is not None:
        print(f"error: another agent runs (pid {other}, {args.pid_file}); stop it first", file=sys.stderr)
        return ExitCode.RUNNING
    _logging(args.log_file)
    try:
        args.pid_file.parent.mkdir(parents=True, exist_ok=True)
        args.pid_file.write_text(f"{os.getpid()}\n")
    except OSError as exc:
        print(f"error: cannot write the pid file {args.pid_file}: {exc.strerror}", file=sys.stderr)
        return ExitCode.ERROR
    stale = stop_stale_probes(args.pid_file)
    if stale:
        log.info("stopped %d probe(s) a previous agent left running", stale)
    daemon = Daemon(args.policy, args.pid_file, SystemRunner(), pathspace=args.pathspace)
    try:
        daemon.run()
    finally:
        with contextlib.suppress(OSError, IndexError):
            if args.pid_file.read_text().split()[0] == str(os.getpid()):
                args.pid_file.unlink()
    log.info("stopped")
    return ExitCode.OK
