"""A recording HTTPS proxy for contract tests: the real SDKs, real TLS, nothing reaches the Internet.

Twilio, Vonage, Slack and ServiceNow cannot be reached from here. Their official clients all send
through ``requests``, which honours ``HTTPS_PROXY`` and ``REQUESTS_CA_BUNDLE``. This proxy listens on
127.0.0.1, accepts ``CONNECT host:443`` for the provider hosts only, terminates TLS with a
certificate issued by a throw-away test CA (``trustme``), records every HTTP request it reads
(method, host, path, query, headers, body) and answers with the provider's documented response
shape (:class:`ProviderResponder`), or with a documented error when a test asks for one.

What the recordings prove: the request the unchanged SDK puts on the wire. They say nothing
about delivery.
"""

from __future__ import annotations

import base64
import json
import secrets
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import trustme

#: The hosts the notifier's providers use. ServiceNow instances are ``<instance>.service-now.com``;
#: Teams Workflows webhooks live on Logic Apps hosts; Mattermost is self-hosted (a test name here).
TEAMS_HOST = "prod-00.westus.logic.azure.com"
MATTERMOST_HOST = "chat.acme-test.example"
PROVIDER_HOSTS = ("api.twilio.com", "rest.nexmo.com", "api.nexmo.com", "hooks.slack.com", TEAMS_HOST, MATTERMOST_HOST)
SERVICENOW_INSTANCE = "acme-test"
SERVICENOW_HOST = f"{SERVICENOW_INSTANCE}.service-now.com"


@dataclass(frozen=True)
class Recorded:
    """One HTTP request as it arrived over TLS."""

    host: str
    method: str
    target: str  # path?query as sent
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.target}"

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    def basic_auth(self) -> tuple[str, str] | None:
        value = self.header("Authorization") or ""
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode("utf-8").partition(":")
        return user, password

    def bearer(self) -> str | None:
        value = self.header("Authorization") or ""
        return value[7:] if value.startswith("Bearer ") else None

    def as_prepared(self) -> requests.PreparedRequest:
        """The recording as a ``requests`` object (what ``openapi-core``'s requests adapter reads)."""
        headers = {key: value for key, value in self.headers}
        return requests.Request(self.method, self.url, headers=headers, data=self.body).prepare()


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, payload: Any) -> Reply:
        return cls(status, json.dumps(payload).encode("utf-8"))


Responder = Callable[[Recorded], Reply]


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class ProviderResponder:
    """Answers each provider request with its documented success shape, or a documented error.

    ``fail[host] = Reply(...)`` makes every request to that host fail with that reply (the
    failover tests use :meth:`twilio_error`).
    """

    fail: dict[str, Reply] = field(default_factory=dict)
    #: Seconds to wait before answering (a provider's usual latency, for timing tests and benches).
    delay: float = 0.0

    @staticmethod
    def twilio_error(status: int = 503, code: int = 20500, message: str = "Internal Server Error") -> Reply:
        # https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions
        return Reply.json(
            status,
            {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}"}
            | {"status": status},
        )

    def __call__(self, request: Recorded) -> Reply:  # noqa: PLR0911 - one branch per documented endpoint
        if self.delay:
            time.sleep(self.delay)
        if request.host in self.fail:
            return self.fail[request.host]
        path = request.path
        if request.host == "api.twilio.com" and path.endswith("/Messages.json"):
            return Reply.json(201, _twilio_message(request))
        if request.host == "api.twilio.com" and path.endswith("/Calls.json"):
            return Reply.json(201, _twilio_call(request))
        if request.host == "rest.nexmo.com" and path == "/sms/json":
            form = request.form()
            return Reply.json(
                200,
                {
                    "message-count": "1",
                    "messages": [
                        {
                            "to": form.get("to", [""])[0],
                            "message-id": secrets.token_hex(8).upper(),
                            "status": "0",
                            "remaining-balance": "3.14159265",
                            "message-price": "0.03330000",
                            "network": "12345",
                        }
                    ],
                },
            )
        if request.host == "api.nexmo.com" and path == "/v1/calls":
            return Reply.json(
                201,
                {
                    "uuid": secrets.token_hex(16),
                    "status": "started",
                    "direction": "outbound",
                    "conversation_uuid": "CON-" + secrets.token_hex(16),
                },
            )
        if request.host == "hooks.slack.com":  # Slack: 200 "ok" (text/html)
            return Reply(200, b"ok", "text/html")
        if request.host == TEAMS_HOST:  # Logic Apps HTTP trigger: 202 Accepted, empty body
            return Reply(202, b"", "text/plain")
        if request.host == MATTERMOST_HOST:  # Mattermost incoming webhook: 200 "ok"
            return Reply(200, b"ok", "text/plain")
        if request.host.endswith(".service-now.com"):
            return _servicenow(request)
        return Reply.json(404, {"error": f"no canned answer for {request.method} {request.url}"})


