"""The lab's Python API, for tests, deploy and twin checks.

Example::

    from runbook_wan.lab.api import Lab

    lab = Lab.up(Path("intents"), Path(".runbook"), prefix="rbt", limit="chi-021,sea-001",
                 configs=Path("configs"), inventory_dir=Path("inventory"))
    try:
        lab.fail("chi-021", "primary_dia", mode="blackhole")
        assert lab.reaches("chi-021", "users", lab.hub, timeout=30) is not None
        assert lab.egress_interface("chi-021", "users", lab.hub) == "wan2"
    finally:
        lab.down()

``Lab.attach(state_dir)`` returns the lab a CLI ``runbook.py lab up`` started. Connection data
for NAPALM/Nornir: :attr:`Lab.hosts_file` (Nornir ``hosts.yaml``), :attr:`Lab.key_file`,
:attr:`Lab.known_hosts_file`, :meth:`Lab.management_address`; secrets the lab generated (BGP
passwords) are in :attr:`Lab.secrets_files`, to pass to ``SecretResolver(extra_files=...)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runbook_wan.credentials.redact import Redactor
from runbook_wan.lab import agents, builder, faults, impair, naming, path, probes, state, traffic
from runbook_wan.lab.builder import UpOptions, UpResult
from runbook_wan.lab.faults import FaultMode
from runbook_wan.lab.state import LabRecord
from runbook_wan.lab.status import LabStatus, collect
from runbook_wan.lab.teardown import TeardownReport, down
from runbook_wan.lab.topology import CircuitLink, Topology
from runbook_wan.results import Diagnostic, DiagnosticError


class Lab:
    """A running lab (its ``lab.json`` record) plus the operations on it."""

    def __init__(self, record: LabRecord, result: UpResult | None = None) -> None:
        self.record = record
        self.result = result

    # -- lifecycle -----------------------------------------------------------------------------

    @classmethod
    def up(
        cls,
        intents: Path,
        state_dir: Path,
        *,
        prefix: str = naming.DEFAULT_PREFIX,
        limit: str | None = None,
        configs: Path | None = None,
        inventory_dir: Path | None = None,
        management_network: str | None = None,
        timeout: float | None = None,
        redactor: Redactor | None = None,
        require_ready: bool = True,
        relay: str | None = None,
        relay_roles: frozenset[str] | None = None,
    ) -> Lab:
        """Build and boot the lab. Raises :class:`DiagnosticError` if it is not ready in time
        (with ``require_ready``; the lab stays up for inspection, call :meth:`down`)."""
        options = UpOptions(
            intents=intents,
            state_dir=state_dir,
            prefix=prefix,
            limit=limit,
            configs=configs,
            inventory_dir=inventory_dir,
            management_network=management_network,
            timeout=timeout,
            relay=relay,
            relay_roles=relay_roles,
        )
        result = builder.up(options, redactor or Redactor())
        if require_ready and not result.ready:
            raise DiagnosticError(
                [
                    Diagnostic(
                        "lab-not-ready",
                        f"{len(result.readiness.pending)} lab node(s) not ready after "
                        f"{result.readiness.elapsed:.0f} s: "
                        + "; ".join(f"{n}: {why}" for n, why in sorted(result.readiness.pending.items())[:5]),
                        hint="see `runbook.py lab status` and /var/log/frr/<node>.log",
                    )
                ]
            )
        return cls(result.record, result)

    @classmethod
    def attach(cls, state_dir: Path) -> Lab:
        return cls(state.load(state_dir))

    def down(self) -> TeardownReport:
        return down(Path(self.record.state_dir), self.record.prefix)

    def status(self) -> LabStatus:
        return collect(self.record)

    # -- what was built ------------------------------------------------------------------------

    @property
    def topology(self) -> Topology:
        return self.record.topology

    @property
    def sites(self) -> list[str]:
        return sorted(self.topology.sites)

    @property
    def hub(self) -> str:
        return self.topology.internet.hub

    @property
    def saas(self) -> str:
        return self.topology.internet.saas

    def class_target(self, destination_prefix: str) -> str:
        """A reachable host address inside an SD-WAN class destination prefix."""
        return self.topology.internet.targets[destination_prefix]

    def management_address(self, site: str) -> str:
        return self.record.site(site).mgmt_ip

    def netns(self, site: str) -> str:
        return self.record.site(site).netns

    def circuit(self, site: str, circuit: str) -> CircuitLink:
        return faults.find_circuit(self.record, site, circuit)[1]

    @property
    def key_file(self) -> Path:
        return self.record.layout.client_key

    @property
    def known_hosts_file(self) -> Path:
        return self.record.layout.known_hosts

    @property
    def hosts_file(self) -> Path | None:
        return Path(self.record.hosts_file) if self.record.hosts_file else None

    @property
    def secrets_files(self) -> list[Path]:
        return [Path(p) for p in self.record.secrets_files]

    def vtysh(self, site: str, command: str) -> str | None:
        """Run one vtysh command on the site's FRR (None if it does not answer)."""
        return probes.vtysh(self.netns(site), command)

    def configure(self, site: str, *lines: str) -> None:
        """Change the running config by hand, as an operator on the device would (a drift to find)."""
        probes.configure(self.netns(site), list(lines))

    # -- faults --------------------------------------------------------------------------------

    def fail(self, site: str, circuit: str, mode: FaultMode = "link") -> CircuitLink:
        return faults.fail(self.record, site, circuit, mode)

    def restore(self, site: str, circuit: str, wait: float | None = None) -> CircuitLink:
        """Undo faults on the circuit; with ``wait``, poll until BGP (and BFD) are back up."""
        link = faults.restore(self.record, site, circuit)
        if wait is not None and not faults.wait_healthy(self.record, site, circuit, wait):
            raise DiagnosticError(
                [
                    Diagnostic(
                        "lab-circuit-down",
                        f"{site} {link.role} did not come back within {wait:.0f} s",
                        hint="see `runbook.py lab status`",
                    )
                ]
            )
        return link

    def impair(
        self,
        site: str,
        circuit: str,
        loss_pct: float | None = None,
        delay_ms: float | None = None,
        jitter_ms: float | None = None,
        spread: impair.Spread = "random",
    ) -> impair.CircuitImpairment:
        """``lab impair``: loss towards the provider, delay and jitter each way (undone by :meth:`restore`)."""
        node, link = faults.find_circuit(self.record, site, circuit)
        return impair.impair(self.record, node, link, loss_pct, delay_ms, jitter_ms, spread)

    def path(self, site: str, app_class: str, **overrides: Any) -> path.PathResult:
        """``lab path``: the circuit the providers saw the class's packets arrive on."""
        return path.send_class(self.record, site, app_class, **overrides)

    def restore_all(self) -> None:
        faults.restore_all(self.record)

    def circuit_healthy(self, site: str, circuit: str) -> bool:
        return faults.circuit_healthy(self.record, site, circuit)

    # -- the SD-WAN edge agent ----------------------------------------------------------------

    def agent_pid(self, site: str) -> int | None:
        return agents.pid(self.netns(site))

    def start_agent(self, site: str) -> int:
        return agents.start(self.record.layout, self.record.site(site))

    def kill_agent(self, site: str) -> int | None:
        """SIGKILL the site's agent (as a crash would); FRR keeps whatever order it had."""
        return agents.kill(self.netns(site))

    def stop_agent(self, site: str) -> int | None:
        return agents.stop(self.netns(site))

    def agent_state(self, site: str) -> dict[str, Any] | None:
        """The agent's ``/state`` (None: it does not answer)."""
        return agents.state(self.record.site(site))

    def install_policy(self, site: str, policy: Path) -> int | None:
        """Put a policy file where the device keeps it and SIGHUP the agent, as a deploy does."""
        target = agents.policy_path(self.netns(site))
        target.write_text(policy.read_text(encoding="utf-8"), encoding="utf-8")
        return agents.reload(self.netns(site))

    # -- traffic from LAN hosts ----------------------------------------------------------------

    def ping(
        self, site: str, segment: str, destination: str, count: int = 3, interval: float = 0.2, wait: float = 1.0
    ) -> traffic.PingResult:
        return traffic.ping(self.record, site, segment, destination, count, interval, wait)

    def reaches(self, site: str, segment: str, destination: str, timeout: float = 30.0) -> float | None:
        return traffic.reaches(self.record, site, segment, destination, timeout)

    def egress_interface(self, site: str, segment: str, destination: str) -> str | None:
        return traffic.egress_interface(self.record, site, segment, destination)

    def counters(self, site: str) -> dict[str, traffic.Counters]:
        return traffic.counters(self.record, site)

    def host_address(self, site: str, segment: str) -> str:
        return traffic.host_ip(self.record, site, segment)
