"""What the notifier tests run for real: Alertmanager (Debian's), the notifier process, an SMTP server
(aiosmtpd), a chat webhook receiver (HTTP on 127.0.0.1). Every process is stopped by PID.

Cloud providers (Twilio, Vonage, ServiceNow) are reached through the contract proxy of
``tests/contracts`` (real SDKs, real TLS, recorded requests).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiosmtpd.controller import Controller

# The contract proxy lives with the contract tests; the notifier tests reach the providers through it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "contracts"))
from contract_proxy import ContractProxy, ProviderResponder
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

REPO = Path(__file__).resolve().parents[2]
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"

# Test credentials (resolved by the notifier from RUNBOOK_SECRET_*). Realistic shapes, no real accounts.
SECRETS = {
    "twilio/sid": "AC" + "5e" * 16,
    "twilio/token": "t0ken" + "9f" * 14,
    "vonage/key": "vk1a2b3c",
    "vonage/secret": "VonageS3cretXYZ",
    "vonage/app": "bbbbbbbb-cccc-4ddd-8eee-0123456789ab",
    "servicenow/user": "runbook.integration",
    "servicenow/password": "Sn0w-Pa55-word-xyz",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0, interval: float = 0.2) -> Any:
    """Poll ``check`` until it returns something true. Timeouts are generous: the machine is shared."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


# --- chat receiver ---------------------------------------------------------------------------


@dataclass
class ChatReceiver:
    """A Mattermost-style incoming webhook on 127.0.0.1: records every JSON POST to /hooks/<token>."""

    token: str = "chattoken0123456789"
    posts: list[dict[str, Any]] = field(default_factory=list)
    #: While True, every post is answered 503 (a chat service outage).
    refuse: bool = False

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ok = self.path == f"/hooks/{receiver.token}"
                if ok and not receiver.refuse:
                    receiver.posts.append(json.loads(body))
                self.send_response(503 if receiver.refuse else 200 if ok else 404)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/{self.token}"

    def texts(self) -> list[str]:
        return [str(p.get("text", "")) for p in self.posts]

    def start(self) -> ChatReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- SMTP server -------------------------------------------------------------------------------


class _Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

    def __init__(self) -> None:
        self.sink = _Sink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        return list(self.sink.messages)

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for _to, m in self.messages]

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


# --- processes -----------------------------------------------------------------------------------


class Process:
    """A child process with its output in a log file; ``stop`` ends it by PID and reaps it."""

    def __init__(self, name: str, argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.argv = argv
        self.log = log
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=REPO)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        code = self.proc.returncode
        self.proc = None
        return code

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def alertmanager_config(notifier_url: str, route_ids: list[str], repeat: str = "2s") -> dict[str, Any]:
    """Like the generated one (8A): a webhook receiver per route, group by site, SiteDown inhibits its circuits."""
    by_alert = {
        "site-down": ["SiteDown"],
        "circuits": ["CircuitDown", "CircuitSLABreach"],
        "provider-outage": ["ProviderOutage"],
    }
    hook = {"url": notifier_url, "send_resolved": True, "max_alerts": 0}
    return {
        "route": {
            "receiver": "runbook-unrouted",
            "group_by": ["alertname", "site", "provider"],
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": repeat,
            "routes": [
                {"receiver": f"runbook-{rid}", "matchers": [f'alertname=~"{"|".join(by_alert[rid])}"']}
                for rid in route_ids
            ],
        },
        "receivers": [{"name": "runbook-unrouted", "webhook_configs": [hook]}]
        + [{"name": f"runbook-{rid}", "webhook_configs": [hook]} for rid in route_ids],
        "inhibit_rules": [
            {
                "source_matchers": ["alertname=SiteDown"],
                "target_matchers": ['alertname=~"CircuitDown|CircuitSLABreach"'],
                "equal": ["site"],
            }
        ],
    }


