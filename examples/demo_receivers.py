#!/usr/bin/env python3
"""Local stand-ins for a team's mail server and chat service, for demo.sh: a real SMTP server
(aiosmtpd) and a Mattermost-style incoming webhook, both on 127.0.0.1.

Every message that arrives is appended to ``<dir>/received.log`` (one line each); the ports are
written to ``<dir>/receivers.env`` as shell assignments once both listen. Runs until SIGTERM.

    python3 examples/demo_receivers.py --dir .runbook/demo &
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

TOKEN = "demo-webhook-token"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    log = args.dir / "received.log"
    lock = threading.Lock()

    def note(line: str) -> None:
        with lock, log.open("a", encoding="utf-8") as out:
            out.write(line.replace("\n", " | ") + "\n")

    class Mail:
        async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
            message = message_from_bytes(envelope.content, policy=policy.default)
            note(f"mail to {', '.join(envelope.rcpt_tos)}: {message['Subject']}")
            return "250 Message accepted for delivery"

    class Chat(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ok = self.path == f"/hooks/{TOKEN}"
            if ok:
                note(f"chat: {json.loads(body).get('text', '')}")
            self.send_response(200 if ok else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    with socket.socket() as probe:  # a free port (aiosmtpd needs a number up front)
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(Mail(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    chat = ThreadingHTTPServer(("127.0.0.1", 0), Chat)
    threading.Thread(target=chat.serve_forever, daemon=True).start()
    chat_url = f"http://127.0.0.1:{chat.server_address[1]}/hooks/{TOKEN}"
    (args.dir / "receivers.env").write_text(f"DEMO_SMTP_PORT={smtp_port}\nDEMO_CHAT_URL={chat_url}\n")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    chat.shutdown()
    smtp.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
