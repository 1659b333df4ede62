"""The pane's security, in Debian's Chromium and over HTTP: escaping, binding, the read-only token.

No lab: the page renders the intents (with no monitoring, every site is unknown). Each browser
test saves screenshots in its own output folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from pagekit import REPO, cli_env, free_port, new_page, serve, shot, site_rows
from playwright.sync_api import Browser

from runbook_wan.credentials.redact import Redactor
from runbook_wan.results import DiagnosticError
from runbook_wan.status import output, render
from runbook_wan.status.access import Transport, check_bind, read_token
from runbook_wan.status.collect import Sources, collect
from runbook_wan.status.model import EstateView
from runbook_wan.status.sources import intents as intents_source
from runbook_wan.workspace import BUILTIN_PLATFORMS

HOSTILE_NAME = 'Chicago <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
HOSTILE_CLASS = '<b onmouseover="window.__pwned = 3">SaaS</b> & CRM'
TOKEN = "read-only-token-for-tests-0123"


@pytest.fixture
def clean_intents(tmp_path: Path) -> Path:
    """Two example sites."""
    intents = tmp_path / "intents"
    shutil.copytree(REPO / "intents", intents, ignore=shutil.ignore_patterns("sites"))
    (intents / "sites").mkdir()
    for site in ("chi-021", "sea-001"):
        shutil.copy(REPO / "intents" / "sites" / f"{site}.yaml", intents / "sites")
    return intents


@pytest.fixture
def hostile_intents(tmp_path: Path) -> Path:
    """Two example sites; one's name, the estate's name and a class description carry markup."""
    intents = tmp_path / "intents"
    shutil.copytree(REPO / "intents", intents, ignore=shutil.ignore_patterns("sites"))
    (intents / "sites").mkdir()
    for site in ("chi-021", "sea-001"):
        shutil.copy(REPO / "intents" / "sites" / f"{site}.yaml", intents / "sites")
    site_file = intents / "sites" / "chi-021.yaml"
    text, count = re.subn(r"^name: .*$", f"name: '{HOSTILE_NAME}'", site_file.read_text(), flags=re.MULTILINE)
    assert count == 1
    site_file.write_text(text)
    policy = intents / "policies" / "retail-flagship.yaml"
    text, count = re.subn(
        r"description: SaaS applications \(office suite, CRM\)", f"description: '{HOSTILE_CLASS}'", policy.read_text()
    )
    assert count == 1
    policy.write_text(text)
    defaults = intents / "defaults.yaml"
    text, count = re.subn(
        r"^(  name: )(\S+)", r"\1'<script>window.__pwned = 4</script>\2'", defaults.read_text(), flags=re.MULTILINE
    )
    assert count == 1, "the example's defaults.yaml no longer names the estate under estate.name"
    defaults.write_text(text)
    return intents


def test_chromium_pairing(browser: Browser, tmp_path: Path) -> None:
    """Playwright drives Debian's Chromium, not its own download: fail loudly if the pairing breaks."""
    assert int(browser.version.split(".")[0]) >= 120, browser.version
    page = browser.new_page()
    page.set_content("<p id=x>ok</p>")
    assert page.inner_text("#x") == "ok"
    shot(page, tmp_path, "pairing")
    page.close()


def test_hostile_intent_strings_are_refused_at_their_line(hostile_intents: Path, tmp_path: Path) -> None:
    """The first wall: markup never enters through the intents (the model refuses '<' with file:line)."""
    done = subprocess.run(
        [
            *(sys.executable, str(REPO / "runbook.py"), "--state", str(tmp_path / "state"), "status"),
            *("--intents", str(hostile_intents), "--html", str(tmp_path / "export.html")),
        ],
        env=cli_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert re.search(r"defaults\.yaml:\d+ estate\.name: .* contains '<'", done.stderr), done.stderr
    assert re.search(r"retail-flagship\.yaml:\d+ classes\.saas\.description: .* contains '<'", done.stderr)
    assert not (tmp_path / "export.html").exists()


def _hostile_view() -> EstateView:
    """The example estate's view with markup planted in every intent string the page shows (built by hand:
    the model would refuse these, so this is the second wall, the page's own escaping)."""
    view = collect(intents_source.load(REPO / "intents", BUILTIN_PLATFORMS), Sources(Path("/nonexistent")))
    sites = []
    for site in view.sites:
        if site.site != "chi-021":
            sites.append(site)
            continue
        classes = [replace(c, description=HOSTILE_CLASS) if c.app_class == "saas" else c for c in site.classes]
        sites.append(replace(site, name=HOSTILE_NAME, classes=classes))
    return replace(view, estate="<script>window.__pwned = 4</script>acme", sites=sites)


def test_every_intent_string_renders_as_text(browser: Browser, tmp_path: Path) -> None:
    view = _hostile_view()
    chi = next(s for s in view.sites if s.site == "chi-021")
    pages = {
        "estate": render.estate_page(view, refresh=None),
        "site": render.site_page(view, chi, refresh=None),
        "export": render.static_export(view),
    }
    page = new_page(browser)
    for name, html in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html)
        page.goto(path.as_uri())
        assert page.evaluate("window.__pwned") is None, name
        assert page.query_selector_all("script") == [] and page.query_selector_all("img") == [], name
        assert page.query_selector_all("b[onmouseover]") == [], name
        assert HOSTILE_NAME in page.inner_text("body"), name  # shown, as text
        if name == "site":
            page.hover("table.classes")
            assert HOSTILE_CLASS in page.inner_text("table.classes")
            assert page.evaluate("window.__pwned") is None
        shot(page, tmp_path, f"{name}-escaped")
    page.goto((tmp_path / "estate.html").as_uri())
    assert HOSTILE_NAME in site_rows(page)["chi-021"]["cells"]
    assert "<script>window.__pwned = 4</script>" in page.inner_text("h1")
    assert output.to_json(view).count("<script>") == 2  # the JSON API carries the strings as data


