"""`deploy` sees a secret rotation before touching anything: a value changed in the secrets source is
counted by the gate, and refused unless the intents declare it or an override accepts it (audited).

No lab: every decision here happens before the inventory is read. The deployed record (configs and
secret fingerprints) is hand-built from the committed configs and the values set here, as a finished
rollout of the example estate leaves it; tests/deploy/test_secret_rotation_lab.py rotates for real.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from deploykit import deploy_offline

from runbook_wan.credentials.redact import Redactor
from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.model.loader import load_estate
from runbook_wan.render.writer import read_site_files
from runbook_wan.review.secrets import rotations
from runbook_wan.rollout.deployed import DeployedRecord
from runbook_wan.rollout.secret_record import SecretRecord, current, fingerprinter

REPO = Path(__file__).resolve().parents[2]
OLD, NEW = "fibrelink-old-value-1", "fibrelink-new-value-2"


@pytest.fixture
def intents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RUNBOOK_SECRETS_FILE", str(tmp_path / "no-secrets.yaml"))
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_FIBRELINK", OLD)
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_METROFIBER", "metrofiber-value-1")
    monkeypatch.setenv("RUNBOOK_SECRET_RUNBOOK_FINGERPRINT_KEY", "estate-fingerprint-key-1")
    dest = tmp_path / "intents"
    shutil.copytree(REPO / "intents", dest)
    # What a finished rollout of the estate leaves: configs, intents and the values' fingerprints.
    state = tmp_path / "state"
    record = DeployedRecord(state)
    files = read_site_files(REPO / "configs", [".nft", ".agent.json"])
    configs = {site: found[".cfg"] for site, found in files.items()}
    record.record(files)
    record.snapshot_intents(dest)
    resolver = SecretResolver(Redactor())
    keyed = fingerprinter(resolver, state, lambda _: None)
    estate, _ = load_estate(dest)
    SecretRecord(state).record(keyed.key_id, current(configs, rotations(estate), resolver, keyed))
    return dest


def _deploy(tmp_path: Path, intents: Path, *argv: str) -> int:
    return deploy_offline(tmp_path, intents, "--yes", *argv)


def test_nothing_rotated_passes(tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _deploy(tmp_path, intents) == 1
    assert "has no management address" in capsys.readouterr().err  # past every gate, stopped at the inventory


def test_a_value_changed_without_a_declared_rotation_is_refused_before_anything(
    tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_FIBRELINK", NEW)
    assert _deploy(tmp_path, intents) == 7
    err = capsys.readouterr().err
    assert (
        "secret 'bgp-fibrelink' changed in the secrets source since it was deployed, at 40 site(s) (40 session(s)), "
        "but the intents declare no rotation: review never saw it" in err
    )
    assert "intents/providers/fibrelink.yaml:8" in err and "rotation: 1}" in err
    assert "blast-radius gate: 40 sites change" in err  # and the gate counts them
    assert NEW not in err and OLD not in err
    assert not (tmp_path / "state" / "rollouts").exists() and not (tmp_path / "state" / "audit.log").exists()
    # the explicit rotation flag accepts the unreviewed value; the gate still wants its override (40 of 80)
    assert _deploy(tmp_path, intents, "--rotate-secret", "bgp-fibrelink") == 7
    err = capsys.readouterr().err
    assert "secret-unreviewed" not in err and "blast-radius gate: 40 sites change" in err
    assert _deploy(tmp_path, intents, "--allow-wide-change", "CHG-9: carrier rotated the BGP password") == 1
    assert "has no management address" in capsys.readouterr().err


def test_a_declared_rotation_is_reviewed_and_counted(
    tmp_path: Path, intents: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = intents / "providers" / "fibrelink.yaml"
    provider.write_text(provider.read_text().replace("{secret: bgp-fibrelink}", "{secret: bgp-fibrelink, rotation: 2}"))
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_FIBRELINK", NEW)
    assert _deploy(tmp_path, intents) == 7
    err = capsys.readouterr().err
    assert "secret-unreviewed" not in err and "review never saw it" not in err
    assert "blast-radius gate: 40 sites change" in err
    assert "provider changes need an explicit override" in err
    # declared, but the value was not rotated in the source: said, and nothing counted
    monkeypatch.setenv("RUNBOOK_SECRET_BGP_FIBRELINK", OLD)
    assert _deploy(tmp_path, intents) == 1
    err = capsys.readouterr().err
    assert "the intents raise its rotation, but its value is the one 40 site(s) already run" in err
