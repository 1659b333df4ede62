"""Per-contact rate limits: the pure verdict (windows, times sent, now), then the notifier holding a page
back and sending it when the window allows, unless it was answered first; STOP withholds SMS only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from enginekit import T0, Rig, am_alert, engine_rig, payload

from runbook_wan.model.notifications import DEFAULT_SMS_LIMITS, DEFAULT_VOICE_LIMITS
from runbook_wan.notify.inbound.wiring import make_inbound
from runbook_wan.notify.limits import Exceeded, exceeded, longest_window
from runbook_wan.ops.incidents import DeliveryStatus

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_goalert_defaults() -> None:
    assert DEFAULT_SMS_LIMITS == {"15m": 5, "1h": 11, "3h": 21}
    assert DEFAULT_VOICE_LIMITS == {"15m": 3, "1h": 7, "3h": 15}
    assert longest_window(DEFAULT_SMS_LIMITS) == 3 * 3600 and longest_window({}) == 0


def test_under_every_window_a_page_goes_now() -> None:
    assert exceeded(DEFAULT_SMS_LIMITS, [], NOW) is None
    assert exceeded(DEFAULT_SMS_LIMITS, _ago(1, 2, 3, 4), NOW) is None
    # Five, but the oldest left the 15-minute window (exactly 15 minutes old no longer counts).
    assert exceeded(DEFAULT_SMS_LIMITS, _ago(1, 2, 3, 4, 15), NOW) is None


def test_the_fifth_sms_in_15_minutes_holds_the_sixth_until_the_oldest_ages_out() -> None:
    held = exceeded(DEFAULT_SMS_LIMITS, _ago(14, 10, 3, 2, 1), NOW)
    assert held == Exceeded("15m", 5, NOW + timedelta(minutes=1))
    # Seven in the window: three must age out first (the third oldest, 10 minutes old, leaves in 5).
    held = exceeded(DEFAULT_SMS_LIMITS, _ago(14, 12, 10, 3, 2, 1, 0), NOW)
    assert held == Exceeded("15m", 5, NOW + timedelta(minutes=5))


def test_the_hour_window_counts_what_the_15_minute_one_forgot() -> None:
    every_five_minutes = _ago(55, 50, 45, 40, 35, 30, 25, 20, 15, 10, 5)  # 11 in the hour, 2 in 15 min
    assert exceeded(DEFAULT_SMS_LIMITS, every_five_minutes, NOW) == Exceeded("1h", 11, NOW + timedelta(minutes=5))
    assert exceeded(DEFAULT_SMS_LIMITS, every_five_minutes[1:], NOW) is None


def test_the_window_that_holds_longest_is_named_and_future_times_do_not_count() -> None:
    calls = _ago(170, 160, 150, 140, 130, 120, 110, 100, 90, 80, 70, 60, 14, 13, 12)  # 15 in 3 h, 3 in 15 min
    assert exceeded(DEFAULT_VOICE_LIMITS, calls, NOW) == Exceeded("3h", 15, NOW + timedelta(minutes=10))
    assert exceeded({"15m": 1}, [NOW + timedelta(minutes=1)], NOW) is None


# --- the notifier holding pages back (in-process, injected clock) -------------------------------------


def _goalert_limits(intent: dict[str, Any]) -> None:
    del intent["notify"]  # the defaults: GoAlert's numbers


@pytest.fixture
def limited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_key: str) -> Iterator[Rig]:
    with engine_rig(tmp_path, monkeypatch, private_key, _goalert_limits) as made:
        yield made


def test_a_sixth_page_in_15_minutes_waits_and_goes_when_the_window_allows_unless_acknowledged(limited: Rig) -> None:
    rig = limited
    sites = [f"lim-{n:03d}" for n in range(7)]
    for site in sites:
        rig.notifier.handle(payload("runbook-site-down", am_alert("SiteDown", site=site)))
    assert [len(rig.sms(s)) for s in sites] == [2, 2, 2, 2, 2, 0, 0]  # five each, then held back
    held = {i.site: i for i in rig.store.incidents()}
    limited_rows = [d for d in rig.store.deliveries(held["lim-005"].id) if d.status is DeliveryStatus.LIMITED]
    assert len(limited_rows) == 2  # alice and bob, recorded once each
    assert "rate limit: 5 SMS per 15m to this contact; sent at 2026-11-30T18:15:00Z" in limited_rows[0].error
    assert rig.store.acknowledge(held["lim-006"].id, "bob", via="sms") is not None

    rig.clock.now = T0 + timedelta(minutes=14)
    assert rig.notifier.send_deferred().sent == 0
    rig.notifier.handle(payload("runbook-site-down", am_alert("SiteDown", site="lim-005")))  # a repeat
    assert rig.sms("lim-005") == [] and len(rig.store.deliveries(held["lim-005"].id)) == 2  # not recorded again
    rig.clock.now = T0 + timedelta(minutes=15, seconds=1)
    assert rig.notifier.send_deferred().sent == 2
    assert sorted(rig.sms("lim-005")) == ["+14155550123", "+14155550124"]
    assert rig.sms("lim-006") == []  # answered meanwhile: never sent
    assert rig.notifier.send_deferred().sent == 0


def test_stop_withholds_sms_to_that_phone_but_not_the_call(limited: Rig, tmp_path: Path) -> None:
    rig = limited
    rig.notifier.inbound = make_inbound("http://127.0.0.1:9", "k" * 32, rig.store.path, 60)
    rig.notifier.inbound.store.opt_out("+14155550123")
    rig.notifier.handle(payload("runbook-site-down", am_alert("SiteDown", site="stp-001")))
    assert rig.sms("stp-001") == ["+14155550124"]
    [incident] = rig.store.incidents()
    [withheld] = [d for d in rig.store.deliveries(incident.id) if d.status is DeliveryStatus.LIMITED]
    assert withheld.recipient.startswith("alice") and "replied STOP" in withheld.error
    rig.clock.now = T0 + timedelta(minutes=1)
    rig.notifier.escalate_due()
    assert sorted(rig.calls("stp-001")) == ["+14155550123", "+14155550124"]