class Alertmanager(Process):
    def __init__(self, workdir: Path, config: dict[str, Any], port: int | None = None) -> None:
        self.port = port or free_port()
        config_file = workdir / "alertmanager.yml"
        config_file.write_text(yaml.safe_dump(config, sort_keys=False))
        super().__init__(
            "alertmanager",
            [
                ALERTMANAGER,
                f"--config.file={config_file}",
                f"--storage.path={workdir / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
            ],
            workdir / "alertmanager.log",
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Alertmanager:
        super().start()
        wait_for("Alertmanager ready", lambda: _get_ok(f"{self.url}/-/ready"), timeout=15)
        return self

    def post(self, *alerts: dict[str, Any]) -> None:
        httpx.post(f"{self.url}/api/v2/alerts", json=list(alerts), timeout=5).raise_for_status()

    def webhooks_sent(self) -> float:
        """alertmanager_notifications_total{integration="webhook"}: how many webhooks it delivered."""
        text = httpx.get(f"{self.url}/metrics", timeout=5).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith("alertmanager_notifications_total") and 'integration="webhook"' in line:
                total += float(line.rsplit(" ", 1)[1])
        return total


def _get_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def alert(name: str, *, resolved: bool = False, starts: datetime | None = None, **labels: str) -> dict[str, Any]:
    """An alert as Prometheus posts it (hand-built: no Prometheus in these tests)."""
    now = datetime.now(UTC)
    start = starts or now - timedelta(seconds=30)
    end = now - timedelta(seconds=1) if resolved else now + timedelta(minutes=10)
    severity = "critical" if name in ("SiteDown", "ProviderOutage") else "warning"
    return {
        "labels": {"alertname": name, "severity": severity, **labels},
        "annotations": {"summary": f"{name} {' '.join(labels.values())}"},
        "startsAt": start.isoformat().replace("+00:00", "Z"),
        "endsAt": end.isoformat().replace("+00:00", "Z"),
    }


class Notifier(Process):
    """``runbook.py --state STATE notify --listen 127.0.0.1:PORT --alertmanager URL --intents DIR``."""

    def __init__(
        self,
        workdir: Path,
        intents: Path,
        alertmanager: str,
        env: dict[str, str],
        port: int,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.port = port
        self.state = workdir / "state"
        super().__init__(
            "notifier",
            [
                sys.executable,
                str(REPO / "runbook.py"),
                "--state",
                str(self.state),
                "notify",
                "--intents",
                str(intents),
                "--listen",
                f"127.0.0.1:{port}",
                "--alertmanager",
                alertmanager,
                *extra,
            ],
            workdir / "notifier.log",
            env,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Notifier:
        super().start()
        wait_for(
            "the notifier's /healthz",
            lambda: _get_ok(f"{self.url}/healthz") or not self.alive() or None,
            timeout=120,
        )
        assert self.alive(), f"the notifier exited:\n{self.output()}"
        return self


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )


# --- the test intent and the world it runs in ----------------------------------------------------

ROUTES = ["site-down", "circuits", "provider-outage"]
#: The SiteDown route escalates to a voice call after this many minutes without acknowledgement.
ESCALATE_MINUTES = 0.25


def notifications_intent(smtp_port: int) -> dict[str, object]:
    secret = {name: {"secret": name} for name in (*SECRETS, "chat/webhook", "vonage/private-key")}
    return {
        # These tests page the same two people for many sites within minutes: limits out of the way
        # (tests/notify/test_limits.py tests them).
        "notify": {"rate_limits": {"sms": {"1m": 1000}, "voice": {"1m": 1000}}},
        "defaults": {"to": "noc", "escalate_after_minutes": 5},
        "contacts": {
            "alice": {"name": "Alice Ops", "phone": "+14155550123", "email": "alice@example.com", "chat": "@alice"},
            "bob": {"name": "Bob Ops", "phone": "+14155550124", "email": "bob@example.com", "chat": "@bob"},
        },
        "groups": {"noc": {"members": ["alice", "bob"]}},
        "channels": {
            "sms": {
                "type": "twilio_sms",
                "account_sid": secret["twilio/sid"],
                "auth_token": secret["twilio/token"],
                "from": "+15005550006",
                "failover": "sms-backup",
            },
            "voice": {
                "type": "twilio_voice",
                "account_sid": secret["twilio/sid"],
                "auth_token": secret["twilio/token"],
                "from": "+15005550006",
                "failover": "voice-backup",
            },
            "sms-backup": {
                "type": "vonage_sms",
                "api_key": secret["vonage/key"],
                "api_secret": secret["vonage/secret"],
                "from": "Runbook",
            },
            "voice-backup": {
                "type": "vonage_voice",
                "application_id": secret["vonage/app"],
                "private_key": secret["vonage/private-key"],
                "from": "+15005550007",
            },
            "chat": {"type": "mattermost", "webhook_url": secret["chat/webhook"]},
            "email": {
                "type": "email",
                "smarthost": f"127.0.0.1:{smtp_port}",
                "from": "runbook@example.com",
                "starttls": False,
            },
            "tickets": {
                "type": "servicenow",
                "instance": "acme-test",
                "mode": "incident",
                "username": secret["servicenow/user"],
                "password": secret["servicenow/password"],
            },
        },
        "routes": [
            {
                "name": "site-down",
                "match": {"alertname": "SiteDown"},
                "notify": [{"channel": "sms", "to": "noc"}],
                "escalate": {"after_minutes": ESCALATE_MINUTES, "channel": "voice", "to": "noc"},
            },
            {
                "name": "circuits",
                "match": {"alertname": ["CircuitDown", "CircuitSLABreach"]},
                "notify": [{"channel": "chat", "to": "noc"}, {"channel": "email", "to": "noc"}],
            },
            {"name": "provider-outage", "match": {"alertname": "ProviderOutage"}, "notify": [{"channel": "tickets"}]},
        ],
    }


@dataclass
class World:
    workdir: Path
    proxy: ContractProxy
    chat: ChatReceiver
    smtp: SmtpServer
    alertmanager: Alertmanager
    notifier: Notifier
    env: dict[str, str]
    secrets: dict[str, str]

    @property
    def responder(self) -> ProviderResponder:
        assert isinstance(self.proxy.responder, ProviderResponder)
        return self.proxy.responder

    @property
    def cli_base(self) -> list[str]:
        return ["--state", str(self.notifier.state)]


def private_key_pem() -> str:
    """A fresh RSA key (PKCS#8 PEM), as a Vonage application's private key looks."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
