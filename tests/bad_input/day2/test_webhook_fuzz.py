"""The notifier's webhook against hostile and careless input (issue 21, class 3).

Every request below goes through the real ASGI app, the real payload model and a real SQLite
incident store. For each one the answer is a 2xx with every alert recorded, or a 4xx with none
recorded; never a 500, never a traceback in the log. Payloads are hand-built (the shapes of
Alertmanager's version 4) plus a seeded generator of mangled ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from runbook_wan.credentials.redact import Redactor
from runbook_wan.model.notifications import Notifications
from runbook_wan.notify.alerts import WebhookPayload
from runbook_wan.notify.engine import Notifier
from runbook_wan.notify.service import MAX_BODY, build_app
from runbook_wan.ops.incidents import IncidentStore

JSON = {"Content-Type": "application/json"}


def alert(index: int, **labels: str) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": "CircuitDown", "site": f"s-{index:05d}", **labels},
        "annotations": {"summary": f"circuit {index} down"},
        "startsAt": "2026-11-30T17:59:00.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.invalid/graph",
        "fingerprint": f"{index:016x}",
    }


def payload(alerts: list[dict[str, Any]], receiver: str = "runbook-unrouted") -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": receiver,
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.invalid",
        "alerts": alerts,
    }


class Hook:
    """The webhook of a notifier with no routes (nothing is sent: only what is recorded counts)."""

    def __init__(self, tmp: Path) -> None:
        self.store = IncidentStore(tmp / "incidents.sqlite")
        notifier = Notifier(Notifications.model_validate({}), {}, self.store, Redactor())
        self.app = build_app(notifier)

    def post(self, content: bytes | AsyncIterator[bytes], headers: dict[str, str] | None = None) -> httpx.Response:
        async def exchange() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:9099") as client:
                return await client.post("/alerts", content=content, headers=JSON if headers is None else headers)

        return asyncio.run(exchange())

    def count(self) -> int:
        return len(self.store.incidents(limit=1_000_000))


@pytest.fixture
def hook(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Hook]:
    caplog.set_level(logging.INFO, logger="runbook")
    yield Hook(tmp_path)
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info], "a request ended in an exception"


def all_or_nothing(hook: Hook, body: bytes, headers: dict[str, str] | None = None, alerts: int = 0) -> int:
    """Post; the answer is 200 with ``alerts`` more incidents, or a 4xx with none. Returns the status."""
    before = hook.count()
    answer = hook.post(body, headers)
    assert answer.status_code != 500 and answer.status_code < 503, answer.text
    assert "error" in answer.json() or answer.status_code == 200
    grown = hook.count() - before
    if answer.status_code == 200:
        assert grown == alerts == len(answer.json()["opened"]), (grown, alerts)
    else:
        assert 400 <= answer.status_code < 500 and grown == 0, (answer.status_code, grown)
    return answer.status_code


REFUSED: dict[str, tuple[bytes, dict[str, str] | None, int]] = {
    "nested 100,000 deep": (b'{"version":"4","alerts":' + b"[" * 100_000 + b"]" * 100_000 + b"}", None, 400),
    "nested labels": (json.dumps(payload([alert(1) | {"labels": {"a": {"b": {"c": "d"}}}}])).encode(), None, 400),
    "lone surrogate (JSON escape)": (
        json.dumps(payload([alert(1, circuit="\ud800")]), ensure_ascii=True).encode(),
        None,
        400,
    ),
    "lone surrogate in a key": (json.dumps(payload([alert(1)])).replace('"site"', '"\\udfff"').encode(), None, 400),
    "not UTF-8": (json.dumps(payload([alert(1, circuit="X")])).encode().replace(b'"X"', b'"\xff\xfe"'), None, 400),
    "CESU-8 surrogate bytes": (
        json.dumps(payload([alert(1, circuit="X")])).encode().replace(b'"X"', b'"\xed\xa0\x80"'),
        None,
        400,
    ),
    "UTF-16": (json.dumps(payload([alert(1)])).encode("utf-16"), None, 400),
    "a time past year 9999": (
        json.dumps(payload([alert(1) | {"startsAt": "9999-12-31T23:59:59-23:59"}])).encode(),
        None,
        400,
    ),
    "no fingerprint": (
        json.dumps(payload([{k: v for k, v in alert(1).items() if k != "fingerprint"}])).encode(),
        None,
        400,
    ),
    "alerts is not a list": (json.dumps(payload([]) | {"alerts": {"0": alert(1)}}).encode(), None, 400),
    "version 3": (json.dumps(payload([alert(1)]) | {"version": "3"}).encode(), None, 400),
    "empty body": (b"", None, 400),
    "text/plain (a page's simple request)": (
        json.dumps(payload([alert(1)])).encode(),
        {"Content-Type": "text/plain"},
        415,
    ),
    "form-encoded": (b"alerts=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
    "no content type": (json.dumps(payload([alert(1)])).encode(), {}, 415),
    "from a web page (Origin)": (
        json.dumps(payload([alert(1)])).encode(),
        JSON | {"Origin": "https://evil.example"},
        403,
    ),
    "from a web page (Sec-Fetch-Site)": (
        json.dumps(payload([alert(1)])).encode(),
        JSON | {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
        403,
    ),
    "declared larger than the limit": (b"{}", JSON | {"Content-Length": str(MAX_BODY + 1)}, 413),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_hostile_request_is_refused_whole_with_a_4xx(hook: Hook, case: str) -> None:
    body, headers, status = REFUSED[case]
    if case == "declared larger than the limit":  # httpx sets Content-Length itself: ask the app directly
        assert hook.post(b"x" * 16, headers).status_code == 413
        return
    assert all_or_nothing(hook, body, headers) == status


def test_one_bad_alert_among_ten_thousand_refuses_them_all(hook: Hook) -> None:
    alerts = [alert(i) for i in range(10_000)]
    alerts[9_876]["labels"]["circuit"] = "\udc00"
    body = json.dumps(payload(alerts), ensure_ascii=True).encode()
    assert all_or_nothing(hook, body) == 400


def test_a_body_streamed_past_the_limit_is_refused(hook: Hook) -> None:
    """A chunked upload declares no length; the app stops reading at the limit."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"version":"4","alerts":["'
        for _ in range(MAX_BODY // (1 << 20) + 1):
            yield b"x" * (1 << 20)
        yield b'"]}'

    answer = hook.post(chunks())
    assert answer.status_code == 413 and hook.count() == 0


@pytest.mark.parametrize("count", [0, 1, 10, 1_000, 10_000])
def test_every_alert_of_a_large_group_is_recorded(hook: Hook, count: int) -> None:
    body = json.dumps(payload([alert(i) for i in range(count)])).encode()
    assert all_or_nothing(hook, body, alerts=count) == 200
    assert len({i.id for i in hook.store.incidents(limit=20_000)}) == count
    assert all_or_nothing(hook, body, alerts=0) == 200  # Alertmanager repeats the group: nothing new


def test_odd_but_valid_text_is_recorded_as_sent(hook: Hook) -> None:
    """Alertmanager sends any UTF-8: a NUL, control characters, right-to-left text, 100 kB values."""
    values = {"nul": "a\x00b", "esc": "\x1b[2J\x1b]0;title\x07", "rtl": "\u202eevil", "big": "v" * 100_000}
    values["emoji"] = "\U0001f525"
    body = json.dumps(payload([alert(1, **values)])).encode()
    assert all_or_nothing(hook, body, JSON | {"Content-Type": "application/json; charset=utf-8"}, alerts=1) == 200
    [incident] = hook.store.incidents()
    assert {k: incident.labels[k] for k in values} == values


def _mangle(rng: random.Random, text: bytes) -> bytes:
    """One random edit of a valid payload: a byte flipped, cut, doubled or replaced by something odd."""
    at = rng.randrange(len(text))
    choice = rng.randrange(6)
    if choice == 0:
        return text[:at] + bytes([rng.randrange(256)]) + text[at + 1 :]
    if choice == 1:
        return text[:at]
    if choice == 2:
        return text[:at] + text[at:] * 2
    if choice == 3:
        return text[:at] + rng.choice([b"\\ud800", b"\\u0000", b"[[[[", b"}", b'"', b"\xc0\x80", b"1e999"]) + text[at:]
    if choice == 4:
        return text.replace(b'"firing"', rng.choice([b'"FIRING"', b"null", b"1", b'"resolved"']), 1)
    return text.replace(b'"labels"', rng.choice([b'"labels":[],"x"', b'"labels":null,"y"', b'"labels"']), 1)


def test_seeded_mangled_payloads_are_recorded_whole_or_refused_whole(hook: Hook) -> None:
    rng = random.Random(21)
    valid = json.dumps(payload([alert(i) for i in range(5)])).encode()
    statuses: dict[int, int] = {}
    for _ in range(300):
        body = _mangle(rng, valid)
        before = hook.count()
        answer = hook.post(body)
        assert answer.status_code in (200, 400), (answer.status_code, body[:200])
        grown = hook.count() - before
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        if answer.status_code == 400:
            assert grown == 0, body[:200]
            continue
        assert grown == len(answer.json()["opened"]), body[:200]
        firing = [a.fingerprint for a in WebhookPayload.model_validate_json(body).alerts if a.status == "firing"]
        assert all(hook.store.find_open(f) is not None for f in firing), body[:200]
    assert statuses.get(400, 0) > 100 and statuses.get(200, 0) > 10, statuses  # the generator hits both sides
