"""E-mail through an SMTP smarthost (``smtplib``): one text/plain message per recipient.

STARTTLS is required when the channel says so (the connection fails rather than fall back to
clear text); AUTH only when a username is configured. The Message-ID is the delivery's id.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from typing_extensions import override

from runbook_wan.model.notifications import ChannelKind
from runbook_wan.notify.channels.base import DEFAULT_TIMEOUT, Sender
from runbook_wan.notify.notice import Notice, Recipient


class EmailSender(Sender):
    def __init__(
        self,
        name: str,
        *,
        smarthost: str,
        sender: str,
        starttls: bool = True,
        username: str | None = None,
        password: str | None = None,
        failover: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(name, ChannelKind.EMAIL, failover)
        host, _, port = smarthost.rpartition(":")
        self._host, self._port = host, int(port)
        self._from = sender
        self._starttls = starttls
        self._username = username
        self._password = password
        self._timeout = timeout
        # The system's trust store (SSL_CERT_FILE / SSL_CERT_DIR apply), hostname checked.
        self._tls = ssl.create_default_context()

    def message(self, notice: Notice, recipient: Recipient) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._from
        message["To"] = recipient.address
        message["Subject"] = notice.subject()
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(idstring=notice.incident_id, domain=self._from.partition("@")[2] or None)
        message["X-Runbook-Incident"] = notice.incident_id
        message.set_content(notice.text())
        return message

    @override
    def _send(self, notice: Notice, recipient: Recipient, reference: str) -> str:
        message = self.message(notice, recipient)
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            smtp.ehlo()
            if self._starttls:
                smtp.starttls(context=self._tls)
                smtp.ehlo()
            if self._username:
                smtp.login(self._username, self._password or "")
            smtp.send_message(message)
        return str(message["Message-ID"]).strip("<>")
