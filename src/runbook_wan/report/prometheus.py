"""A small client for the Prometheus HTTP API (``/api/v1/query``, ``query_range``, ``status/config``).

Where the Prometheus is: ``--prometheus URL`` if given, else the running monitoring stack's record
(``<state>/monitor/stack.json``, :mod:`runbook_wan.ops.stack`). Errors become
:class:`PrometheusError` with the URL and Prometheus' own message.
"""

from __future__ import annotations

import functools
import math
import re
import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from runbook_wan.ops.stack import StackRecord

#: Prometheus refuses a range query of more than 11,000 points per series; stay below it.
MAX_POINTS = 10_000
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


class PrometheusError(Exception):
    pass


def parse_duration(text: str) -> float:
    """Prometheus duration (``15s``, ``1m30s``) in seconds."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return sum(int(n) * _UNIT_S[u] for n, u in parts)


def fmt_duration(seconds: float) -> str:
    """Seconds as a PromQL duration (milliseconds when not whole)."""
    return f"{round(seconds)}s" if float(seconds).is_integer() else f"{round(seconds * 1000)}ms"


def stack_prometheus_url(state_dir: Path) -> str | None:
    """The URL of the Prometheus ``runbook.py monitor up`` started, if its record is there."""
    record = StackRecord.read(state_dir)
    return record.url("prometheus") if record else None


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    points: list[tuple[float, float]]  # (unix time, value)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle costs ~30 ms, every client would pay it."""
    return ssl.create_default_context()


class PrometheusClient:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout, verify=_tls())

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise PrometheusError(f"Prometheus at {self.url} did not answer: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            raise PrometheusError(f"Prometheus at {self.url}{path}: HTTP {response.status_code}, not JSON") from None
        if body.get("status") != "success":
            raise PrometheusError(f"Prometheus at {self.url}{path}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def ready(self) -> bool:
        try:
            return self._http.get("/-/ready").status_code == 200
        except httpx.HTTPError:
            return False

    def query(self, expr: str, at: float | None = None) -> list[Series]:
        params: dict[str, Any] = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        data = self._get("/api/v1/query", params)
        if data["resultType"] == "scalar":
            return [Series({}, [(float(data["result"][0]), float(data["result"][1]))])]
        return [
            Series(dict(item["metric"]), [(float(item["value"][0]), float(item["value"][1]))])
            for item in data["result"]
        ]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        """Points at ``start, start + step, ... <= end``; split into requests Prometheus accepts."""
        merged: dict[tuple[tuple[str, str], ...], Series] = {}
        count = math.floor((end - start) / step + 1e-9) + 1
        for first in range(0, count, MAX_POINTS):
            last = min(count, first + MAX_POINTS) - 1
            data = self._get(
                "/api/v1/query_range",
                {
                    "query": expr,
                    "start": f"{start + first * step:.3f}",
                    "end": f"{start + last * step:.3f}",
                    "step": fmt_duration(step),
                },
            )
            for item in data["result"]:
                key = tuple(sorted(item["metric"].items()))
                series = merged.setdefault(key, Series(dict(item["metric"]), []))
                series.points.extend((float(t), float(v)) for t, v in item["values"])
        return list(merged.values())

    def has_series(self, match: str, start: float, end: float) -> bool:
        """Whether any series matching ``match`` has samples between ``start`` and ``end`` (index only)."""
        data = self._get("/api/v1/series", {"match[]": match, "start": f"{start:.3f}", "end": f"{end:.3f}"})
        return bool(data)

    def global_interval(self, key: str = "scrape_interval") -> float | None:
        """``global.<key>`` of the running configuration, in seconds."""
        return self.job_interval(None, key)

    def job_interval(self, job: str | None, key: str = "scrape_interval") -> float | None:
        """Scrape job ``job``'s ``<key>`` in the running configuration, else ``global.<key>``, in seconds.
        Jobs nobody pages on (the edge agents) are scraped less often than the global interval."""
        data = self._get("/api/v1/status/config", {})
        try:
            config = yaml.safe_load(data["yaml"]) or {}
            jobs = (config.get("scrape_configs") or []) if job else []
            own = next((j[key] for j in jobs if j.get("job_name") == job and key in j), None)
            return parse_duration(str(own if own is not None else config["global"][key]))
        except (AttributeError, KeyError, TypeError, ValueError, yaml.YAMLError):
            return None


def unix(when: datetime) -> float:
    return when.timestamp()
