"""A real Prometheus (Debian's) for report and page tests: free loopback port, own data dir,
fed with hand-built samples through ``promtool tsdb create-blocks-from openmetrics``."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def openmetrics(families: Mapping[str, Iterable[tuple[dict[str, str], float, float]]]) -> str:
    """``{metric: [(labels, value, unix time), ...]}`` as an OpenMetrics document (gauges)."""
    lines: list[str] = []
    for name, samples in families.items():
        lines.append(f"# TYPE {name} gauge")
        for labels, value, at in sorted(samples, key=lambda s: (sorted(s[0].items()), s[2])):
            text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            lines.append(f"{name}{{{text}}} {value:.17g} {at:.3f}")  # unix times keep their seconds
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def backfill(document: str, data_dir: Path) -> None:
    source = data_dir.parent / "backfill.om"
    source.write_text(document)
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data_dir)],
        check=True,
        capture_output=True,
    )


@dataclass(frozen=True)
class Running:
    url: str
    pid: int
    port: int


@contextmanager
def prometheus(
    workdir: Path, interval: str = "15s", port: int | None = None, jobs: list[dict[str, Any]] | None = None
) -> Iterator[Running]:
    """Run Prometheus on 127.0.0.1 over ``workdir/data``; yields where it runs; stops it (by PID) after.
    ``jobs``: scrape jobs of the configuration (as the generated ``prometheus.yml`` has them)."""
    config = workdir / "prometheus.yml"
    document: dict[str, Any] = {"global": {"scrape_interval": interval, "evaluation_interval": interval}}
    if jobs:
        document["scrape_configs"] = jobs
    config.write_text(yaml.safe_dump(document))
    port = port or free_port()
    log = (workdir / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            "--storage.tsdb.retention.time=10y",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prometheus did not start: {(workdir / 'prometheus.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield Running(url, process.pid, port)
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """End a server this kit started: SIGTERM, then SIGKILL after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
