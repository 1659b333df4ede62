"""A real OpenID provider for the single sign-on tests: panva's ``oidc-provider`` (OpenID Certified) on Node.js.

``tests/oidc/`` holds its ``package.json``, ``package-lock.json`` (``npm ci`` in ``.ci/setup``)
and the start script. The provider serves its own development login and consent pages (any
login name); each person's groups come from ``people``. It listens on loopback and is reached as
``localhost``, so its cookies never mix with the pane's (served on ``127.0.0.1``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from pagekit import REPO, free_port
from promkit import stop

FOLDER = REPO / "tests" / "oidc"
NODE = shutil.which("node") or "/usr/bin/node"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str


def access_yaml(provider: Provider, secret_name: str, roles: list[dict[str, object]]) -> str:
    """``intents/access.yaml`` for this provider (the client secret by name, never its value)."""
    rules = "\n".join(f"    - {json.dumps(rule)}" for rule in roles)
    return (
        "oidc:\n"
        "  name: Test SSO\n"
        f"  issuer: {provider.issuer}\n"
        f"  client_id: {provider.client_id}\n"
        f"  client_secret: {{secret: {secret_name}}}\n"
        "  roles:\n"
        f"{rules}\n"
    )


@contextmanager
def oidc_provider(workdir: Path, redirect_uri: str, people: dict[str, list[str]], secret: str) -> Iterator[Provider]:
    if not (FOLDER / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("tests/oidc has no node_modules: run `npm ci` there (.ci/setup does)")
    port = free_port()
    provider = Provider(f"http://localhost:{port}", "runbook-pane", secret)
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT": json.dumps(
            {"client_id": provider.client_id, "client_secret": secret, "redirect_uris": [redirect_uri]}
        ),
        "OIDC_PEOPLE": json.dumps(people),
    }
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "oidc-provider.log"
    log = log_path.open("w")
    process = subprocess.Popen([NODE, "provider.mjs"], cwd=FOLDER, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                found = httpx.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=2)
                if found.status_code == 200 and found.json()["issuer"] == provider.issuer:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"oidc-provider did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        yield provider
    finally:
        stop(process)
        log.close()
