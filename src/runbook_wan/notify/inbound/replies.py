"""SMS replies, parsed (pure: text in, meaning out). The syntax every page states:

=================================  ============================================================
reply                              meaning
=================================  ============================================================
``4``, ``a``, ``ack``              acknowledge the newest page sent to this phone
``6``, ``c``, ``close``,           resolve the newest page
``resolve``
``3a`` / ``3c`` (``3 ack``,        acknowledge / resolve page 3 (each page says its number;
``3 resolve``, ``a3``)             numbers are per phone, 1..99)
``STOP`` (``STOPALL``,             no more SMS pages to this phone (calls and other channels go on)
``UNSUBSCRIBE``, ``CANCEL``,
``END``, ``QUIT``)
``START`` (``YES``, ``UNSTOP``)    SMS pages again
``HELP``, ``INFO``                 this syntax, in one SMS
=================================  ============================================================

Case, spaces and a trailing full stop are ignored. Anything else is unrecognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    ACK = "ack"
    RESOLVE = "resolve"
    STOP = "stop"
    START = "start"
    HELP = "help"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reply:
    action: Action
    #: The page number the reply names (None: the newest page).
    code: int | None = None


_WORDS: dict[str, Action] = {word: Action.ACK for word in ("4", "a", "ack", "acknowledge")}
_WORDS |= {word: Action.RESOLVE for word in ("6", "c", "close", "r", "resolve")}
_WORDS |= {word: Action.STOP for word in ("stop", "stopall", "unsubscribe", "cancel", "end", "quit")}
_WORDS |= {word: Action.START for word in ("start", "yes", "unstop")}
_WORDS |= {word: Action.HELP for word in ("help", "info")}
_VERBS = {"a": Action.ACK, "ack": Action.ACK, "c": Action.RESOLVE, "close": Action.RESOLVE}
_VERBS |= {"r": Action.RESOLVE, "resolve": Action.RESOLVE}
_CODED = re.compile(
    r"(?:(?P<n1>[0-9]{1,2})(?P<v1>ack|a|close|c|resolve|r)|(?P<v2>ack|a|close|c|resolve|r)(?P<n2>[0-9]{1,2}))"
)

#: The one-line help every page ends with (``code`` is the page's number for this phone).
HELP_TEXT = "Reply 4 or ack: acknowledge the newest page; 6: resolve it; <n>a / <n>c: page n; STOP: no more SMS."


def page_hint(code: int) -> str:
    """What a page says about answering it, e.g. ``Reply 3a ack, 3c resolve (4/6: newest)``."""
    return f"Reply {code}a ack, {code}c resolve (4/6: newest)"


def parse(text: str) -> Reply:
    """What an SMS reply asks for."""
    word = "".join(text.lower().split()).rstrip(".!")
    if word in _WORDS:
        return Reply(_WORDS[word])
    found = _CODED.fullmatch(word)
    if found is not None:
        number = int(found.group("n1") or found.group("n2"))
        verb = found.group("v1") or found.group("v2")
        if number > 0:
            return Reply(_VERBS[verb], number)
    return Reply(Action.UNKNOWN)
