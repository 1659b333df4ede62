"""SMS reply codes, parsed (pure): the syntax every page states, and what is not part of it."""

from __future__ import annotations

import pytest

from runbook_wan.notify.inbound.replies import HELP_TEXT, Action, Reply, page_hint, parse


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        # The newest page sent to this phone.
        ("4", Reply(Action.ACK)),
        ("ack", Reply(Action.ACK)),
        ("A", Reply(Action.ACK)),
        (" Ack. ", Reply(Action.ACK)),
        ("acknowledge", Reply(Action.ACK)),
        ("6", Reply(Action.RESOLVE)),
        ("c", Reply(Action.RESOLVE)),
        ("close", Reply(Action.RESOLVE)),
        ("Resolve!", Reply(Action.RESOLVE)),
        # A given page, by the number the page stated (per phone, 1..99), either way round.
        ("3a", Reply(Action.ACK, 3)),
        ("3 a", Reply(Action.ACK, 3)),
        ("3 ACK", Reply(Action.ACK, 3)),
        ("a3", Reply(Action.ACK, 3)),
        ("12c", Reply(Action.RESOLVE, 12)),
        ("12 resolve", Reply(Action.RESOLVE, 12)),
        ("r99", Reply(Action.RESOLVE, 99)),
        # Carrier keywords.
        ("STOP", Reply(Action.STOP)),
        ("unsubscribe", Reply(Action.STOP)),
        ("Start", Reply(Action.START)),
        ("UNSTOP", Reply(Action.START)),
        ("help", Reply(Action.HELP)),
        ("INFO", Reply(Action.HELP)),
    ],
)
def test_the_documented_syntax(text: str, meant: Reply) -> None:
    assert parse(text) == meant


@pytest.mark.parametrize(
    "text",
    ["", "5", "44", "0a", "100a", "3x", "ack 3 please", "yes please", "4a4", "a-3", "ok", "3", "c3c", "\u0664"],
)
def test_anything_else_is_unrecognised(text: str) -> None:
    assert parse(text) == Reply(Action.UNKNOWN)


def test_every_page_states_its_codes_and_the_help_fits_one_sms() -> None:
    assert page_hint(7) == "Reply 7a ack, 7c resolve (4/6: newest)"
    assert parse("7a") == Reply(Action.ACK, 7) and parse("7c") == Reply(Action.RESOLVE, 7)
    assert len(HELP_TEXT) <= 160  # one GSM-7 segment
    assert HELP_TEXT.isascii()
