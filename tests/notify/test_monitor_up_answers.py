"""``monitor up`` passes the answers options on to its notifier, and its supervisor keeps them.

Debian's Alertmanager and Runbook's notifier, started by ``runbook.py monitor up`` (no probe, no
Prometheus: nothing here needs them); an unsigned request to the public listener is refused (403),
which shows the listener runs, on the address given, with the signature check on.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import yaml
from answerkit import ANSWER_SECRETS, answers_intent, refuses
from notifykit import REPO, SECRETS, free_port, private_key_pem, wait_for

from runbook_wan.lab.device import alive
from runbook_wan.ops.stack import StackRecord


def _cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), "--no-color", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_monitor_up_serves_the_answers_on_the_public_listener_given_and_keeps_it_across_a_restart(
    tmp_path: Path,
) -> None:
    intents, state, inventory = tmp_path / "intents", tmp_path / "state", tmp_path / "inventory"
    shutil.copytree(REPO / "intents", intents)
    intent = answers_intent(free_port(), "https://runbook.example.com")
    (intents / "notifications.yaml").write_text(yaml.safe_dump(intent, sort_keys=False))
    inventory.mkdir()
    secrets = dict(SECRETS) | ANSWER_SECRETS | {"vonage/private-key": private_key_pem()}
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("RUNBOOK_")}
    env |= {"RUNBOOK_SECRET_" + n.upper().replace("/", "_").replace("-", "_"): v for n, v in secrets.items()}
    env["RUNBOOK_SECRETS_FILE"] = str(tmp_path / "no-secrets-file.yaml")
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    up = _cli(
        env,
        *("--state", str(state), "monitor", "up", "--intents", str(intents), "--inventory", str(inventory)),
        *("--without", "probe", "--without", "prometheus"),
        *("--public-url", public, "--public-listen", f"127.0.0.1:{port}"),
    )
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        wait_for("the notifier's public listener", lambda: refuses(f"{public}/inbound/twilio/sms"), timeout=30)
        record = StackRecord.read(state)
        assert record is not None
        first = record.services["notifier"]
        assert first.argv[-4:] == ["--public-url", public, "--public-listen", f"127.0.0.1:{port}"]

        os.kill(first.pid, signal.SIGKILL)  # the supervisor starts it again, the way it was first started
        wait_for("the notifier gone", lambda: not refuses(f"{public}/inbound/twilio/sms"), timeout=15)

        def restarted() -> bool:
            again = StackRecord.read(state)
            return again is not None and again.services["notifier"].pid != first.pid

        wait_for("the supervisor to restart the notifier", restarted, timeout=30)
        wait_for("the public listener again", lambda: refuses(f"{public}/inbound/twilio/sms"), timeout=30)
    finally:
        down = _cli(env, "--state", str(state), "monitor", "down")
    assert down.returncode == 0, down.stdout + down.stderr
    after = StackRecord.read(state)
    assert after is None or not any(alive(s.pid) for s in after.services.values())
    assert not refuses(f"{public}/inbound/twilio/sms"), "the public listener outlived monitor down"
