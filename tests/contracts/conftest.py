"""Fixtures of the contract tests: one recording TLS proxy and the providers' API documents per session.

The SDKs run unchanged in this process; ``wire`` points them at the proxy for one test through
the environment variables ``requests`` reads (``HTTPS_PROXY``, ``REQUESTS_CA_BUNDLE``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import trustme
from contract_proxy import ContractProxy, ProviderResponder
from openapi_core import OpenAPI
from provider_docs import PROVIDERS


@pytest.fixture(scope="session")
def contract_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContractProxy]:
    with ContractProxy(trustme.CA(), tmp_path_factory.mktemp("contract-proxy")) as proxy:
        yield proxy


@pytest.fixture
def wire(contract_proxy: ContractProxy, monkeypatch: pytest.MonkeyPatch) -> Iterator[ContractProxy]:
    """The proxy, emptied, with this process's HTTPS going through it and trusting only the test CA."""
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in contract_proxy.env.items():
        monkeypatch.setenv(name, value)
    contract_proxy.clear()
    responder = contract_proxy.responder
    assert isinstance(responder, ProviderResponder)
    responder.fail.clear()
    yield contract_proxy
    responder.fail.clear()


@pytest.fixture(scope="session")
def twilio_spec() -> OpenAPI:
    # Its YAML twin has an escape PyYAML rejects; the JSON loads as is (about 3 s: once per session).
    return OpenAPI.from_dict(json.loads((PROVIDERS / "twilio" / "twilio_api_v2010.json").read_text()))
