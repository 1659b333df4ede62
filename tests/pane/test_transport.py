"""Where the pane may listen: plain HTTP on loopback only; TLS from files; a trusted reverse proxy.

Real ``status serve`` processes; the TLS certificate comes from a throw-away test CA (trustme).
"""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import trustme
from accesskit import PEOPLE, Secrets, add_people
from pagekit import REPO, cli_env, free_port, serve

from runbook_wan.status import audit


def _serve_argv(state: Path, intents: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        str(REPO / "runbook.py"),
        "--state",
        str(state),
        "status",
        "serve",
        "--intents",
        str(intents),
        *extra,
    ]


@pytest.fixture
def intents(tmp_path: Path) -> Path:
    folder = tmp_path / "intents"
    shutil.copytree(REPO / "intents", folder)
    return folder


def test_tls_from_files(intents: Path, tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_file, key_file, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    state = tmp_path / "state"
    add_people(state, Secrets(), ["vic"])
    port = free_port()
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        _serve_argv(state, intents, "--port", str(port), "--tls-cert", str(cert_file), "--tls-key", str(key_file)),
        env=cli_env(),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"https://127.0.0.1:{port}"
        trusted = ssl.create_default_context(cafile=str(ca_file))

        deadline = time.monotonic() + 60
        answer = None
        while answer is None and time.monotonic() < deadline:
            try:
                answer = httpx.get(url + "/login", verify=trusted, timeout=2)
            except httpx.HTTPError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200, log.read_text()
        assert answer.headers["strict-transport-security"].startswith("max-age=")
        cookie = answer.headers["set-cookie"]
        assert "__Host-runbook_session=" in cookie and "secure" in cookie.lower()
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=5).raise_for_status()  # no plain HTTP on it
        assert f"status page on https://127.0.0.1:{port}/" in log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_plain_http_off_loopback_is_refused(intents: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    add_people(state, Secrets(), ["vic"])
    port = free_port()
    done = subprocess.run(
        _serve_argv(state, intents, "--bind", "0.0.0.0", "--port", str(port)),
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "refusing plain HTTP on 0.0.0.0" in done.stderr and "--tls-cert FILE --tls-key FILE" in done.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    half = subprocess.run(
        _serve_argv(state, intents, "--tls-cert", str(tmp_path / "missing.pem"), "--behind-proxy", "proxy.example"),
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert half.returncode == 1
    assert "--tls-cert and --tls-key go together" in half.stderr
    assert "--behind-proxy 'proxy.example' is not an IP address" in half.stderr


def _failed_login_from(url: str, forwarded: str) -> None:
    with httpx.Client(base_url=url) as client:
        form = client.get("/login", headers={"X-Forwarded-For": forwarded})
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        answer = client.post(
            "/login",
            data={"csrf": csrf.group(1), "name": "vic", "password": "not-" + PEOPLE["vic"][2]},
            headers={
                "X-Forwarded-For": forwarded,
                "Cookie": f"__Host-runbook_session={form.cookies['__Host-runbook_session']}",
            },
        )
        assert answer.status_code == 401, answer.text[:300]


@pytest.mark.parametrize(("proxy", "seen"), [("127.0.0.1", "203.0.113.9"), ("192.0.2.1", "127.0.0.1")])
def test_forwarded_headers_are_trusted_from_the_proxy_only(
    intents: Path, tmp_path: Path, proxy: str, seen: str
) -> None:
    state = tmp_path / "state"
    add_people(state, Secrets(), ["vic"])
    with serve(state, intents, "--behind-proxy", proxy) as url:
        _failed_login_from(url, "203.0.113.9")
    failed = audit.read(state, events=["login-failed"])
    assert [(e.user, e.fields["from"]) for e in failed] == [("vic", seen)]
