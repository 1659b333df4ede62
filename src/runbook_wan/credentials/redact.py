"""Mask secret values in any text before it leaves the process (terminal, files, logs).

Every resolved secret is registered here the moment it is resolved; every output path calls
:meth:`Redactor.mask`. Values are replaced by their ``<secret:NAME>`` token.
"""

from __future__ import annotations

import logging
import re
import threading

from runbook_wan.credentials.tokens import secret_token

#: Shorter values would mask innocent text; secrets this short are rejected at resolution.
MIN_SECRET_LENGTH = 6

#: ``user:password@`` in a URL or a host string (``smtp://u:p@host:587``, ``u:p@host``).
_USERINFO = re.compile(r"(?P<user>[^\s:/@'\"]+):(?P<password>[^\s@/'\"]+)@")


def mask_userinfo(text: str) -> str:
    """``text`` with the password of every ``user:password@`` in it replaced by ``***``.

    For values that are not registered secrets but may carry one: a URL or host:port someone
    wrote with credentials in it, quoted by an error message.
    """
    return _USERINFO.sub(lambda m: f"{m.group('user')}:***@", text)


class Redactor:
    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, name: str, value: str) -> None:
        """Mask ``value`` from now on. A value shorter than :data:`MIN_SECRET_LENGTH` is not taken: it
        would mask innocent words (callers refuse such secrets before they get here)."""
        if len(value) >= MIN_SECRET_LENGTH:
            with self._lock:
                self._values[value] = secret_token(name)

    def mask(self, text: str) -> str:
        if not self._values or not text:
            return text
        with self._lock:
            items = sorted(self._values.items(), key=lambda kv: -len(kv[0]))
        for value, token in items:
            if value in text:
                text = text.replace(value, token)
        return text

    def logging_filter(self) -> logging.Filter:
        redactor = self

        class _Filter(logging.Filter):
            def filter(self, record: logging.LogRecord) -> bool:
                record.msg = redactor.mask(record.getMessage())
                record.args = None
                return True

        return _Filter()
