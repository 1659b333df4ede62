"""Where the stack's parts listen. The committed files use the defaults; ``monitor up`` picks free ports."""

from __future__ import annotations

from dataclasses import dataclass

#: Conventional ports (Prometheus, Alertmanager) and two of ours; ``monitor up`` never relies on them.
DEFAULT_PORTS = {"prometheus": 9090, "alertmanager": 9093, "probe": 9469, "notifier": 9470}
LOOPBACK = "127.0.0.1"
#: The notifier's webhook path (Alertmanager webhook payload version 4).
NOTIFIER_PATH = "/alerts"


@dataclass(frozen=True)
class Endpoints:
    prometheus: str = f"{LOOPBACK}:{DEFAULT_PORTS['prometheus']}"
    alertmanager: str = f"{LOOPBACK}:{DEFAULT_PORTS['alertmanager']}"
    probe: str = f"{LOOPBACK}:{DEFAULT_PORTS['probe']}"
    notifier: str = f"{LOOPBACK}:{DEFAULT_PORTS['notifier']}"

    @property
    def webhook_url(self) -> str:
        return f"http://{self.notifier}{NOTIFIER_PATH}"
