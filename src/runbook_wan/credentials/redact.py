"""Mask secret values in any text before it leaves the process (terminal, files, logs).

Every resolved secret is registered here the moment it is resolved; every output path calls
:meth:`Redactor.mask`. Values are replaced by their ``<secret:NAME>`` token.

A value the secrets source no longer holds cannot be registered: after a rotation, the device's
running config (a backup, the diff of the rotation) still shows the old one. So the config lines
that carry a secret are registered too, by what precedes the token (``neighbor 100.64.0.6
password``): whatever follows that on a line is masked, whichever value it is.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from runbook_wan.credentials.tokens import secret_token

if TYPE_CHECKING:
    import logging

#: Shorter values would mask innocent text; secrets this short are rejected at resolution.
MIN_SECRET_LENGTH = 6
#: Shorter line contexts (``password``) would mask innocent text; real ones name the neighbour too.
MIN_CONTEXT_LENGTH = 12

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
        self._contexts: dict[str, str] = {}
        self._context_re: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, name: str, value: str) -> None:
        """Mask ``value`` from now on. A value shorter than :data:`MIN_SECRET_LENGTH` is not taken: it
        would mask innocent words (callers refuse such secrets before they get here)."""
        if len(value) >= MIN_SECRET_LENGTH:
            with self._lock:
                self._values[value] = secret_token(name)

    def add_context(self, prefix: str, name: str) -> None:
        """Mask the value after ``prefix`` on any line (the words before a secret in a config line)."""
        prefix = " ".join(prefix.split())
        if len(prefix) < MIN_CONTEXT_LENGTH:
            return
        with self._lock:
            if self._contexts.get(prefix) != secret_token(name):
                self._contexts[prefix] = secret_token(name)
                alternatives = "|".join(re.escape(p) for p in sorted(self._contexts, key=len, reverse=True))
                # The value: one word (an optional encryption type first, ``7 <hash>``), stopping at
                # whitespace, a backslash or a quote, so JSON or a diff around it stays intact.
                self._context_re = re.compile(rf"(?P<pre>(?:{alternatives}))[ \t]+(?P<value>(?:\d+[ \t]+)?[^\s\\\"']+)")

    def mask(self, text: str) -> str:
        if not (self._values or self._contexts) or not text:
            return text
        with self._lock:
            items = sorted(self._values.items(), key=lambda kv: -len(kv[0]))
            context, tokens = self._context_re, dict(self._contexts)
        for value, token in items:
            if value in text:
                text = text.replace(value, token)
        if context is not None:
            text = context.sub(lambda m: f"{m.group('pre')} {tokens[m.group('pre')]}", text)
        return text

    def logging_filter(self) -> logging.Filter:
        import logging  # noqa: PLC0415 - 18 M instructions of every fresh process; only log handlers need it

        redactor = self

        class _Filter(logging.Filter):
            def filter(self, record: logging.LogRecord) -> bool:
                record.msg = redactor.mask(record.getMessage())
                record.args = None
                return True

        return _Filter()
