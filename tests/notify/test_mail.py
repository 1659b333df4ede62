"""E-mail through a real SMTP server (aiosmtpd): STARTTLS with a verified certificate, AUTH, and never
a fallback to clear text."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from notifykit import free_port

from runbook_wan.notify.channels.mail import EmailSender
from runbook_wan.notify.notice import Notice, Recipient
from runbook_wan.ops.incidents import DeliveryKind, DeliveryStatus

PASSWORD = "Smtp-S3cret-pass"
ALICE = Recipient.email("alice", "alice@example.com")
NOTICE = Notice(DeliveryKind.FIRING, "inc-ma1l00", "CircuitDown", "warning", "chi-021 lte is down", {"site": "chi-021"})


class Sink:
    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.logins: list[tuple[str, bytes]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.received.append(envelope.content)
        return "250 OK"

    def authenticate(self, _server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((mechanism, data.login))
        return AuthResult(success=data.login == b"runbook" and data.password == PASSWORD.encode())


@pytest.fixture
def ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> trustme.CA:
    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # what the notifier's default TLS context trusts
    return authority


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[tuple[Sink, int]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    sink, port = Sink(), free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=sink.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    yield sink, port
    controller.stop()


def _sender(port: int, password: str = PASSWORD, timeout: float = 10.0) -> EmailSender:
    return EmailSender(
        "email",
        smarthost=f"127.0.0.1:{port}",
        sender="runbook@example.com",
        starttls=True,
        username="runbook",
        password=password,
        timeout=timeout,
    )


def test_mail_goes_over_starttls_with_auth(tls_server: tuple[Sink, int]) -> None:
    sink, port = tls_server
    attempt = _sender(port).send(NOTICE, ALICE)

    assert attempt.status is DeliveryStatus.SENT, attempt.error
    assert attempt.message_id.endswith("@example.com") and "inc-ma1l00" in attempt.message_id
    assert [login for _mechanism, login in sink.logins] == [b"runbook"]
    [raw] = sink.received
    assert b"Subject: [FIRING] CircuitDown chi-021 (warning)" in raw and b"Content-Type: text/plain" in raw


def test_a_wrong_password_fails_without_saying_the_password(tls_server: tuple[Sink, int]) -> None:
    sink, port = tls_server
    # smtplib tries PLAIN, then LOGIN, which aiosmtpd answers slowly after a failure: a short timeout.
    attempt = _sender(port, password="Wrong-pa55word", timeout=2).send(NOTICE, ALICE)

    assert attempt.status is DeliveryStatus.FAILED and attempt.error.startswith("SMTP")
    assert "Wrong-pa55word" not in attempt.error and sink.received == []
    assert sink.logins and all(login == b"runbook" for _mechanism, login in sink.logins)


def test_no_starttls_offered_means_no_mail_rather_than_clear_text(ca: trustme.CA) -> None:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        attempt = _sender(port).send(NOTICE, ALICE)
    finally:
        controller.stop()
    assert attempt.status is DeliveryStatus.FAILED and "STARTTLS extension not supported" in attempt.error
    assert sink.received == [] and sink.logins == []