def _twilio_message(request: Recorded) -> dict[str, Any]:
    # Shape: api.v2010.account.message (twilio_api_v2010.json, response 201 of CreateMessage).
    form = request.form()
    account = request.path.split("/")[3]
    sid = _sid("SM")
    return {
        "account_sid": account,
        "api_version": "2010-04-01",
        "body": form.get("Body", [""])[0],
        "date_created": "Mon, 30 Nov 2026 18:00:00 +0000",
        "date_sent": None,
        "date_updated": "Mon, 30 Nov 2026 18:00:00 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From", [""])[0],
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
        "to": form.get("To", [""])[0],
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
    }


def _twilio_call(request: Recorded) -> dict[str, Any]:
    # Shape: api.v2010.account.call (twilio_api_v2010.json, response 201 of CreateCall).
    form = request.form()
    account = request.path.split("/")[3]
    sid = _sid("CA")
    return {
        "account_sid": account,
        "annotation": None,
        "answered_by": None,
        "api_version": "2010-04-01",
        "caller_name": None,
        "date_created": None,
        "date_updated": None,
        "direction": "outbound-api",
        "duration": None,
        "end_time": None,
        "forwarded_from": None,
        "from": form.get("From", [""])[0],
        "from_formatted": form.get("From", [""])[0],
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "start_time": None,
        "status": "queued",
        "subresource_uris": {},
        "to": form.get("To", [""])[0],
        "to_formatted": form.get("To", [""])[0],
        "trunk_sid": None,
        "uri": f"/2010-04-01/Accounts/{account}/Calls/{sid}.json",
        "queue_time": "0",
    }


#: A sample of incident's fields, as a GET of one record returns them.
_INCIDENT_FIELDS = (
    "short_description", "description", "urgency", "impact", "category", "state", "work_notes", "comments",
    "close_code", "close_notes", "assignment_group", "correlation_id", "correlation_display", "opened_at",
)  # fmt: skip


def _servicenow(request: Recorded) -> Reply:
    # Table API (docs: "Table API", POST -> 201, PATCH -> 200, {"result": {...}}); pysnc asks for
    # sysparm_display_value=all, so each field comes back as {"value", "display_value"}.
    def field_(value: str) -> dict[str, str]:
        return {"value": value, "display_value": value}

    path = request.path
    if path == "/api/global/em/jsonv2" and request.method == "POST":
        count = len(request.json().get("records", []))
        return Reply.json(200, {"result": {"Default Bulk Endpoint": f"{count} events were inserted"}})
    if path == "/api/now/table/incident" and request.method == "POST":
        body = request.json()
        record = {key: field_(str(value)) for key, value in body.items()}
        record |= {"sys_id": field_(secrets.token_hex(16)), "number": field_("INC0010001"), "state": field_("1")}
        return Reply.json(201, {"result": record})
    if path.startswith("/api/now/table/incident/"):
        # Without sysparm_fields the Table API returns every field of the record (empty ones too).
        sys_id = path.rsplit("/", 1)[1]
        record = {name: field_("") for name in _INCIDENT_FIELDS}
        record |= {"sys_id": field_(sys_id), "number": field_("INC0010001"), "state": field_("1")}
        if request.method == "PATCH":
            record |= {key: field_(str(value)) for key, value in request.json().items()}
        return Reply.json(200, {"result": record})
    return Reply.json(404, {"error": {"message": "No Record found", "detail": path}, "status": "failure"})


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        line = self.rfile.readline(65536).decode("latin-1").strip()
        headers = _read_headers(self.rfile)
        del headers
        method, _, rest = line.partition(" ")
        authority = rest.split(" ", 1)[0]
        host, _, port = authority.partition(":")
        if method != "CONNECT" or port != "443" or not self.server.allowed(host):
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        self.server.wait_while_held(host)
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        try:
            tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return
        self.server.track(tls, host)
        try:
            reader = tls.makefile("rb")
            while self._serve_one(host, reader, tls):
                pass
        except (ssl.SSLError, OSError, ValueError):
            return
        finally:
            self.server.untrack(tls)
            tls.close()

    def _serve_one(self, host: str, reader: Any, tls: ssl.SSLSocket) -> bool:
        line = reader.readline(65536).decode("latin-1").strip()
        if not line:
            return False
        method, target, _version = line.split(" ", 2)
        headers = _read_headers(reader)
        lookup = {key.lower(): value for key, value in headers}
        if lookup.get("transfer-encoding", "").lower() == "chunked":
            body = _read_chunked(reader)
        else:
            body = reader.read(int(lookup.get("content-length", "0") or 0))
        request = Recorded(host, method, target, tuple(headers), body)
        self.server.record(request)
        reply = self.server.responder(request)
        head = (
            f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}\r\n"
            f"Content-Type: {reply.content_type}\r\nContent-Length: {len(reply.body)}\r\n\r\n"
        )
        tls.sendall(head.encode("latin-1") + reply.body)
        return lookup.get("connection", "").lower() != "close"


