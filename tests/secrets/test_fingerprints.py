"""Keyed fingerprints of secret values: equal for equal values, different for a rotation, never the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook_wan.credentials.fingerprints import KEY_SECRET, Fingerprinter, fingerprint, secret_fingerprints
from runbook_wan.credentials.redact import Redactor
from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.results import DiagnosticError

VALUE = "Xy9-known-BGP-secret-value"


def _resolver(tmp_path: Path, **values: str) -> SecretResolver:
    environ = {"RUNBOOK_SECRETS_FILE": str(tmp_path / "none.yaml")}
    environ |= {f"RUNBOOK_SECRET_{k.upper()}": v for k, v in values.items()}
    return SecretResolver(Redactor(), environ=environ)


def test_a_rotation_changes_the_fingerprint_and_the_value_never_shows() -> None:
    key = b"estate-key-0123456789"
    before = fingerprint(key, "bgp-fibrelink", VALUE)
    assert before == fingerprint(key, "bgp-fibrelink", VALUE)  # stable: a lock or cache key can hold it
    assert before.startswith("hmac-sha256:") and len(before) == len("hmac-sha256:") + 32
    assert fingerprint(key, "bgp-fibrelink", VALUE + "-rotated") != before
    assert VALUE not in before and VALUE.encode().hex() not in before


def test_the_key_and_the_name_are_part_of_it() -> None:
    # Without the key, nobody can test guesses against a fingerprint found in git.
    assert fingerprint(b"key-one-0123456", "bgp-a", VALUE) != fingerprint(b"key-two-0123456", "bgp-a", VALUE)
    # Two secrets sharing a value do not give that away.
    assert fingerprint(b"key-one-0123456", "bgp-a", VALUE) != fingerprint(b"key-one-0123456", "bgp-b", VALUE)


def test_key_id_tells_keys_apart_and_repr_hides_the_key() -> None:
    one, two = Fingerprinter(b"key-one-0123456"), Fingerprinter(b"key-two-0123456")
    assert one.key_id == Fingerprinter(b"key-one-0123456").key_id != two.key_id
    assert "key-one" not in repr(one)


def test_fingerprints_from_the_secret_sources(tmp_path: Path) -> None:
    resolver = _resolver(
        tmp_path,
        runbook_fingerprint_key="estate-key-0123456789",
        bgp_fibrelink=VALUE,
        bgp_metrofiber=VALUE + "-2",
    )
    found = secret_fingerprints(resolver, ["bgp-metrofiber", "bgp-fibrelink", "bgp-fibrelink"])
    assert list(found) == ["bgp-fibrelink", "bgp-metrofiber"]
    assert found["bgp-fibrelink"] == fingerprint(b"estate-key-0123456789", "bgp-fibrelink", VALUE)
    # the values were registered for masking, like every resolved secret
    assert resolver.redactor.mask(f"password {VALUE}") == "password <secret:bgp-fibrelink>"


def test_missing_key_or_secrets_are_named_with_the_variable(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError) as missing_key:
        secret_fingerprints(_resolver(tmp_path, bgp_fibrelink=VALUE), ["bgp-fibrelink"])
    assert [d.code for d in missing_key.value.diagnostics] == ["secret-missing"]
    assert KEY_SECRET in missing_key.value.diagnostics[0].message
    assert "RUNBOOK_SECRET_RUNBOOK_FINGERPRINT_KEY" in missing_key.value.diagnostics[0].hint
    with pytest.raises(DiagnosticError) as missing:
        secret_fingerprints(_resolver(tmp_path, runbook_fingerprint_key="estate-key-0123456789"), ["bgp-a", "bgp-b"])
    assert sorted(d.message for d in missing.value.diagnostics) == [
        "secret 'bgp-a' is not set",
        "secret 'bgp-b' is not set",
    ]