def test_served_pages_forbid_scripts(browser: Browser, tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(REPO / "intents", intents)
    with serve(tmp_path, intents) as url:
        headers = httpx.get(url).headers
        assert "script-src" not in headers["content-security-policy"]
        assert headers["content-security-policy"].startswith("default-src 'none'")
        page = new_page(browser)
        page.goto(url)
        assert page.query_selector_all("script") == []
        shot(page, tmp_path, "served")


def test_non_loopback_bind_without_token_is_refused(clean_intents: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in cli_env().items() if k != "RUNBOOK_SECRET_STATUS_TOKEN"}
    env["RUNBOOK_SECRETS_FILE"] = str(tmp_path / "none.yaml")
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "runbook.py"),
            "--state",
            str(tmp_path),
            "status",
            "serve",
            "--intents",
            str(clean_intents),
            "--bind",
            "0.0.0.0",
            "--port",
            str(port),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "refusing to serve the status page on 0.0.0.0 without a token" in done.stderr
    assert "RUNBOOK_SECRET_STATUS_TOKEN" in done.stderr and "Traceback" not in done.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_a_token_is_never_a_command_line_value(clean_intents: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--state", str(tmp_path), "status", "serve", "--token", TOKEN],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and "unrecognized arguments: --token" in done.stderr  # a usage error


def test_token_from_the_environment_guards_every_request(clean_intents: Path, browser: Browser, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with serve(tmp_path, clean_intents, env={"RUNBOOK_SECRET_STATUS_TOKEN": TOKEN}, log=log) as url:
        for path in ("/", "/sites/chi-021", "/api", "/api/sites/chi-021", "/healthz"):
            refused = httpx.get(url + path)
            assert refused.status_code == 401 and "basic" in refused.headers["www-authenticate"].lower(), path
            assert httpx.get(url + path, headers={"Authorization": "Bearer wrong-token-0000000000"}).status_code == 401
            assert httpx.get(url + path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
            assert httpx.get(url + path, auth=("anyone", TOKEN)).status_code == 200
        context = browser.new_context(http_credentials={"username": "noc", "password": TOKEN})
        page = context.new_page()
        page.goto(url)
        assert sorted(site_rows(page)) == ["chi-021", "sea-001"]
        shot(page, tmp_path, "estate-with-token")
        context.close()
        assert httpx.post(url + "/", auth=("x", TOKEN)).status_code == 405  # read only
    assert TOKEN not in log.read_text() and "the status token is a viewer API token" in log.read_text()


def test_token_from_the_secrets_file_allows_another_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(f"status-token: {TOKEN}\n")
    secrets.chmod(0o600)
    monkeypatch.delenv("RUNBOOK_SECRET_STATUS_TOKEN", raising=False)
    monkeypatch.setenv("RUNBOOK_SECRETS_FILE", str(secrets))
    redactor = Redactor()
    token = read_token(redactor)
    assert token == TOKEN
    check_bind("0.0.0.0", token, transport=Transport(proxy="127.0.0.1"))  # a token, behind a TLS proxy
    check_bind("127.0.0.1", None)
    check_bind("localhost", None)
    with pytest.raises(DiagnosticError):
        check_bind("0.0.0.0", None)
    with pytest.raises(DiagnosticError) as plain:
        check_bind("0.0.0.0", token)  # a token, but plain HTTP off loopback
    assert [d.code for d in plain.value.diagnostics] == ["status-plain-http"]
    assert redactor.mask(f"token {TOKEN}") == "token <secret:status-token>"
    secrets.write_text("status-token: short\n")
    with pytest.raises(DiagnosticError) as short:
        read_token(Redactor())
    assert "shorter than 16" in short.value.diagnostics[0].message
