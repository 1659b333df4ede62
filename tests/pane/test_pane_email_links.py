"""E-mail links once the pane has logins: the notifier sends the person to ``/incidents/email/<token>`` on the
pane, which asks them to log in, says what the link does, and acts as the login (role and regions
checked first; a refused click does not spend the link). The example estate, a real incident store,
accounts as ``runbook.py users`` makes them; the links are the notifier's own tokens."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from accesskit import PEOPLE, WEST_SITE, Secrets, add_people, client, csrf_of, make_app, open_incident
from starlette.testclient import TestClient

from runbook_wan.ops.email_links import LinkSigner
from runbook_wan.ops.incidents import IncidentStore
from runbook_wan.ops.stack import incidents_path
from runbook_wan.status import audit

LINK_KEY = "link-key-for-pane-tests-0123456789abcdef"


@pytest.fixture
def pane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, str]:
    monkeypatch.setenv("RUNBOOK_SECRET_NOTIFY_LINK_KEY", LINK_KEY)
    monkeypatch.setenv("RUNBOOK_SECRETS_FILE", str(tmp_path / "no-secrets.yaml"))
    state = tmp_path / "state"
    add_people(state, Secrets())
    incident = open_incident(state, WEST_SITE, "west")
    token = LinkSigner(LINK_KEY, 3600).token(incident, "ack", "alice")
    return state, incident, token


def _login(c: TestClient, name: str, next_path: str) -> None:
    form = c.get(f"/login?next={quote(next_path, safe='')}")
    fields = {"csrf": csrf_of(form.text), "name": name, "password": PEOPLE[name][2], "code": "", "next": next_path}
    answer = c.post("/login", data=fields)
    assert answer.status_code == 303 and answer.headers["location"] == next_path, answer.text


def _click(c: TestClient, path: str) -> httpx.Response:
    page = c.get(path)
    assert page.status_code == 200, page.text
    answer: httpx.Response = c.post(path, data={"csrf": csrf_of(page.text)})
    return answer


def test_the_link_asks_for_a_login_then_acts_as_that_login_once(pane: tuple[Path, str, str]) -> None:
    state, incident, token = pane
    path = f"/incidents/email/{token}"
    c = client(make_app(state))
    first = c.get(path)
    assert first.status_code == 303 and first.headers["location"] == "/login?next=" + quote(path, safe="")

    _login(c, "carol", path)
    page = c.get(path)
    assert f"Acknowledge incident {incident} as carol?" in page.text and "sent to alice" in page.text
    assert IncidentStore(incidents_path(state)).get(incident).status.value == "firing"  # type: ignore[union-attr]
    assert c.post(path, data={"csrf": "forged"}).status_code == 403  # the session's CSRF token is needed
    done = c.post(path, data={"csrf": csrf_of(page.text)})
    assert done.status_code == 200 and f"{incident} acknowledged by carol (email)" in done.text
    acked = IncidentStore(incidents_path(state)).get(incident)
    assert acked is not None and (acked.acknowledged_by, acked.acknowledged_via) == ("carol", "email")
    again = c.post(path, data={"csrf": csrf_of(page.text)})
    assert again.status_code == 410 and "used before" in again.text

    records = [(e.user, e.fields["via"], e.fields["result"]) for e in audit.read(state, events=["incident-ack"])]
    assert records == [("carol", "email", "refused"), ("carol", "email", "ok"), ("carol", "email", "refused")]
    assert audit.read(state, events=["incident-ack"])[1].fields["link_sent_to"] == "alice"


def test_a_viewer_or_an_operator_of_another_region_cannot_use_the_link_nor_spend_it(
    pane: tuple[Path, str, str],
) -> None:
    state, incident, token = pane
    path = f"/incidents/email/{token}"
    app = make_app(state)
    for name, status in (("vic", 403), ("ed", 404)):  # a west viewer; an east operator
        c = client(app)
        _login(c, name, path)
        assert _click(c, path).status_code == status
    assert IncidentStore(incidents_path(state)).get(incident).status.value == "firing"  # type: ignore[union-attr]
    c = client(app)
    _login(c, "carol", path)
    assert _click(c, path).status_code == 200  # the link was still good


def test_a_forged_or_expired_link_is_refused_after_login(
    pane: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, incident, token = pane
    c = client(make_app(state))
    _login(c, "carol", "/")
    assert c.get(f"/incidents/email/{token[:-3]}xyz").status_code == 403
    with monkeypatch.context() as long_ago:
        long_ago.setattr(time, "time", lambda: 1_000_000.0)
        old = LinkSigner(LINK_KEY, 3600).token(incident, "resolve", "alice")
    expired = c.get(f"/incidents/email/{old}")
    assert expired.status_code == 403 and "expired" in expired.text
