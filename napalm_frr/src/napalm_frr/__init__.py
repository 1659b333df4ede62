"""NAPALM driver for FRRouting: ``napalm.get_network_driver("frr")`` returns :class:`FrrDriver`.

NAPALM finds community drivers as the module ``napalm_<name>`` and takes the first
``NetworkDriver`` subclass in it, so this package exports exactly one.
"""

from __future__ import annotations

from napalm_frr.driver import FrrDriver

__all__ = ["FrrDriver"]
