"""What the FRR driver can do beyond NAPALM's API, kept off the driver class.

NAPALM's conformance check (``BaseTestGetters.test_method_signatures``) requires every public
method of a driver to be one of ``NetworkDriver``'s, with its exact signature. Extras therefore
live on ``driver.extensions``, so code written against NAPALM sees only NAPALM's API and code that
knows this driver can still reach the rest (``getattr(device, "extensions", None)``).
"""

from __future__ import annotations

from collections.abc import Sequence

from napalm.base import constants as c

from napalm_frr import getters
from napalm_frr.config_session import ConfigSession
from napalm_frr.frr_shell import FrrShell
from napalm_frr.models import PingResultDict
from napalm_frr.options import DriverOptions
from napalm_frr.sidecars import SidecarFile


class FrrExtensions:
    """The driver's extras; one per driver instance, sharing its shell and config session."""

    def __init__(self, shell: FrrShell, options: DriverOptions, timeout: int, session: ConfigSession) -> None:
        self._shell = shell
        self._options = options
        self._timeout = timeout
        self._session = session

    def load_sidecars(self, files: Sequence[SidecarFile], startup: str | None = None) -> None:
        """Files committed with the loaded replace candidate (see :mod:`napalm_frr.sidecars`).

        Each file's ``check`` runs on the device now against a temporary copy; a refusal raises
        ``ReplaceConfigException`` and nothing changes. ``compare_config`` then adds each changed
        file's unified diff, ``commit_config`` installs them with the config (under the revert timer),
        and a revert, ``rollback`` or failed commit puts them back. ``startup``: what
        ``confirm_commit`` saves as the startup config instead of the candidate (e.g. the candidate
        without run-time state it had to keep). ``discard_config`` drops them with the candidate.
        """
        self._session.load_files(tuple(files), startup)

    def get_sidecars(self, paths: Sequence[str]) -> dict[str, str | None]:
        """The device's content of each file (None when it does not exist), in one exec."""
        return self._session.read_files(list(paths))

    def ping_until_reply(
        self,
        destination: str,
        source: str = c.PING_SOURCE,
        deadline: int = 3,
        vrf: str = c.PING_VRF,
        source_interface: str = c.PING_SOURCE_INTERFACE,
    ) -> PingResultDict:
        """Probe every ``ping_interval`` until the first reply, for at most ``deadline`` seconds,
        in one ``ping`` on the device; NAPALM's result shape. For health checks right after a
        change, when the way back may appear a moment after the way out: the evidence is one
        reply, and the ping stops as soon as it is in."""
        interval = self._options.ping_interval
        command = getters.ping_command(
            destination, source, c.PING_TTL, 1, c.PING_SIZE, 1, vrf, source_interface, interval, deadline=deadline
        )
        return getters.get_ping(self._shell, command, timeout=deadline + self._timeout)
