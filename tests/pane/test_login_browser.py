"""Logging in with a role, in Debian's Chromium driven by Playwright, against the real ``status serve``.

Local accounts (ann admin, carol operator of west, vic viewer of west, ed operator of east) and a
real incident store; single sign-on through a real OpenID provider (``oidc-provider`` on Node.js,
:mod:`oidckit`). Every test ends by looking for each password, token and session id it used in
the server's log, every page and URL the browser saw, the audit log and every file of the state
folder: none may be there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from accesskit import EAST_SITE, PEOPLE, WEST_SITE, Secrets, add_people, open_incident
from oidckit import access_yaml, oidc_provider
from pagekit import REPO, cli_env, free_port, new_page, serve, shot, site_rows
from playwright.sync_api import Browser, BrowserContext, Page

from runbook_wan.status import audit

COOKIE = "__Host-runbook_session"


@dataclass
class Served:
    url: str
    state: Path
    intents: Path
    log: Path
    shots: Path
    secrets: Secrets = field(default_factory=Secrets)
    seen: list[str] = field(default_factory=list)  # every page's HTML and URL the browser showed

    def look(self, page: Page, name: str) -> None:
        self.seen += [page.url, page.content()]
        shot(page, self.shots, name)

    def cookie_of(self, context: BrowserContext) -> str:
        value = next((c["value"] for c in context.cookies() if c["name"] == COOKIE), "")
        self.secrets.add(value)
        return value

    def reports(self) -> dict[str, str]:
        """What the command line reports from the same state: the audit log and the pane as one file."""
        export = self.shots / "export.html"
        found = {}
        for name, argv in (
            ("runbook.py audit", ["audit", "--format", "json"]),
            ("runbook.py status --html", ["status", "--intents", str(self.intents), "--html", str(export)]),
        ):
            done = subprocess.run(
                [sys.executable, str(REPO / "runbook.py"), "--state", str(self.state), *argv],
                env=cli_env(),
                capture_output=True,
                text=True,
                timeout=300,
                check=True,
            )
            found[name] = done.stdout + done.stderr
        found["status --html file"] = export.read_text()
        return found

    def assert_no_secret_anywhere(self) -> None:
        assert self.secrets.values, "the test used no secret?"
        places = {"server log": self.log.read_text(), "pages and URLs": "\n".join(self.seen), **self.reports()}
        for path in sorted(p for p in self.state.rglob("*") if p.is_file()):
            places[str(path.relative_to(self.state))] = path.read_bytes().decode("latin-1")
        leaks = {where: self.secrets.found_in(text) for where, text in places.items()}
        assert {k: v for k, v in leaks.items() if v} == {}
        assert "audit.log" in places and "access/accounts.sqlite" in places  # both were looked at


def _intents(root: Path) -> Path:
    intents = root / "intents"
    shutil.copytree(REPO / "intents", intents)
    return intents


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    state = tmp_path / "state"
    intents = _intents(tmp_path)
    pane = Served("", state, intents, tmp_path / "serve.log", tmp_path)
    add_people(state, pane.secrets)
    open_incident(state, WEST_SITE, "west")
    open_incident(state, EAST_SITE, "east")
    with serve(state, intents, log=pane.log) as url:
        pane.url = url
        yield pane
    pane.assert_no_secret_anywhere()


def local_login(page: Page, url: str, name: str, password: str | None = None) -> None:
    page.goto(url + "/")
    assert page.url.startswith(url + "/login")
    page.fill("#name", name)
    page.fill("#password", password or PEOPLE[name][2])
    page.click("#login")
    page.wait_for_selector("#userbar")


def test_local_login_then_a_viewer_sees_only_its_region(served: Served, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(served.url + "/")
    assert "/login" in page.url and page.query_selector("#login-form")
    assert page.query_selector_all("script") == []  # the login needs no script either
    served.look(page, "login-form")
    page.fill("#name", "vic")
    page.fill("#password", "not-the-password")
    page.click("#login")
    assert page.inner_text("#login-error") == "Wrong name, password or code."
    local_login(page, served.url, "vic")
    served.cookie_of(context)
    rows = site_rows(page)
    assert len(rows) == 20 and all("west" in row["cells"] for row in rows.values())
    assert page.inner_text('[data-summary="open_incidents"] b') == "1"
    assert page.get_attribute("#userbar", "data-role") == "viewer"
    assert "vic · viewer · west" in page.inner_text("#userbar")
    assert next(iter(rows)) == WEST_SITE  # problems first: its open incident puts it on top
    served.look(page, "viewer-estate")
    page.click('[data-filter-state="incidents"]')
    assert page.url.endswith("/?state=incidents") and list(site_rows(page)) == [WEST_SITE]
    served.look(page, "viewer-filter-incidents")
    answer = page.goto(f"{served.url}/sites/{EAST_SITE}")
    assert answer is not None and answer.status == 404
    served.look(page, "viewer-east-404")
    page.goto(f"{served.url}/sites/{WEST_SITE}")
    assert page.get_attribute("#actions", "data-can-act") == "no" and not page.query_selector("[data-action=ack]")
    served.look(page, "viewer-site")
    context.close()


def test_an_operator_acknowledges_an_incident_from_the_site_page(served: Served, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    local_login(page, served.url, "carol")
    served.cookie_of(context)
    page.goto(f"{served.url}/sites/{WEST_SITE}")
    served.look(page, "operator-site-before")
    page.click("[data-action=ack]")
    page.wait_for_selector("#flash")
    assert "acknowledged by carol (pane)" in page.inner_text("#flash")
    assert "carol (pane) at" in page.inner_text("table.incidents")
    assert not page.query_selector("[data-action=ack]")  # acknowledged: only resolve is left
    served.look(page, "operator-site-acknowledged")
    listed = subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--state", str(served.state), "incidents", "--format", "json"],
        env=cli_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    west = next(i for i in json.loads(listed.stdout) if i["site"] == WEST_SITE)
    assert west["status"] == "acknowledged"  # where the CLI's acknowledgement shows
    assert (west["acknowledged_by"], west["acknowledged_via"]) == ("carol", "pane")
    acks = audit.read(served.state, events=["incident-ack"])
    assert [(e.user, e.fields["role"], e.fields["via"], e.fields["result"]) for e in acks] == [
        ("carol", "operator", "pane", "ok")
    ]
    assert acks[0].fields["from"] == "127.0.0.1" and acks[0].fields["target"] == west["id"]
    context.close()


def test_an_admin_adds_a_user(served: Served, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    local_login(page, served.url, "ann")
    served.cookie_of(context)
    page.click("#userbar a[href='/admin/users']")
    served.look(page, "admin-users")
    new_password = "dora-first-pass-1357"
    served.secrets.add(new_password)
    page.fill("#add-user input[name=name]", "dora")
    page.select_option("#add-user select[name=role]", "operator")
    page.fill("#add-user input[name=region]", "south")
    page.fill("#add-user input[name=password]", new_password)
    page.click("#add-user-submit")
    page.wait_for_selector("#flash")
    assert page.inner_text("#flash") == "added dora: operator, south"
    assert page.get_attribute('tr[data-user="dora"]', "data-role") == "operator"
    assert len(page.query_selector_all('tr[data-session-user="ann"]')) == 1
    served.look(page, "admin-user-added")
    other = browser.new_context()
    dora = other.new_page()
    local_login(dora, served.url, "dora", new_password)
    served.cookie_of(other)
    assert {row["cells"].split(" | ")[2] for row in site_rows(dora).values()} == {"south"}
    other.close()
    page.click("#userbar a[href='/admin/audit']")
    served.look(page, "admin-audit")
    events = page.eval_on_selector_all(
        "#audit tr[data-event]", "rows => rows.map(r => r.dataset.event + ':' + r.dataset.user)"
    )
    assert "user-add:ann" in events and "login:dora" in events and "login:ann" in events
    context.close()


def test_logout_ends_the_session_on_the_server(served: Served, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    local_login(page, served.url, "vic")
    cookie = served.cookie_of(context)
    assert httpx.get(served.url + "/api", headers={"Cookie": f"{COOKIE}={cookie}"}).status_code == 200
    secure_url = served.url.replace("http://", "https://") + "/"  # the cookie as the browser stored it: Secure
    replay = browser.new_context()
    replay.add_cookies([{"name": COOKIE, "value": cookie, "url": secure_url, "secure": True, "httpOnly": True}])
    copy = replay.new_page()
    copy.goto(served.url + "/")
    assert copy.get_attribute("#userbar", "data-user") == "vic"  # the copied cookie works, before logout
    page.click("#logout")
    page.wait_for_selector("#login-form")
    served.look(page, "logged-out")
    again = httpx.get(served.url + "/api", headers={"Cookie": f"{COOKIE}={cookie}"})
    assert again.status_code == 401  # the old cookie no longer works, anywhere
    copy.goto(served.url + "/")
    assert "/login" in copy.url and copy.query_selector("#login-form")
    replay.close()
    context.close()
    assert [(e.event, e.user) for e in audit.read(served.state, events=["login", "logout"])] == [
        ("login", "vic"),
        ("logout", "vic"),
    ]


def _oidc_login(page: Page, url: str, login: str) -> None:
    page.goto(url + "/")
    page.click("#login-oidc")
    page.wait_for_selector("input[name=login]")  # the provider's own login page
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.wait_for_selector("button[type=submit][autofocus], form button[type=submit]")
    if "/interaction/" in page.url:  # the provider's consent page
        page.click("button[type=submit]")
    page.wait_for_url(url + "/**")


def test_single_sign_on_maps_groups_to_roles_and_refuses_the_unmapped(browser: Browser, tmp_path: Path) -> None:
    state = tmp_path / "state"
    intents = _intents(tmp_path)
    port = free_port()
    secret = "oidc-client-secret-for-tests-0042"
    people = {"alice": ["staff", "netops-admins"], "wes": ["west-ops"], "mallory": ["contractors"]}
    pane = Served(f"http://127.0.0.1:{port}", state, intents, tmp_path / "serve.log", tmp_path)
    pane.secrets.add(secret)
    open_incident(state, WEST_SITE, "west")
    roles: list[dict[str, object]] = [
        {"group": "netops-admins", "role": "admin"},
        {"group": "west-ops", "role": "operator", "regions": ["west"]},
    ]
    with oidc_provider(tmp_path / "idp", f"{pane.url}/login/oidc/callback", people, secret) as provider:
        (intents / "access.yaml").write_text(access_yaml(provider, "oidc/runbook-pane", roles))
        env = {"RUNBOOK_SECRET_OIDC_RUNBOOK_PANE": secret}
        with serve(state, intents, env=env, log=pane.log, port=port):
            assert httpx.get(pane.url + "/api").status_code == 401  # single sign-on alone turns logins on
            for login, role, sites in (("alice", "admin", 80), ("wes", "operator", 20)):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                _oidc_login(page, pane.url, login)
                page.wait_for_selector("#userbar")
                pane.cookie_of(context)
                assert page.get_attribute("#userbar", "data-role") == role
                assert len(site_rows(page)) == sites
                pane.look(page, f"oidc-{login}")
                context.close()
            context = browser.new_context()
            page = context.new_page()
            _oidc_login(page, pane.url, "mallory")
            assert page.inner_text("h1") == "no access" and "has no role on this pane" in page.inner_text("#message")
            pane.look(page, "oidc-refused")
            page.goto(pane.url + "/api")
            assert '"error"' in page.content()  # no session was made
            context.close()
    logins = audit.read(state, events=["login", "login-failed"])
    summary = [(e.event, e.user, e.fields.get("role"), e.fields.get("method") or e.fields.get("via")) for e in logins]
    assert ("login", "alice", "admin", "oidc") in summary and ("login", "wes", "operator", "oidc") in summary
    refused = [e for e in logins if e.event == "login-failed"]
    assert [(e.user, e.fields["via"]) for e in refused] == [("mallory", "oidc")]
    assert "contractors" in refused[0].fields["groups"]
    pane.assert_no_secret_anywhere()


def test_the_read_only_token_of_before_is_a_viewer_api_token(browser: Browser, tmp_path: Path) -> None:
    state = tmp_path / "state"
    intents = _intents(tmp_path)
    token = "read-only-token-of-before-0123"
    pane = Served("", state, intents, tmp_path / "serve.log", tmp_path)
    pane.secrets.add(token)
    add_people(state, pane.secrets, ["carol"])
    incident = open_incident(state, WEST_SITE, "west")
    with serve(state, intents, env={"RUNBOOK_SECRET_STATUS_TOKEN": token}, log=pane.log) as url:
        bearer = {"Authorization": f"Bearer {token}"}
        assert httpx.get(url + "/api", headers=bearer).json()["summary"]["sites"] == 80
        assert httpx.get(url + "/api/me", headers=bearer).json()["role"] == "viewer"
        assert httpx.post(f"{url}/api/incidents/{incident}/ack", headers=bearer).status_code == 403
        assert httpx.get(url + "/", auth=("noc", token)).status_code == 200  # HTTP Basic, as before
        page = new_page(browser)
        page.goto(url + "/")
        assert "/login" in page.url  # accounts exist: people log in
        pane.look(page, "token-login")
    pane.assert_no_secret_anywhere()
