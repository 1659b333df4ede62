"""Secrets the day-2 commands need, written wrong: a clear error, at its line, and no value anywhere
(issue 21, class 7).

Before: a too-short value was registered with the redactor before it was refused, so the refusal
came out masked (``the status page <secret:status-token> is shorter...``); a YAML syntax error in
the secrets file was a traceback in ``notify`` and ``status serve`` whose PyYAML snippet printed the
secret's line; a Vonage key that is not PEM was a ``VonageJwtError`` traceback at start.

``notify --check`` and ``status serve`` run as real processes (a bounded wait: if a fix broke,
the server would start instead of refusing); stdout and stderr are searched for every value.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BASE = REPO / "tests" / "errors" / "_base"
SECRETS = {
    "twilio/sid": "AC" + "5e" * 16,
    "twilio/token": "t0ken" + "9f" * 14,
    "vonage/key": "vk1a2b3c",
    "vonage/secret": "VonageS3cretXYZ",
    "chat/webhook": "https://hooks.slack.com/services/T0RUNBOOK/B0NOTIFY1/abcdefABCDEF0123456789xy",
}


def env_name(name: str) -> str:
    return "RUNBOOK_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def run(workdir: Path, argv: list[str], secrets: dict[str, str], secrets_file: Path | None = None) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNBOOK_")}
    env |= {env_name(n): v for n, v in secrets.items()}
    env["RUNBOOK_SECRETS_FILE"] = str(secrets_file or workdir / "no-secrets-file.yaml")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO / "napalm_frr" / "src")])
    done = subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--no-color", "--state", ".runbook", *argv],
        cwd=workdir,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    return tmp_path


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def test_the_base_notifier_checks_out(workdir: Path) -> None:
    """The cases below are only meaningful if the same setup, secrets right, is accepted."""
    code, output = run(workdir, ["notify", "--check", "--intents", "intents"], SECRETS)
    assert code == 0 and "notifier ready to start: 5 channel(s)" in output, output


def test_a_too_short_channel_secret_is_refused_at_its_line_and_the_refusal_reads_as_written(workdir: Path) -> None:
    code, output = run(workdir, ["notify", "--check", "--intents", "intents"], SECRETS | {"twilio/token": "short"})
    assert code == 1 and "Traceback" not in output, output
    [line] = errors(output)
    assert line.startswith("error: intents/notifications.yaml:13 channels.sms.auth_token: channel 'sms': ")
    assert "secret 'twilio/token' is shorter than 6 characters (value not shown)" in line
    assert line.endswith("[secret-too-short]") and "<secret:" not in output


@pytest.mark.parametrize("token", ["token", "status", "page token is"])
def test_a_too_short_status_token_is_refused_in_plain_words(workdir: Path, token: str) -> None:
    """ "token", "status", "page token is": each is a word of the refusal itself; none may be masked."""
    code, output = run(workdir, ["status", "serve", "--intents", "intents", "--port", "1"], {"status-token": token})
    assert code == 1 and "Traceback" not in output, output
    assert errors(output) == [
        "error: the status page token is shorter than 16 characters (value not shown); hint: generate one: "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(24))' [status-token-short]"
    ]
    assert "<secret:" not in output


@pytest.mark.parametrize(
    "broken",
    [
        'twilio/token: "{value}\n',  # an unclosed quote
        "twilio/token: {value}: [oops\n",  # a flow list never closed
        "twilio/token:\t{value}\n  - x\n",  # a tab and a stray list item
    ],
    ids=["unclosed-quote", "unclosed-flow", "tab-and-stray-item"],
)
def test_a_yaml_error_in_the_secrets_file_gives_its_line_and_never_the_value(workdir: Path, broken: str) -> None:
    value = SECRETS["twilio/token"]
    secrets_file = workdir / "secrets.yaml"
    secrets_file.write_text("# my secrets\nvonage/key: vk1a2b3c\n" + broken.format(value=value) + "other: x\n")
    secrets_file.chmod(0o600)
    for argv in (
        ["notify", "--check", "--intents", "intents"],
        ["status", "serve", "--intents", "intents", "--port", "1"],
    ):
        code, output = run(workdir, argv, {}, secrets_file)
        assert code == 1 and "Traceback" not in output, (argv, output)
        assert value not in output and "oops" not in output, output
        [line] = errors(output)
        assert re.match(rf"error: {re.escape(str(secrets_file))}:[34]: YAML syntax error at column \d+: ", line), line
        assert "the line is not shown: it may hold a secret" in line and line.endswith("[secrets-file-yaml]")


def test_a_secrets_file_value_that_is_a_list_is_named_not_shown(workdir: Path) -> None:
    secrets_file = workdir / "secrets.yaml"
    secrets_file.write_text("twilio/token: [Hunter2Hunter2, more]\n")
    secrets_file.chmod(0o600)
    code, output = run(workdir, ["notify", "--check", "--intents", "intents"], {}, secrets_file)
    assert code == 1 and "Hunter2Hunter2" not in output and "Traceback" not in output, output
    assert "secret 'twilio/token' holds a list, not one value (value not shown)" in output


VONAGE_VOICE = """\
defaults:
  to: noc
contacts:
  alice: {name: Alice Ops, phone: "+14155550123"}
groups:
  noc: {members: [alice]}
channels:
  voice:
    type: vonage_voice
    application_id: {secret: vonage/app}
    private_key: {secret: vonage/private-key}
    from: "+14155550100"
"""


@pytest.mark.parametrize(
    "key",
    [
        "this-is-not-a-pem-private-key",
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n",
    ],
    ids=["not-pem", "pem-armour-around-garbage"],
)
def test_a_vonage_key_that_is_not_pem_is_an_error_at_its_line(workdir: Path, key: str) -> None:
    (workdir / "intents" / "notifications.yaml").write_text(VONAGE_VOICE)
    secrets = {"vonage/app": "bbbbbbbb-cccc-4ddd-8eee-0123456789ab", "vonage/private-key": key}
    code, output = run(workdir, ["notify", "--check", "--intents", "intents"], secrets)
    assert code == 1 and "Traceback" not in output and "VonageJwtError" not in output, output
    [line] = errors(output)
    assert line.startswith("error: intents/notifications.yaml:11 channels.voice.private_key: ")
    assert "it is not a PEM private key (value not shown)" in line and line.endswith("[notify-private-key]")
    assert "bm90IGEga2V5" not in output and "this-is-not-a-pem" not in output
