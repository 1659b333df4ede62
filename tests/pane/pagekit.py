"""Pane test helpers: the real CLI server (``runbook.py status serve``) and Debian's Chromium.

Playwright only guarantees its bundled browser; here it drives Debian's ``/usr/bin/chromium``
(``playwright install`` cannot download on this machine). ``test_chromium_pairing`` fails loudly
if the pairing breaks.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page
from promkit import stop

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
#: The served page's refresh interval: long enough that no reload lands inside a test's reads.
REFRESH = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{REPO / 'src'}:{REPO / 'napalm_frr' / 'src'}"
    env.update(extra or {})
    return env


@contextmanager
def serve(
    state: Path,
    intents: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """``runbook.py status serve`` on a (free) loopback port; yields the base URL; stops it by PID."""
    port = port or free_port()
    out = (log or state / f"status-serve-{port}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "runbook.py"),
            "--no-color",
            "--state",
            str(state),
            "status",
            "serve",
            "--intents",
            str(intents),
            "--port",
            str(port),
            "--refresh",
            str(REFRESH),
            *extra,
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=cli_env(env),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code in (200, 401):
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"status serve did not start: {(out.name and Path(out.name).read_text())[-2000:]}")
            time.sleep(0.1)
        yield url
    finally:
        stop(process)
        out.close()


def shot(page: Page, folder: Path, name: str) -> Path:
    """A full-page screenshot in the test's own output folder."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path


def site_rows(page: Page) -> dict[str, dict[str, str]]:
    """Per site row of the estate table: its data attributes and each cell's visible text."""
    rows: dict[str, dict[str, str]] = page.eval_on_selector_all(
        "tr.site",
        """rows => Object.fromEntries(rows.map(r => [r.dataset.site, {
            state: r.dataset.state, drift: r.dataset.drift, incidents: r.dataset.incidents,
            cells: Array.from(r.cells).map(c => c.innerText.trim()).join(' | ')}]))""",
    )
    return rows


def new_page(browser: Browser) -> Page:
    return browser.new_page(viewport={"width": 1400, "height": 900})
