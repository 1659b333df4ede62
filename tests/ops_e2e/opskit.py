"""The whole day-2 chain for real: FRR lab -> probe -> Prometheus -> Alertmanager -> notifier ->
SMTP (aiosmtpd), a local chat receiver, and Twilio/Vonage through the contract proxy.

``runbook.py monitor up --scrape-interval 1`` starts the stack from the test estate's intents (two
sites); the lab and the receivers are started here. Everything is stopped by PID at the end, also
when a test fails. The receivers and the contract proxy come from the notifier's test kit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
for _kit in (REPO / "tests" / "notify", REPO / "tests" / "contracts", REPO / "tests" / "lab"):
    if str(_kit) not in sys.path:
        sys.path.insert(0, str(_kit))

from notifykit import ChatReceiver, SmtpServer, wait_for  # noqa: E402

from runbook_wan.lab.api import Lab  # noqa: E402
from runbook_wan.ops.stack import StackRecord  # noqa: E402

__all__ = ["ChatReceiver", "OpsWorld", "SmtpServer", "wait_for"]


@dataclass
class OpsWorld:
    root: Path
    lab: Lab
    chat: ChatReceiver
    smtp: SmtpServer
    proxy: Any  # ContractProxy
    env: dict[str, str]

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def intents(self) -> Path:
        return self.root / "intents"

    @property
    def inventory(self) -> Path:
        return self.root / "inventory"

    def cli(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(REPO / "runbook.py"), "--no-color", "--state", str(self.state), *argv],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.root,
            timeout=timeout,
            check=False,
        )

    def record(self) -> StackRecord:
        record = StackRecord.read(self.state)
        assert record is not None, "no monitoring stack"
        return record

    def url(self, service: str) -> str:
        url = self.record().url(service)
        assert url is not None
        return url

    # --- what people were told -------------------------------------------------------------------
    def incidents(self) -> list[dict[str, Any]]:
        done = self.cli("incidents", "list", "--all", "--format", "json")
        assert done.returncode == 0, done.stderr
        found: list[dict[str, Any]] = json.loads(done.stdout)
        return found

    def chats(self, *words: str) -> list[str]:
        return [t for t in self.chat.texts() if all(w in t for w in words)]

    def mails(self, *words: str) -> list[str]:
        return [s for s in self.smtp.subjects() if all(w in s for w in words)]

    def twilio(self, endpoint: str, site: str) -> list[Any]:
        """Recorded Twilio requests (``Messages.json`` or ``Calls.json``) about ``site``."""
        return [
            r
            for r in self.proxy.records
            if r.host == "api.twilio.com" and r.path.endswith(endpoint) and site in r.body.decode(errors="replace")
        ]

    def alerts(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = httpx.get(f"{self.url('alertmanager')}/api/v2/alerts", timeout=5).json()
        return found

    def silences(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = httpx.get(f"{self.url('alertmanager')}/api/v2/silences", timeout=5).json()
        return found

    # --- services stopped mid-incident: the supervisor starts them again ----------------------------
    def restart_notifier(self) -> None:
        """Stop the notifier (SIGTERM, as a host shutdown would) and wait for the supervisor to bring it back."""
        self.kill("notifier", signal.SIGTERM)

    def kill(self, service: str, sig: int = signal.SIGKILL) -> int:
        """Signal ``service`` by its PID; wait until the supervisor has started it again and it is ready.
        Returns the new PID."""
        old = self.record().services[service]
        os.kill(old.pid, sig)
        wait_for(f"{service} to exit", lambda: not Path(f"/proc/{old.pid}").exists() or _zombie(old.pid), timeout=30)
        wait_for(f"the supervisor to start {service} again", lambda: self.record().services[service].pid != old.pid)
        new = self.record().services[service]
        path = {"notifier": "/healthz", "alertmanager": "/-/ready", "prometheus": "/-/ready", "probe": "/metrics"}
        wait_for(f"{service} ready again", lambda: _ok(f"{new.url}{path[service]}"), timeout=90)
        return new.pid


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def settle(seconds: float) -> None:
    """Let the pipeline run for a while when asserting that something does *not* happen."""
    time.sleep(seconds)
