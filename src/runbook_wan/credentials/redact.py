"""Mask secret values in any text before it leaves the process (terminal, files, logs).

Every resolved secret is registered here the moment it is resolved; every output path calls
:meth:`Redactor.mask`. Values are replaced by their ``<secret:NAME>`` token.
"""

from __future__ import annotations

import logging
import threading

from runbook_wan.credentials.tokens import secret_token

#: Shorter values would mask innocent text; secrets this short are rejected at resolution.
MIN_SECRET_LENGTH = 6


class Redactor:
    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, name: str, value: str) -> None:
        if value:
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
