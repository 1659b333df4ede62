"""The driver's ``optional_args``: parsed once, typed, with the defaults of a stock FRR box."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Where the driver keeps its files on the device (candidates, checkpoints, the confirm timer).
#: It lives under /etc/frr because that folder is per device on every FRR box (and per instance in
#: the lab), whereas /tmp may be shared.
DEFAULT_WORK_DIR = "/etc/frr/napalm"
#: FRR's frr-reload.py on the *controller*: its diff logic runs there in the lean cycle.
DEFAULT_CONTROLLER_FRR_RELOAD = "/usr/lib/frr/frr-reload.py"
#: ``apply``: "lean" (diff on the controller, one vtysh on the device; falls back to "frr-reload"
#: when the controller has no frr-reload.py) or "frr-reload" (the classic cycle on the device).
APPLY_MODES = ("lean", "frr-reload")


@dataclass(frozen=True)
class DriverOptions:
    """Connection and device settings taken from NAPALM's ``optional_args``.

    Unknown keys are ignored, as NAPALM's other drivers do (nornir passes shared extras to every
    platform).
    """

    known_hosts_file: str | None = None
    key_file: str | None = None
    port: int = 22
    allow_agent: bool = False
    work_dir: str = DEFAULT_WORK_DIR
    vtysh: str = "vtysh"
    frr_reload: str = "/usr/lib/frr/frr-reload.py"
    startup_config: str = "/etc/frr/frr.conf"
    ping_interval: float = 0.2
    lock_timeout: int = 30
    apply: str = "lean"
    controller_frr_reload: str = DEFAULT_CONTROLLER_FRR_RELOAD

    @classmethod
    def from_optional_args(cls, optional_args: Mapping[str, Any] | None) -> DriverOptions:
        args = dict(optional_args or {})
        return cls(
            known_hosts_file=_optional_str(args, "known_hosts_file"),
            key_file=_optional_str(args, "key_file"),
            port=int(args.get("port", 22)),
            allow_agent=bool(args.get("allow_agent", False)),
            work_dir=str(args.get("work_dir", DEFAULT_WORK_DIR)).rstrip("/") or DEFAULT_WORK_DIR,
            vtysh=str(args.get("vtysh", "vtysh")),
            frr_reload=str(args.get("frr_reload", "/usr/lib/frr/frr-reload.py")),
            startup_config=str(args.get("startup_config", "/etc/frr/frr.conf")),
            ping_interval=float(args.get("ping_interval", 0.2)),
            lock_timeout=int(args.get("lock_timeout", 30)),
            apply=_apply_mode(args.get("apply", "lean")),
            controller_frr_reload=str(args.get("controller_frr_reload", DEFAULT_CONTROLLER_FRR_RELOAD)),
        )


def _optional_str(args: Mapping[str, Any], key: str) -> str | None:
    value = args.get(key)
    return None if value in (None, "") else str(value)


def _apply_mode(value: Any) -> str:
    mode = str(value)
    if mode not in APPLY_MODES:
        raise ValueError(f"optional_args['apply'] must be one of {', '.join(APPLY_MODES)}; got {mode!r}")
    return mode
