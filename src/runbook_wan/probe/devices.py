"""Link and BGP state of every circuit, read from the devices through NAPALM (any platform's driver).

Slower cadence than the pings: it logs in to every device, runs two getters and logs out again.
Sessions are not kept between polls: 80 idle paramiko sessions cost the probe ~4 % of a core
(each transport thread polls its socket), more than logging in every few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nornir.core import Nornir
from nornir.core.task import Result, Task

from runbook_wan.model.estate import Estate
from runbook_wan.tasks.connection import device
from runbook_wan.tasks.fleet import open_fleet


@dataclass(frozen=True)
class CircuitState:
    link_up: bool | None
    bgp_up: bool | None


@dataclass(frozen=True)
class DevicePort:
    circuit: str
    interface: str
    gateway: str


def _poll(task: Task, ports: dict[str, list[DevicePort]]) -> Result:
    driver = device(task)
    interfaces: dict[str, dict[str, Any]] = driver.get_interfaces()
    peers = driver.get_bgp_neighbors().get("global", {}).get("peers", {})
    state = {}
    for port in ports[task.host.name]:
        info = interfaces.get(port.interface)
        peer = peers.get(port.gateway)
        state[port.circuit] = CircuitState(
            link_up=bool(info.get("is_up")) if info is not None else None,
            bgp_up=bool(peer.get("is_up")) if peer is not None else False,
        )
    return Result(host=task.host, result=state)


class DevicePoller:
    def __init__(
        self, estate: Estate, sites: list[str], inventory: Path, ports: dict[str, list[DevicePort]], workers: int = 8
    ):
        self.ports = ports
        self.nornir: Nornir = open_fleet(estate, sites, inventory, workers)

    def poll(self) -> tuple[dict[str, dict[str, CircuitState]], dict[str, str]]:
        """State per site and circuit; and an error text per site that could not be read."""
        try:
            aggregated = self.nornir.run(task=_poll, ports=self.ports, on_failed=True)
        finally:
            self.nornir.close_connections(on_good=True, on_failed=True)
        states: dict[str, dict[str, CircuitState]] = {}
        errors: dict[str, str] = {}
        for site, multi in aggregated.items():
            if multi.failed or not multi:
                exc = multi[0].exception if multi else None
                errors[site] = f"{type(exc).__name__}: {exc}" if exc else "no result"
                continue
            states[site] = multi[0].result
        return states, errors

    def close(self) -> None:
        self.nornir.close_connections(on_good=True, on_failed=True)
