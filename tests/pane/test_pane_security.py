"""The pane's security, in Debian's Chromium and over HTTP: escaping, binding, the read-only token.

No lab: the page renders the intents (with no monitoring, every site is unknown). Each browser
test saves screenshots in its own output folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pagekit import REPO, cli_env, free_port, new_page, serve, shot, site_rows
from playwright.sync_api import Browser

from runbook_wan.credentials.redact import Redactor
from runbook_wan.results import DiagnosticError
from runbook_wan.status.access import check_bind, read_token

HOSTILE_NAME = 'Chicago <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
HOSTILE_CLASS = '<b onmouseover="window.__pwned = 3">SaaS</b> & CRM'
TOKEN = "read-only-token-for-tests-0123"


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


def test_every_intent_string_renders_as_text(hostile_intents: Path, browser: Browser, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    export = tmp_path / "export.html"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "runbook.py"),
            "--state",
            str(state),
            "status",
            "--intents",
            str(hostile_intents),
            "--html",
            str(export),
        ],
        env=cli_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with serve(state, hostile_intents) as url:
        page = new_page(browser)
        for where in (url, f"{url}/sites/chi-021", export.as_uri()):
            page.goto(where)
            assert page.evaluate("window.__pwned") is None, where
            assert page.query_selector_all("script") == [] and page.query_selector_all("img") == []
            assert page.query_selector_all("b[onmouseover]") == []
            assert HOSTILE_NAME in page.inner_text("body"), where  # shown, as text
        page.goto(url)
        assert HOSTILE_NAME in site_rows(page)["chi-021"]["cells"]
        assert "<script>window.__pwned = 4</script>" in page.inner_text("h1")
        shot(page, tmp_path, "estate-escaped")
        page.goto(f"{url}/sites/chi-021")
        page.hover("table.classes")
        assert HOSTILE_CLASS in page.inner_text("table.classes")
        assert page.evaluate("window.__pwned") is None
        shot(page, tmp_path, "site-escaped")
        headers = httpx.get(url).headers
        assert "script-src" not in headers["content-security-policy"]
        assert headers["content-security-policy"].startswith("default-src 'none'")
        assert httpx.get(f"{url}/api/sites/chi-021").json()["name"] == HOSTILE_NAME


def test_non_loopback_bind_without_token_is_refused(hostile_intents: Path, tmp_path: Path) -> None:
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
            str(hostile_intents),
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


def test_a_token_is_never_a_command_line_value(hostile_intents: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--state", str(tmp_path), "status", "serve", "--token", TOKEN],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "unrecognized arguments: --token" in done.stderr


def test_token_from_the_environment_guards_every_request(
    hostile_intents: Path, browser: Browser, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with serve(tmp_path, hostile_intents, env={"RUNBOOK_SECRET_STATUS_TOKEN": TOKEN}, log=log) as url:
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
    assert TOKEN not in log.read_text() and "with token" in log.read_text()


def test_token_from_the_secrets_file_allows_another_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(f"status-token: {TOKEN}\n")
    secrets.chmod(0o600)
    monkeypatch.delenv("RUNBOOK_SECRET_STATUS_TOKEN", raising=False)
    monkeypatch.setenv("RUNBOOK_SECRETS_FILE", str(secrets))
    redactor = Redactor()
    token = read_token(redactor)
    assert token == TOKEN
    check_bind("0.0.0.0", token)  # allowed with a token
    check_bind("127.0.0.1", None)
    check_bind("localhost", None)
    with pytest.raises(DiagnosticError):
        check_bind("0.0.0.0", None)
    assert redactor.mask(f"token {TOKEN}") == "token <secret:status-token>"
    secrets.write_text("status-token: short\n")
    with pytest.raises(DiagnosticError) as short:
        read_token(Redactor())
    assert "shorter than 16" in short.value.diagnostics[0].message
