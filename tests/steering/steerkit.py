"""Test kit of the steering readers: a *hand-built* SD-WAN agent.

A real HTTP server (the standard library's, on a free loopback port) that answers ``/state`` and
``/metrics`` as docs/agent.md specifies, with data the test writes by hand. It stands in for the
agent only where the readers are tested on their own; the lab tests use the real agent.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from runbook_wan.ops import metrics as m


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def hand_built_state(site: str, now: float, *, moved: bool = True) -> dict[str, Any]:
    """A /state of a ``retail-flagship`` site: the primary at 5 % loss; pos, voice and video moved off it
    when ``moved`` (their loss SLAs are 0.5, 1 and 2 %)."""
    primary, secondary, wireless = "primary_dia", "secondary_dia", "tertiary_wireless"
    circuits = {
        primary: {"loss_ratio": 0.05 if moved else 0.0, "latency_s": 0.012, "jitter_s": 0.002, "samples": 100},
        secondary: {"loss_ratio": 0.0, "latency_s": 0.018, "jitter_s": 0.003, "samples": 100},
        wireless: {"loss_ratio": 0.0, "latency_s": 0.045, "jitter_s": 0.009, "samples": 20},
    }

    def decision(circuit: str, preferred: str, since: float, reason: str = "") -> dict[str, Any]:
        met = {primary: not moved, secondary: True, wireless: True}
        return {"circuit": circuit, "preferred": preferred, "since": since, "reason": reason, "sla_met": met}

    classes = {
        "pos": decision(
            secondary if moved else primary,
            primary,
            now - 300,
            "primary_dia breaches loss 5.0% > 0.5%" if moved else "",
        ),
        "voice": decision(
            secondary if moved else primary, primary, now - 300, "primary_dia breaches loss 5.0% > 1%" if moved else ""
        ),
        "video": decision(
            secondary if moved else primary, primary, now - 300, "primary_dia breaches loss 5.0% > 2%" if moved else ""
        ),
        "saas": decision(secondary, secondary, now - 86400),
        "bulk": decision(secondary, secondary, now - 86400),
        "guest": decision(secondary, secondary, now - 86400),
    }
    return {
        "site": site,
        "policy_digest": "sha256:" + "ab" * 32,
        "started_at": now - 90000,
        "circuits": circuits,
        "classes": classes,
    }


def metrics_text(state: dict[str, Any], paths: dict[str, list[str]]) -> str:
    """The same facts as Prometheus text, by the contract's names (``paths``: class -> allowed circuits)."""
    site = state["site"]
    lines: list[str] = []

    def add(name: str, kind: str, rows: list[tuple[dict[str, str], float]]) -> None:
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in rows:
            text = ",".join(f'{k}="{v}"' for k, v in labels.items())
            lines.append(f"{name}{{{text}}} {value!r}")

    circuits = state["circuits"]
    for name, key in ((m.SDWAN_CIRCUIT_LOSS, "loss_ratio"), (m.SDWAN_CIRCUIT_LATENCY, "latency_s")):
        add(name, "gauge", [({m.SITE: site, m.CIRCUIT: c}, float(f[key])) for c, f in circuits.items()])
    add(
        m.SDWAN_CIRCUIT_JITTER,
        "gauge",
        [({m.SITE: site, m.CIRCUIT: c}, float(f["jitter_s"])) for c, f in circuits.items()],
    )
    classes = state["classes"]
    add(
        m.SDWAN_CLASS_CIRCUIT,
        "gauge",
        [
            ({m.SITE: site, m.APP_CLASS: k, m.CIRCUIT: c}, 1.0 if d["circuit"] == c else 0.0)
            for k, d in classes.items()
            for c in paths[k]
        ],
    )
    add(
        m.SDWAN_CLASS_SLA_MET,
        "gauge",
        [
            ({m.SITE: site, m.APP_CLASS: k, m.CIRCUIT: c}, 1.0 if d["sla_met"].get(c) else 0.0)
            for k, d in classes.items()
            for c in paths[k]
        ],
    )
    add(m.SDWAN_CLASS_SINCE, "gauge", [({m.SITE: site, m.APP_CLASS: k}, float(d["since"])) for k, d in classes.items()])
    add(m.SDWAN_AGENT_POLICY, "gauge", [({m.SITE: site, m.DIGEST: state["policy_digest"]}, 1.0)])
    return "\n".join(lines) + "\n"


@dataclass
class HandBuiltAgent:
    """What the server answers; change the fields while it runs."""

    state: dict[str, Any]
    paths: dict[str, list[str]] = field(default_factory=dict)
    #: "ok", "error" (HTTP 500) or "garbage" (200 with a body that is not /state)
    mode: str = "ok"
    port: int = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def serve_agent(agent: HandBuiltAgent) -> Iterator[HandBuiltAgent]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if agent.mode == "error":
                self.send_error(500)
                return
            if self.path == "/state":
                body = b"<html>not json</html>" if agent.mode == "garbage" else json.dumps(agent.state).encode()
                kind = "application/json"
            elif self.path == "/metrics":
                body = metrics_text(agent.state, agent.paths).encode()
                kind = "text/plain; version=0.0.4"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", agent.port or 0), Handler)
    agent.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield agent
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def write_agent_policy(configs: Path, site: str, port: int) -> Path:
    """A minimal ``configs/<site>.agent.json`` (only what the readers use: site and metrics port)."""
    configs.mkdir(parents=True, exist_ok=True)
    path = configs / f"{site}.agent.json"
    policy = {
        "format": "runbook-agent-policy",
        "version": 1,
        "site": site,
        "metrics": {"interface": "mgmt0", "port": port},
    }
    path.write_text(json.dumps(policy, indent=2, sort_keys=True) + "\n")
    return path