_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    503: "Unavailable",
}


def _read_headers(reader: Any) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    while True:
        line = reader.readline(65536).decode("latin-1")
        if line in ("\r\n", "\n", ""):
            return headers
        key, _, value = line.partition(":")
        headers.append((key.strip(), value.strip()))


def _read_chunked(reader: Any) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int(reader.readline(1024).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            reader.readline(1024)
            return b"".join(chunks)
        chunks.append(reader.read(size))
        reader.readline(1024)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext, hosts: tuple[str, ...], responder: Responder) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.hosts = hosts
        self.responder = responder
        self.records: list[Recorded] = []
        #: Open tunnels and the host each one reaches.
        self._open: dict[socket.socket, str] = {}
        self._lock = threading.Lock()
        #: Set: new connections wait before the tunnel opens (no request reaches the provider) ...
        self.holding = threading.Event()
        #: ... those to these hosts only, when given (other providers' requests go through).
        self.holding_hosts: frozenset[str] | None = None
        self.held = 0

    def allowed(self, host: str) -> bool:
        return host in self.hosts

    def wait_while_held(self, host: str) -> None:
        if not self.holding.is_set() or (self.holding_hosts is not None and host not in self.holding_hosts):
            return
        with self._lock:
            self.held += 1
        try:
            while self.holding.is_set():
                time.sleep(0.05)
        finally:
            with self._lock:
                self.held -= 1

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.records.append(request)

    def track(self, sock: socket.socket, host: str) -> None:
        with self._lock:
            self._open[sock] = host

    def untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.pop(sock, None)

    def close_all(self, hosts: frozenset[str] | None = None) -> None:
        """Shut the open tunnels (to ``hosts`` only, when given)."""
        with self._lock:
            for sock, host in list(self._open.items()):
                if hosts is None or host in hosts:
                    with suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)


class ContractProxy:
    """``with ContractProxy(ca, tmp) as proxy:`` -- ``proxy.env`` is what the SDK process needs."""

    def __init__(
        self,
        ca: trustme.CA,
        workdir: Path,
        responder: Responder | None = None,
        hosts: tuple[str, ...] = (*PROVIDER_HOSTS, SERVICENOW_HOST),
    ) -> None:
        self.ca = ca
        self.responder = responder or ProviderResponder()
        self.hosts = hosts
        self.ca_bundle = workdir / "contract-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_bundle))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*hosts).configure_cert(context)
        self._server = _Server(context, hosts, self._respond)
        self._thread = threading.Thread(target=self._server.serve_forever, name="contract-proxy", daemon=True)

    def _respond(self, request: Recorded) -> Reply:
        return self.responder(request)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Environment for the process under test: the proxy for HTTPS only, trust only the test CA."""
        # requests reads REQUESTS_CA_BUNDLE; urllib (slack_sdk) and httpx read SSL_CERT_FILE.
        ca = str(self.ca_bundle)
        return {"HTTPS_PROXY": self.url, "https_proxy": self.url, "REQUESTS_CA_BUNDLE": ca, "SSL_CERT_FILE": ca}

    @property
    def records(self) -> list[Recorded]:
        with self._server._lock:
            return list(self._server.records)

    def to(self, host: str) -> list[Recorded]:
        return [r for r in self.records if r.host == host]

    def clear(self) -> None:
        with self._server._lock:
            self._server.records.clear()

    def hold(self, *hosts: str) -> None:
        """From now on a client's CONNECT waits, unanswered: its request never reaches the provider.
        ``hosts``: only connections to these (e.g. ``api.twilio.com``); the other providers answer.
        Tunnels a client keeps open (HTTP keep-alive) are shut first, so its next request needs a
        CONNECT too and cannot slip past the hold."""
        held = frozenset(hosts) if hosts else None
        self._server.holding_hosts = held
        self._server.holding.set()
        self._server.close_all(held)

    def release(self) -> None:
        self._server.holding.clear()

    @property
    def held(self) -> int:
        """Connections waiting at the hold right now."""
        with self._server._lock:
            return self._server.held

    def start(self) -> ContractProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.close_all()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ContractProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def running_proxy(workdir: Path, responder: Responder | None = None) -> Iterator[ContractProxy]:
    with ContractProxy(trustme.CA(), workdir, responder) as proxy:
        yield proxy
