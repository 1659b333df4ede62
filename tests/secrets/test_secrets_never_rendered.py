"""Secrets are referenced by name: rendered configs and every plan output carry only tokens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from runbook_wan import cli as runbook
from runbook_wan.credentials.redact import Redactor
from runbook_wan.credentials.resolver import SecretResolver

KNOWN = "Xy9-known-BGP-secret-value"


@pytest.fixture
def with_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_FIBRELINK", KNOWN)
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_METROFIBER", KNOWN + "-2")
    monkeypatch.setenv("RUNBOOK_SECRETS_FILE", str(tmp_path / "none.yaml"))


def test_secret_value_appears_in_no_config_and_no_plan_output(
    with_secret: None, tmp_path: Path, example_intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(example_intents, intents)
    configs = tmp_path / "configs"
    assert runbook.main(["render", "--intents", str(intents), "--configs", str(configs)]) == 0
    texts = [p.read_text() for p in configs.glob("*.cfg")]
    assert len(texts) == 80
    # the password is rendered, as a token
    assert sum("password <secret:bgp-fibrelink>" in t for t in texts) == 40
    assert not any(KNOWN in t for t in texts)

    # change something so the plan has diffs to print, then every format
    site = intents / "sites" / "sea-001.yaml"
    site.write_text(site.read_text().replace("bandwidth_mbps: 1000", "bandwidth_mbps: 2000"))
    (intents / "providers" / "fibrelink.yaml").write_text(
        (intents / "providers" / "fibrelink.yaml").read_text().replace("bgp-fibrelink", "bgp-fibrelink-2024")
    )
    outputs = []
    for fmt in ("terminal", "markdown", "json"):
        code = runbook.main(
            [
                "plan",
                "--intents",
                str(intents),
                "--configs",
                str(configs),
                "--format",
                fmt,
                "--out",
                str(tmp_path / f"plan-{fmt}.json"),
                # a secret rotated at every fibrelink site: wider than the example estate's gate
                "--allow-wide-change",
                "test: rotate the fibrelink BGP secret",
            ]
        )
        assert code == 2
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err, (tmp_path / f"plan-{fmt}.json").read_text()]
    assert any("<secret:bgp-fibrelink-2024>" in o for o in outputs)
    assert not any(KNOWN in o for o in outputs)


def test_resolver_substitutes_only_for_push_and_redactor_masks(with_secret: None) -> None:
    redactor = Redactor()
    resolver = SecretResolver(redactor)
    pushed = resolver.resolve_text("neighbor 100.64.0.2 password <secret:bgp-fibrelink>\n")
    assert pushed == f"neighbor 100.64.0.2 password {KNOWN}\n"
    # anything printed afterwards is masked, e.g. a device diff echoing the value
    assert (
        redactor.mask(f"+ neighbor 100.64.0.2 password {KNOWN}")
        == "+ neighbor 100.64.0.2 password <secret:bgp-fibrelink>"
    )


def test_missing_secret_is_reported_by_name_with_how_to_set_it(with_secret: None) -> None:
    from runbook_wan.results import DiagnosticError

    resolver = SecretResolver(Redactor())
    with pytest.raises(DiagnosticError) as info:
        resolver.resolve_text("password <secret:bgp-unknown> <secret:bgp-other>")
    messages = [d.format() for d in info.value.diagnostics]
    assert any("secret 'bgp-unknown' is not set" in m and "RUNBOOK_SECRET_BGP_UNKNOWN" in m for m in messages)
    assert len(messages) == 2


def test_world_readable_secrets_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runbook_wan.results import DiagnosticError

    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("bgp-fibrelink: some-long-value\n")
    secrets.chmod(0o644)
    monkeypatch.setenv("RUNBOOK_SECRETS_FILE", str(secrets))
    monkeypatch.delenv("RUNBOOK_SECRET_BGP_FIBRELINK", raising=False)
    with pytest.raises(DiagnosticError, match="1 error"):
        SecretResolver(Redactor()).resolve("bgp-fibrelink")
    secrets.chmod(0o600)
    assert SecretResolver(Redactor()).resolve("bgp-fibrelink") == "some-long-value"


def test_an_old_value_the_source_no_longer_holds_is_masked_by_its_config_line(with_secret: None) -> None:
    """After a rotation the device still shows the old value (backup, the rotation's diff): the line that
    carries the secret in the rendered config masks whatever value follows it."""
    redactor = Redactor()
    SecretResolver(redactor).resolve_text(
        "router bgp 65021\n neighbor 100.64.0.2 password <secret:bgp-fibrelink>\n neighbor 100.64.0.2 timers 3 9\n"
    )
    diff = "- neighbor 100.64.0.2 password Old-rotated-away-value\n+ neighbor 100.64.0.2 password " + KNOWN
    assert redactor.mask(diff) == (
        "- neighbor 100.64.0.2 password <secret:bgp-fibrelink>\n+ neighbor 100.64.0.2 password <secret:bgp-fibrelink>"
    )
    # other lines of the same neighbour, and other neighbours, are left alone
    assert redactor.mask(" neighbor 100.64.0.2 timers 3 9") == " neighbor 100.64.0.2 timers 3 9"
    assert redactor.mask(" neighbor 100.64.0.22 password x1y2z3") == " neighbor 100.64.0.22 password x1y2z3"


def test_masking_an_old_value_keeps_json_and_encrypted_forms_intact(with_secret: None) -> None:
    import json

    redactor = Redactor()
    SecretResolver(redactor).resolve_text(" neighbor 100.64.0.2 password <secret:bgp-fibrelink>\n")
    report = json.dumps({"diff": "- neighbor 100.64.0.2 password Old-value-1\n+ neighbor 100.64.0.2 password x"})
    masked = json.loads(redactor.mask(report))["diff"]
    assert "Old-value-1" not in masked and masked.count("<secret:bgp-fibrelink>") == 2
    assert (
        redactor.mask("neighbor 100.64.0.2 password 7 0A1B2C3D4E")
        == "neighbor 100.64.0.2 password <secret:bgp-fibrelink>"
    )
