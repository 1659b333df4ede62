"""Roles and scopes over HTTP: who may read what and do what, and the audit record of each attempt.

The app runs in-process against the example estate (80 sites in four regions) and a real incident
store; silences go to Debian's Alertmanager. People: ann (admin, all regions), carol (operator,
west), vic (viewer, west), ed (operator, east).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from accesskit import (
    EAST_SITE,
    PEOPLE,
    WEST_SITE,
    Secrets,
    add_people,
    alertmanager,
    client,
    csrf_of,
    logged_in,
    login,
    make_app,
    open_incident,
    session_cookie,
)

from runbook_wan.ops.incidents import IncidentStore
from runbook_wan.ops.stack import incidents_path
from runbook_wan.status import audit


@pytest.fixture
def estate(tmp_path: Path) -> tuple[Path, Secrets, dict[str, str]]:
    state = tmp_path / "state"
    secrets = Secrets()
    add_people(state, secrets)
    incidents = {"west": open_incident(state, WEST_SITE, "west"), "east": open_incident(state, EAST_SITE, "east")}
    return state, secrets, incidents


def _token(state: Path, name: str, secrets: Secrets) -> dict[str, str]:
    from runbook_wan.status.accounts import AccountStore

    token = AccountStore(state).issue_token(name)
    secrets.add(token)
    return {"Authorization": f"Bearer {token}"}


def test_open_loopback_pane_until_the_first_account(tmp_path: Path) -> None:
    state = tmp_path / "state"
    app = make_app(state)
    c = client(app)
    assert c.get("/").status_code == 200 and c.get("/api").status_code == 200  # no account: open, read only
    assert c.post("/api/incidents/inc-000000/ack").status_code == 403  # ... and nobody may act
    add_people(state, Secrets(), ["vic"])
    for path in ("/", "/sites/sea-001"):
        answer = c.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
    assert c.get("/api").status_code == 401 and c.get("/healthz").status_code == 401
    assert c.get("/api").headers["www-authenticate"].startswith("Bearer")
    assert c.get("/login").status_code == 200


def test_a_viewer_sees_only_its_region(estate: tuple[Path, Secrets, dict[str, str]]) -> None:
    state, secrets, incidents = estate
    app = make_app(state)
    vic = logged_in(app, "vic", secrets)
    api = vic.get("/api").json()
    assert {s["region"] for s in api["sites"]} == {"west"} and api["summary"]["sites"] == 20
    assert [i["id"] for i in api["open_incidents"]] == [incidents["west"]]
    assert api["summary"]["open_incidents"] == 1
    assert vic.get(f"/sites/{WEST_SITE}").status_code == 200
    assert vic.get(f"/sites/{EAST_SITE}").status_code == 404  # outside the scope: as if it did not exist
    assert vic.get(f"/api/sites/{EAST_SITE}").status_code == 404
    assert vic.get("/sites/no-such-site").status_code == 404
    page = vic.get("/").text
    assert f'data-site="{WEST_SITE}"' in page and f'data-site="{EAST_SITE}"' not in page
    assert 'data-summary="open_incidents"><b>1</b>' in page
    ann = logged_in(app, "ann", secrets)
    assert ann.get("/api").json()["summary"]["sites"] == 80


def test_a_viewers_action_is_refused_before_the_target_is_looked_up(
    estate: tuple[Path, Secrets, dict[str, str]],
) -> None:
    state, secrets, incidents = estate
    app = make_app(state)
    headers = _token(state, "vic", secrets)
    c = client(app)
    for target in (incidents["west"], incidents["east"], "inc-nothere"):
        for verb in ("ack", "resolve"):
            answer = c.post(f"/api/incidents/{target}/{verb}", headers=headers)
            assert answer.status_code == 403, (target, verb, answer.text)
    assert c.post("/api/silences", headers=headers, json={"site": WEST_SITE}).status_code == 403
    assert c.delete("/api/silences/0000-not-a-silence", headers=headers).status_code == 403
    assert c.post(f"/api/sites/{WEST_SITE}/drift", headers=headers).status_code == 403
    assert c.get("/api/audit", headers=headers).status_code == 403
    assert IncidentStore(incidents_path(state)).get(incidents["west"]).status.value == "firing"  # type: ignore[union-attr]
    refused = audit.read(state, events=["incident-ack"])
    assert {(e.user, e.fields["via"], e.fields["result"]) for e in refused} == {("vic", "api", "refused")}


def test_an_operator_acts_in_its_region_only(estate: tuple[Path, Secrets, dict[str, str]]) -> None:
    state, secrets, incidents = estate
    app = make_app(state)
    c = client(app)
    headers = _token(state, "carol", secrets)
    outside = c.post(f"/api/incidents/{incidents['east']}/ack", headers=headers)
    assert outside.status_code == 404 and "no incident" in outside.json()["error"]
    assert c.post("/api/incidents/inc-nothere/ack", headers=headers).status_code == 404  # the same answer
    done = c.post(f"/api/incidents/{incidents['west']}/ack", headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["message"] == f"{incidents['west']} acknowledged by carol (api)"
    again = c.post(f"/api/incidents/{incidents['west']}/ack", headers=headers)
    assert again.status_code == 409 and "is acknowledged" in again.json()["error"]
    resolved = c.post(f"/api/incidents/{incidents['west']}/resolve", headers=headers)
    assert (resolved.json()["resolved_by"], resolved.json()["resolved_via"]) == ("carol", "api")
    east = IncidentStore(incidents_path(state)).get(incidents["east"])
    assert east is not None and east.status.value == "firing"  # untouched
    records = [(e.event, e.user, e.fields["target"], e.fields["result"]) for e in audit.read(state)]
    assert ("incident-ack", "carol", incidents["east"], "not-found") in records
    assert ("incident-ack", "carol", incidents["west"], "ok") in records
    assert ("incident-resolve", "carol", incidents["west"], "ok") in records


def test_the_token_of_a_removed_user_is_refused(estate: tuple[Path, Secrets, dict[str, str]]) -> None:
    state, secrets, _ = estate
    app = make_app(state)
    headers = _token(state, "ed", secrets)
    c = client(app)
    assert c.get("/api/me", headers=headers).json() == {
        "name": "ed",
        "role": "operator",
        "regions": ["east"],
        "via": "api",
        "actions": ["drift-check", "incident-ack", "incident-resolve", "read", "silence-add", "silence-expire"],
    }
    session = logged_in(app, "ed", secrets)
    from runbook_wan.status.accounts import AccountStore

    AccountStore(state).remove("ed")
    assert c.get("/api", headers=headers).status_code == 401
    assert c.post("/api/incidents/inc-x/ack", headers=headers).status_code == 401
    assert session.get("/").status_code == 303  # its session ended too
    assert c.get("/api", headers={"Authorization": "Bearer rbk_made-up"}).status_code == 401
    failed = audit.read(state, events=["login-failed"])
    assert failed and all(e.fields["via"] == "api" and e.fields["result"] == "refused" for e in failed)


def test_a_form_post_without_csrf_is_refused(estate: tuple[Path, Secrets, dict[str, str]]) -> None:
    state, secrets, incidents = estate
    app = make_app(state)
    carol = logged_in(app, "carol", secrets)
    target = f"/sites/{WEST_SITE}/incidents/{incidents['west']}/ack"
    assert carol.post(target, data={}).status_code == 403
    assert carol.post(target, data={"csrf": "forged-token"}).status_code == 403
    csrf = csrf_of(carol.get(f"/sites/{WEST_SITE}").text)
    cross = carol.post(target, data={"csrf": csrf}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403 and "cross-site" in cross.text
    other = carol.post(target, data={"csrf": csrf}, headers={"Origin": "https://evil.example"})
    assert other.status_code == 403
    # the JSON API with the session cookie needs the CSRF header too
    assert carol.post(f"/api/incidents/{incidents['west']}/ack").status_code == 403
    incident = IncidentStore(incidents_path(state)).get(incidents["west"])
    assert incident is not None and incident.status.value == "firing"
    done = carol.post(target, data={"csrf": csrf}, headers={"Sec-Fetch-Site": "same-origin"})
    assert done.status_code == 303 and done.headers["location"] == f"/sites/{WEST_SITE}"
    page = carol.get(f"/sites/{WEST_SITE}").text
    assert f"{incidents['west']} acknowledged by carol (pane)" in page  # the banner
    assert "carol (pane) at" in page  # the incidents table, where the CLI's acknowledgement shows too
    refused = [e for e in audit.read(state, events=["incident-ack"]) if e.fields["result"] == "refused"]
    assert len(refused) == 5 and all(e.user == "carol" for e in refused)
    assert not carol.post("/logout", data={}).is_redirect  # logout is a form post too: 403 without the token


def test_the_sixth_wrong_password_in_a_minute_locks(estate: tuple[Path, Secrets, dict[str, str]]) -> None:
    state, _, _ = estate
    app = make_app(state)
    c = client(app)
    answers = [login(c, "carol", f"wrong-password-{n}").status_code for n in range(5)]
    assert answers == [401, 401, 401, 401, 429]  # the fifth failure locks the name
    sixth = login(c, "carol", "wrong-password-6")
    assert sixth.status_code == 429
    assert re.search(r"user carol is locked until \d\d:\d\d:\d\d UTC", sixth.text), sixth.text
    right = login(c, "carol", PEOPLE["carol"][2])  # even the right password, while locked
    assert right.status_code == 429 and session_cookie(c) and c.get("/api").status_code == 401
    lockouts = audit.read(state, events=["login-lockout"])
    assert len(lockouts) == 1 and lockouts[0].user == "carol" and lockouts[0].fields["target"] == "user carol"
    failed = audit.read(state, events=["login-failed"], user="carol")
    assert [e.fields["result"] for e in failed] == ["refused"] * 5 + ["locked"] * 2
    from runbook_wan.status.sessions import LoginLimiter

    assert LoginLimiter(state).unlock("carol")
    assert login(c, "carol", PEOPLE["carol"][2]).status_code == 303


def test_a_totp_user_needs_the_code(estate: tuple[Path, Secrets, dict[str, str]]) -> None:
    import pyotp

    from runbook_wan.status.accounts import AccountStore

    state, secrets, _ = estate
    uri = AccountStore(state).enable_totp("vic")
    secret = pyotp.parse_uri(uri).secret
    secrets.add(secret)
    app = make_app(state)
    c = client(app)
    assert login(c, "vic", PEOPLE["vic"][2]).status_code == 401
    assert "authenticator code" in login(c, "vic", PEOPLE["vic"][2], code="000000").text
    assert login(c, "vic", PEOPLE["vic"][2], code=pyotp.TOTP(secret).now()).status_code == 303


def test_login_starts_a_new_session_and_logout_ends_it(estate: tuple[Path, Secrets, dict[str, str]]) -> None:
    state, secrets, _ = estate
    app = make_app(state)
    c = client(app)
    c.get("/login")
    before = session_cookie(c)
    assert login(c, "vic", PEOPLE["vic"][2], secrets).status_code == 303
    after = session_cookie(c)
    assert before and after and before != after
    cookie = c.get("/login").headers.get("set-cookie")  # logged in: no new pending session
    assert cookie is None
    csrf = csrf_of(c.get("/").text)
    out = c.post("/logout", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    old = client(app)
    old.cookies.set("__Host-runbook_session", after, domain="127.0.0.1")
    assert old.get("/").status_code == 303  # the old cookie no longer works
    events = [(e.event, e.user) for e in audit.read(state, events=["login", "logout"])]
    assert events == [("login", "vic"), ("logout", "vic")]


def test_silences_from_the_api(
    estate: tuple[Path, Secrets, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state, secrets, _ = estate
    with alertmanager(tmp_path / "am") as url:
        monkeypatch.setenv("RUNBOOK_ALERTMANAGER_URL", url)
        app = make_app(state)
        c = client(app)
        carol, ed = _token(state, "carol", secrets), _token(state, "ed", secrets)
        body = {"site": WEST_SITE, "duration": "2h", "reason": "fiber cut, provider ticket 4711"}
        assert c.post("/api/silences", headers=ed, json=body).status_code == 404  # west is not ed's
        assert c.post("/api/silences", headers=carol, json={**body, "reason": " "}).status_code == 400
        assert c.post("/api/silences", headers=carol, json={**body, "duration": "9d"}).status_code == 400
        deep = {**carol, "Content-Type": "application/json"}
        assert c.post("/api/silences", headers=deep, content=b"[" * 5_000).status_code == 400  # not a 500
        made = c.post("/api/silences", headers=carol, json=body)
        assert made.status_code == 200, made.text
        silence_id = made.json()["silence_id"]
        import httpx

        held = httpx.get(f"{url}/api/v2/silence/{silence_id}").json()
        assert held["createdBy"] == "carol (api)" and held["comment"] == body["reason"]
        assert held["matchers"] == [{"name": "site", "value": WEST_SITE, "isRegex": False, "isEqual": True}]
        listed = c.get("/api/silences", headers=carol).json()["silences"]
        assert [s["id"] for s in listed] == [silence_id]
        assert c.get("/api/silences", headers=ed).json()["silences"] == []  # not in ed's scope
        assert c.delete(f"/api/silences/{silence_id}", headers=ed).status_code == 404
        gone = c.delete(f"/api/silences/{silence_id}", headers=carol)
        assert gone.status_code == 200, gone.text
        assert httpx.get(f"{url}/api/v2/silence/{silence_id}").json()["status"]["state"] == "expired"
        assert c.delete(f"/api/silences/{silence_id}", headers=carol).status_code == 404
    silences = audit.read(state, events=["silence-add", "silence-expire"])
    records = [(e.event, e.user, e.fields["result"]) for e in silences]
    assert ("silence-add", "carol", "ok") in records and ("silence-add", "ed", "not-found") in records
    assert ("silence-expire", "carol", "ok") in records and ("silence-expire", "ed", "not-found") in records


def test_a_drift_check_from_the_api_is_audited(estate: tuple[Path, Secrets, dict[str, str]]) -> None:
    """No lab here: the device cannot be read, which the check records like ``runbook.py drift`` does."""
    state, secrets, _ = estate
    app = make_app(state)
    c = client(app)
    headers = _token(state, "carol", secrets)
    assert c.post(f"/api/sites/{EAST_SITE}/drift", headers=headers).status_code == 404
    started = c.post(f"/api/sites/{WEST_SITE}/drift", headers=headers)
    assert started.status_code == 202 and started.json()["state"] == "started"
    import time

    deadline = time.monotonic() + 120
    while len(audit.read(state, events=["drift-check"])) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    results = [e.fields["result"] for e in audit.read(state, events=["drift-check"])]
    assert results[:2] == ["not-found", "started"] and results[2] in ("unreachable", "error"), results


def test_admin_reads_the_audit_log(estate: tuple[Path, Secrets, dict[str, str]]) -> None:
    state, secrets, _ = estate
    app = make_app(state)
    ann = logged_in(app, "ann", secrets)
    logged_in(app, "vic", secrets)
    page = ann.get("/admin/audit")
    assert page.status_code == 200
    assert 'data-event="login" data-user="vic"' in page.text and 'data-event="login" data-user="ann"' in page.text
    records = ann.get("/api/audit", headers={}).json()["records"]
    assert {r["user"] for r in records if r["event"] == "login"} == {"ann", "vic"}
    carol = logged_in(app, "carol", secrets)
    assert carol.get("/admin/audit").status_code == 403 and carol.get("/admin/users").status_code == 403
    for record in records:
        assert not secrets.found_in(json.dumps(record))
