"""What a failed step means, decided by the exception's type (never by its message text).

``connection_lost``: the session to the device broke (or never opened), so the device may have
done more than we heard back -- in the middle of a commit, it may have applied the config and
armed its revert timer. Any other exception is the device (or the driver) answering "no".
"""

from __future__ import annotations

from napalm.base.exceptions import CommandTimeoutException, ConnectionException

#: Exception types that mean the connection is gone: NAPALM's connection family (auth, timeout,
#: closed), a command that never finished, socket errors (OSError covers TimeoutError and
#: ConnectionError) and EOF.
_LOST: tuple[type[BaseException], ...] = (ConnectionException, CommandTimeoutException, OSError, EOFError)
#: The same for transports NAPALM drivers use without importing them here (paramiko, netmiko):
#: matched on the class hierarchy, by name.
_LOST_BY_NAME = frozenset({"SSHException", "NetmikoTimeoutException", "ReadTimeout", "ConnectTimeout"})


def connection_lost(exc: BaseException | None) -> bool:
    """True when ``exc`` (or what it was raised from) says the connection to the device broke."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, _LOST) or any(cls.__name__ in _LOST_BY_NAME for cls in type(exc).__mro__):
            return True
        exc = exc.__cause__
    return False
