"""``FrrDriver``: NAPALM's NetworkDriver for FRRouting over SSH (vtysh, FRR's frr-reload.py logic)."""

from __future__ import annotations

from typing import Any

from napalm.base import NetworkDriver
from napalm.base import constants as c

from napalm_frr import getters
from napalm_frr.candidate import CandidateMode
from napalm_frr.config_session import ConfigSession
from napalm_frr.extensions import FrrExtensions
from napalm_frr.frr_shell import FrrShell
from napalm_frr.models import (
    AliveDict,
    BGPVrfDict,
    ConfigDict,
    FactsDict,
    InterfaceDict,
    InterfacesIPDict,
    PingResultDict,
    RouteDict,
)
from napalm_frr.options import DriverOptions
from napalm_frr.transport import SshTarget, SshTransport


class FrrDriver(NetworkDriver):  # type: ignore[misc]  # napalm ships no type information
    """NAPALM driver for a stock single-instance FRR router reachable over SSH.

    ``optional_args``: see :class:`napalm_frr.options.DriverOptions` and docs/napalm-frr.md.
    ``known_hosts_file`` is required: unknown or changed host keys are refused. The constructor
    has NetworkDriver's exact signature (NAPALM's ``test_method_signatures``): pass ``None`` as
    ``password`` for key-only logins.
    """

    platform = "frr"

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str | None,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        self.hostname = hostname
        self.username = username
        self.password = password
        self.timeout = timeout
        self.options = DriverOptions.from_optional_args(optional_args)
        self._transport = SshTransport(
            SshTarget(
                hostname=hostname,
                port=self.options.port,
                username=username,
                password=password or None,
                key_file=self.options.key_file,
                known_hosts_file=self.options.known_hosts_file,
                allow_agent=self.options.allow_agent,
                timeout=float(timeout),
            )
        )
        self._shell = FrrShell(self._transport, self.options)
        self._session = ConfigSession(self._shell)
        #: What this driver does beyond NAPALM's API (see napalm_frr.extensions).
        self.extensions = FrrExtensions(self._shell, self.options, timeout, self._session)

    # -- connection -------------------------------------------------------------------------
    def open(self) -> None:
        """SSH connect (the device's work dir is created by the first commit that needs it)."""
        self._transport.open()

    def close(self) -> None:
        if self._transport.is_alive() and self._session.candidate is not None:
            self._session.discard()
        self._shell.close()
        self._transport.close()

    def is_alive(self) -> AliveDict:
        return {"is_alive": self._transport.is_alive()}

    # -- configuration ----------------------------------------------------------------------
    def load_replace_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        self._session.load(CandidateMode.REPLACE, filename, config)

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        self._session.load(CandidateMode.MERGE, filename, config)

    def compare_config(self) -> str:
        return self._session.compare()

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        self._session.commit(message, revert_in)

    def confirm_commit(self) -> None:
        self._session.confirm()

    def has_pending_commit(self) -> bool:
        return bool(self._session.pending_token())

    def discard_config(self) -> None:
        self._session.discard()

    def rollback(self) -> None:
        self._session.rollback()

    # -- getters ----------------------------------------------------------------------------
    def get_config(
        self,
        retrieve: str = "all",
        full: bool = False,  # noqa: ARG002 - NAPALM's signature; FRR has no "show running-config all"
        sanitized: bool = False,
        format: str = "text",
    ) -> ConfigDict:
        if format != "text":
            raise NotImplementedError(f"get_config: format {format!r} is not supported (text)")
        candidate = self._session.candidate.text if self._session.candidate is not None else ""
        return getters.get_config(self._shell, retrieve, sanitized, candidate)

    def get_facts(self) -> FactsDict:
        return getters.get_facts(self._shell)

    def get_interfaces(self) -> dict[str, InterfaceDict]:
        return getters.get_interfaces(self._shell)

    def get_interfaces_ip(self) -> dict[str, InterfacesIPDict]:
        return getters.get_interfaces_ip(self._shell)

    def get_bgp_neighbors(self) -> dict[str, BGPVrfDict]:
        return getters.get_bgp_neighbors(self._shell)

    def get_route_to(
        self, destination: str = "", protocol: str = "", longer: bool = False
    ) -> dict[str, list[RouteDict]]:
        return getters.get_route_to(self._shell, destination, protocol, longer)

    def ping(
        self,
        destination: str,
        source: str = c.PING_SOURCE,
        ttl: int = c.PING_TTL,
        timeout: int = c.PING_TIMEOUT,
        size: int = c.PING_SIZE,
        count: int = c.PING_COUNT,
        vrf: str = c.PING_VRF,
        source_interface: str = c.PING_SOURCE_INTERFACE,
    ) -> PingResultDict:
        interval = self.options.ping_interval
        command = getters.ping_command(destination, source, ttl, timeout, size, count, vrf, source_interface, interval)
        return getters.get_ping(self._shell, command, timeout=count * interval + timeout + self.timeout)

    def cli(self, commands: list[str], encoding: str = "text") -> dict[str, str | dict[str, Any]]:
        return getters.run_cli(self._shell, commands, encoding)
