"""Helpers of the login, role and audit tests: accounts, incidents, a logged-in client, Alertmanager.

The app runs in-process (Starlette's TestClient, over ``https://`` so the ``Secure`` session cookie
is kept like a browser keeps it) or as the real ``runbook.py status serve`` (``pagekit.serve``).
Passwords and tokens here are test values; the no-secret tests look for every one of them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pagekit import REPO, free_port
from promkit import stop
from starlette.applications import Starlette

with warnings.catch_warnings():  # starlette 1.x would rather have the httpx2 fork; httpx is what we use
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from runbook_wan.credentials.redact import Redactor
from runbook_wan.ops.incidents import IncidentStore
from runbook_wan.ops.stack import incidents_path
from runbook_wan.status.access_config import AccessConfig
from runbook_wan.status.accounts import AccountStore
from runbook_wan.status.app import Pane, create_app
from runbook_wan.status.authz import Role
from runbook_wan.status.collect import Sources
from runbook_wan.workspace import BUILTIN_PLATFORMS

ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
BASE = "https://127.0.0.1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

#: People of the tests: (role, regions, password). Regions of the example estate: central, east, south, west.
PEOPLE: dict[str, tuple[Role, list[str] | None, str]] = {
    "ann": (Role.ADMIN, None, "ann-admin-pass-4711"),
    "carol": (Role.OPERATOR, ["west"], "carol-oper-pass-0815"),
    "vic": (Role.VIEWER, ["west"], "vic-viewer-pass-1234"),
    "ed": (Role.OPERATOR, ["east"], "ed-east-pass-99999"),
}
WEST_SITE = "sea-001"
EAST_SITE = "bdl-048"


@dataclass
class Secrets:
    """Every password, token and session id a test used: none may show up anywhere."""

    values: set[str] = field(default_factory=set)

    def add(self, *values: str) -> None:
        self.values.update(v for v in values if v)

    def found_in(self, text: str) -> list[str]:
        return sorted(v for v in self.values if v in text)


def add_people(state: Path, secrets: Secrets, names: list[str] | None = None) -> AccountStore:
    store = AccountStore(state)
    for name in names or list(PEOPLE):
        role, regions, password = PEOPLE[name]
        store.add(name, role, regions, password)
        secrets.add(password)
    return store


def open_incident(state: Path, site: str, region: str, alertname: str = "CircuitDown") -> str:
    store = IncidentStore(incidents_path(state))
    incident, _ = store.open_incident(
        f"{alertname}-{site}",
        alertname,
        {"site": site, "region": region, "severity": "critical", "circuit": "primary_dia"},
        f"{site} primary DIA is down",
    )
    return incident.id


def make_app(
    state: Path, intents: Path | None = None, config: AccessConfig | None = None, token: str | None = None
) -> Starlette:
    pane = Pane(intents or REPO / "intents", BUILTIN_PLATFORMS, Sources(state), refresh=300)
    return create_app(
        pane,
        token,
        state_dir=state,
        redactor=Redactor(),
        config=config or AccessConfig(),
        configs_dir=REPO / "configs",
        inventory_dir=state / "inventory",
    )


def client(app: object) -> TestClient:
    return TestClient(app, base_url=BASE, follow_redirects=False)  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def session_cookie(c: TestClient) -> str:
    return str(c.cookies.get("__Host-runbook_session") or "")


def login(c: TestClient, name: str, password: str, secrets: Secrets | None = None, code: str = "") -> httpx.Response:
    form = c.get("/login")
    assert form.status_code == 200, form.text
    answer: httpx.Response = c.post(
        "/login",
        data={"csrf": csrf_of(form.text), "name": name, "password": password, "code": code, "next": "/"},
    )
    if secrets is not None:
        secrets.add(session_cookie(c))
    return answer


def logged_in(app: object, name: str, secrets: Secrets) -> TestClient:
    c = client(app)
    answer = login(c, name, PEOPLE[name][2], secrets)
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text
    return c


@contextmanager
def alertmanager(workdir: Path) -> Iterator[str]:
    """Debian's Alertmanager on a free loopback port (a route to nowhere: silences are what is tested)."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "alertmanager.yml"
    config.write_text("route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n")
    port = free_port()
    log = (workdir / "alertmanager.log").open("w")
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        import time

        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"alertmanager did not start: {(workdir / 'alertmanager.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield url
    finally:
        stop(process)
        log.close()
