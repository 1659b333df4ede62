"""Contract tests, Vonage (the failover): the unchanged ``vonage`` SDK's requests over real TLS, checked
against Vonage's OpenAPI documents (``providers/vonage``). They prove the request, not delivery.

Vonage's documents were last changed in July 2021 and the SDK (v4) has moved on. The differences
are listed in :data:`DEVIATIONS`, each with why it is acceptable and how the check allows for it
(on a copy of the request or of the document, never by skipping the check). Each deviation also has
a test that it still exists, so a newer SDK or document makes this list be reviewed again.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import time
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest
from contract_proxy import ContractProxy, Recorded
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from notices import ALICE, VONAGE_KEY, VONAGE_SECRET, site_down
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest
from openapi_core.validation.request.exceptions import RequestValidationError
from provider_docs import load_yaml_spec

from runbook_wan.notify.channels.vonage_senders import VonageSms, VonageVoice
from runbook_wan.ops.incidents import DeliveryStatus

#: Reviewed deviations between Vonage's 2021 documents and what vonage 4.x sends (reviewed 2026-11-30).
DEVIATIONS: dict[str, str] = {
    "sms-credentials-in-basic-auth": (
        "vonage 4.x sends the SMS API key and secret as an `Authorization: Basic` header; sms.yml (2021) "
        "only lists `api_key`/`api_secret` form fields (required). Vonage's current SMS reference accepts "
        "Basic auth. Allowed for by moving the header's pair into the form before the check."
    ),
    "voice-endpoint-type-without-enum": (
        "voice.yml's endpoint schemas say in prose that `type` 'Must be `phone`' (`sip`, `websocket`, "
        "`vbc`) but give no enum, so `{type: phone, number}` matches both EndpointPhoneTo and EndpointSip "
        "and fails the `oneOf` of `to[]`. Allowed for by adding the enums the prose states to a copy "
        "of the document."
    ),
    "voice-resource-in-server-url": (
        "voice.yml puts the resource into the server URL (`https://api.nexmo.com/v1/calls`) with the path "
        "`/`, which strict URL matching reads as `/v1/calls/`; the API reference and the SDK use "
        "`/v1/calls`. Allowed for by moving `/v1/calls` from the server URL into the paths of a copy."
    ),
}
_ENDPOINT_TYPES = {"EndpointPhoneTo": "phone", "EndpointPhoneFrom": "phone", "EndpointSip": "sip"}
_ENDPOINT_TYPES |= {"EndpointWebsocket": "websocket", "EndpointVBCExtension": "vbc"}


@pytest.fixture(scope="module")
def sms_spec() -> OpenAPI:
    return OpenAPI.from_dict(load_yaml_spec("sms.yml"))


def _voice_document(*, with_enums: bool = True, resource_in_paths: bool = True) -> dict[str, Any]:
    document = copy.deepcopy(load_yaml_spec("voice.yml"))
    if with_enums:  # deviation "voice-endpoint-type-without-enum"
        for schema, value in _ENDPOINT_TYPES.items():
            document["components"]["schemas"][schema]["properties"]["type"]["enum"] = [value]
    if resource_in_paths:  # deviation "voice-resource-in-server-url"
        [server] = document["servers"]
        assert server["url"] == "https://api.nexmo.com/v1/calls"
        document["servers"] = [{"url": "https://api.nexmo.com"}]
        document["paths"] = {"/v1/calls" + path.rstrip("/"): item for path, item in document["paths"].items()}
    return document


@pytest.fixture(scope="module")
def voice_spec() -> OpenAPI:
    return OpenAPI.from_dict(_voice_document())


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


APPLICATION_ID = "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab"


def _voice(private_key: str) -> VonageVoice:
    return VonageVoice("voice-backup", application_id=APPLICATION_ID, private_key=private_key, sender="+15005550006")


def _schema_messages(exc: BaseException) -> list[str]:
    """Every message of a body validation error, nested ``oneOf`` branches included."""

    def walk(error: Any) -> list[str]:
        return [error.message] + [m for child in error.context or [] for m in walk(child)]

    cause = exc.__cause__
    return [m for error in getattr(cause, "schema_errors", ()) for m in walk(error)]


def _as_documented_sms(recorded: Recorded) -> Recorded:
    """Deviation "sms-credentials-in-basic-auth": the Basic pair moved into the form, as sms.yml wants."""
    pair = recorded.basic_auth()
    assert pair is not None
    form = {key: values[0] for key, values in recorded.form().items()}
    form |= {"api_key": pair[0], "api_secret": pair[1]}
    headers = tuple((k, v) for k, v in recorded.headers if k.lower() not in ("authorization", "content-length"))
    return dataclasses.replace(recorded, headers=headers, body=urlencode(form).encode())


def test_sms_is_a_documented_send_an_sms_request(wire: ContractProxy, sms_spec: OpenAPI) -> None:
    attempt = VonageSms("sms-backup", api_key=VONAGE_KEY, api_secret=VONAGE_SECRET, sender="Runbook").send(
        site_down(), ALICE
    )

    assert attempt.status is DeliveryStatus.SENT, attempt.error
    assert attempt.message_id and attempt.recipient == "alice (+1415***0123)"
    [recorded] = wire.to("rest.nexmo.com")
    assert (recorded.method, recorded.path) == ("POST", "/sms/json")
    assert recorded.basic_auth() == (VONAGE_KEY, VONAGE_SECRET)
    form = recorded.form()
    assert form["to"] == ["14155550123"] and form["from"] == ["Runbook"]  # E.164 without '+', as documented
    assert "SiteDown chi-021" in form["text"][0]
    sms_spec.validate_request(RequestsOpenAPIRequest(_as_documented_sms(recorded).as_prepared()))


def test_deviation_sms_credentials_in_basic_auth_still_exists(wire: ContractProxy, sms_spec: OpenAPI) -> None:
    VonageSms("sms-backup", api_key=VONAGE_KEY, api_secret=VONAGE_SECRET, sender="Runbook").send(site_down(), ALICE)
    [recorded] = wire.to("rest.nexmo.com")
    assert "api_key" not in recorded.form(), "the SDK sends credentials in the body again: review DEVIATIONS"
    with pytest.raises(RequestValidationError) as failed:
        sms_spec.validate_request(RequestsOpenAPIRequest(recorded.as_prepared()))
    assert _schema_messages(failed.value) == ["'api_key' is a required property"]


def test_voice_call_is_a_documented_create_call_with_a_jwt_of_the_application(
    wire: ContractProxy, voice_spec: OpenAPI, private_key: str
) -> None:
    attempt = _voice(private_key).send(site_down(summary="chi-021 <speak>is</speak> down"), ALICE)

    assert attempt.status is DeliveryStatus.SENT, attempt.error
    [recorded] = wire.to("api.nexmo.com")
    assert (recorded.method, recorded.path) == ("POST", "/v1/calls")
    body = recorded.json()
    assert body["to"] == [{"type": "phone", "number": "14155550123"}]
    assert body["from"] == {"type": "phone", "number": "15005550006"}
    [talk] = body["ncco"]
    assert talk["action"] == "talk" and talk["loop"] == 2
    assert "SiteDown at chi-021" in talk["text"] and "<" not in talk["text"]  # no SSML from alert text
    token = recorded.bearer()
    assert token is not None
    public = serialization.load_pem_private_key(private_key.encode(), None).public_key()
    claims = jwt.decode(token, public, algorithms=["RS256"])  # type: ignore[arg-type]
    assert claims["application_id"] == APPLICATION_ID
    assert claims["iat"] <= time.time() + 5 and claims["exp"] > time.time()
    voice_spec.validate_request(RequestsOpenAPIRequest(recorded.as_prepared()))


def test_deviation_voice_endpoint_type_without_enum_still_exists(wire: ContractProxy, private_key: str) -> None:
    _voice(private_key).send(site_down(), ALICE)
    [recorded] = wire.to("api.nexmo.com")
    without_enums = OpenAPI.from_dict(_voice_document(with_enums=False))
    with pytest.raises(RequestValidationError) as failed:
        without_enums.validate_request(RequestsOpenAPIRequest(recorded.as_prepared()))
    ambiguous = [m for m in _schema_messages(failed.value) if "is valid under each of" in m]
    assert ambiguous and all("EndpointSip" in m for m in ambiguous)


def test_deviation_voice_resource_in_server_url_still_exists(wire: ContractProxy, private_key: str) -> None:
    from openapi_core.templating.paths.exceptions import PathError

    _voice(private_key).send(site_down(), ALICE)
    [recorded] = wire.to("api.nexmo.com")
    as_published = OpenAPI.from_dict(_voice_document(resource_in_paths=False))
    with pytest.raises(PathError):
        as_published.validate_request(RequestsOpenAPIRequest(recorded.as_prepared()))


def test_every_deviation_has_a_test_that_it_still_exists() -> None:
    names = {name.removeprefix("test_deviation_").removesuffix("_still_exists") for name in globals()}
    assert {d.replace("-", "_") for d in DEVIATIONS} <= names


def test_the_basic_header_is_the_key_pair(wire: ContractProxy) -> None:
    VonageSms("sms-backup", api_key=VONAGE_KEY, api_secret=VONAGE_SECRET, sender="Runbook").send(site_down(), ALICE)
    [recorded] = wire.to("rest.nexmo.com")
    expected = base64.b64encode(f"{VONAGE_KEY}:{VONAGE_SECRET}".encode()).decode()
    assert recorded.header("Authorization") == f"Basic {expected}"
