"""The vendored provider API documents (``providers/``), loaded for openapi-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PROVIDERS = Path(__file__).resolve().parent / "providers"


def load_yaml_spec(name: str) -> dict[str, Any]:
    """One of Vonage's documents (``sms.yml``, ``voice.yml``) as a dict."""
    data: dict[str, Any] = yaml.safe_load((PROVIDERS / "vonage" / name).read_text())
    return data
