"""``runbook.py notify`` refuses bad input before it binds anything; ``runbook.py incidents`` lists,
acknowledges and resolves, with clear errors and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest
import yaml
from notifykit import (
    REPO,
    ROUTES,
    SECRETS,
    Alertmanager,
    Notifier,
    alertmanager_config,
    free_port,
    notifications_intent,
    private_key_pem,
    run_cli,
    wait_for,
)

from runbook_wan.ops.incidents import Delivery, DeliveryKind, DeliveryStatus, IncidentStore, now_iso
from runbook_wan.ops.stack import incidents_path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RUNBOOK_")}
    return clean | {
        "RUNBOOK_SECRETS_FILE": str(tmp_path / "no-secrets.yaml"),
        "COLUMNS": "200",
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO / "napalm_frr" / "src")]),
    }


@pytest.fixture
def intents(tmp_path: Path) -> Path:
    folder = tmp_path / "intents"
    shutil.copytree(REPO / "intents", folder)
    (folder / "notifications.yaml").write_text(yaml.safe_dump(notifications_intent(free_port()), sort_keys=False))
    return folder


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_notify_names_every_missing_secret_with_its_line_and_binds_nothing(
    tmp_path: Path, intents: Path, env: dict[str, str]
) -> None:
    port = free_port()
    args = ["--state", str(tmp_path / "state"), "notify", "--intents", str(intents), "--listen", f"127.0.0.1:{port}"]
    done = run_cli(args, env)

    assert done.returncode == 1
    missing = [line for line in done.stderr.splitlines() if "is not set" in line]
    assert len(missing) == len(SECRETS) + 2  # + the chat webhook and the Vonage private key
    assert any(
        line.startswith("error: ") and "notifications.yaml:" in line and "channels.sms.account_sid" in line
        and "secret 'twilio/sid' is not set; hint: export RUNBOOK_SECRET_TWILIO_SID=" in line
        for line in missing
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    assert _port_is_free(port) and not incidents_path(tmp_path / "state").exists()


def _secrets() -> dict[str, str]:
    secrets = {f"RUNBOOK_SECRET_{n.upper().replace('/', '_').replace('-', '_')}": v for n, v in SECRETS.items()}
    secrets |= {"RUNBOOK_SECRET_CHAT_WEBHOOK": "http://127.0.0.1:9/hooks/abcdefgh1234"}
    return secrets | {"RUNBOOK_SECRET_VONAGE_PRIVATE_KEY": private_key_pem()}


def test_notify_says_when_its_port_is_taken(tmp_path: Path, intents: Path, env: dict[str, str]) -> None:
    secrets = _secrets()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        args = ["--state", str(tmp_path / "s"), "notify", "--intents", str(intents), "--listen", f"127.0.0.1:{port}"]
        done = run_cli(args, env | secrets)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "Traceback" not in done.stderr


def test_notify_needs_a_notifications_intent_and_a_listen_address(tmp_path: Path, env: dict[str, str]) -> None:
    folder = tmp_path / "intents"
    shutil.copytree(REPO / "intents", folder)
    (folder / "notifications.yaml").unlink()
    done = run_cli(["--state", str(tmp_path / "s"), "notify", "--intents", str(folder)], env)
    assert done.returncode == 1 and "has no notifications.yaml: nobody to notify" in done.stderr

    bad = run_cli(["notify", "--listen", "localhost"], env)
    assert bad.returncode == 1 and "'localhost' is not HOST:PORT" in bad.stderr


def test_a_notifier_started_before_alertmanager_syncs_once_it_answers(
    tmp_path: Path, intents: Path, env: dict[str, str]
) -> None:
    """``monitor up`` starts the notifier first: its re-sync waits for Alertmanager instead of giving up."""
    am_port = free_port()
    notifier = Notifier(tmp_path, intents, f"http://127.0.0.1:{am_port}", env | _secrets(), free_port())
    alertmanager = Alertmanager(tmp_path, alertmanager_config(f"{notifier.url}/alerts", ROUTES), port=am_port)
    try:
        notifier.start()
        assert "did not answer" in notifier.output()
        alertmanager.start()
        wait_for(
            "the re-sync", lambda: f"re-sync with http://127.0.0.1:{am_port}: 0 alert(s) held" in notifier.output()
        )
    finally:
        notifier.stop()
        alertmanager.stop()
    assert notifier.output().count("did not answer") == 1  # retried quietly


def _store_with_one_incident(state: Path) -> str:
    store = IncidentStore(incidents_path(state))
    labels = {"alertname": "SiteDown", "site": "chi-021", "severity": "critical"}
    incident, _ = store.open_incident("fp-1", "SiteDown", labels, "chi-021 is down", started_at="2026-11-30T18:00:00Z")
    store.schedule_escalation(incident.id, "2026-11-30T18:05:00Z", "site-down")
    for channel, status, message_id in (("sms", DeliveryStatus.FAILED, ""), ("sms-backup", DeliveryStatus.SENT, "0A1")):
        store.record_delivery(
            Delivery(incident.id, now_iso(), DeliveryKind.FIRING, channel, "alice (+1415***0123)", status, message_id)
        )
    return incident.id


def test_incidents_list_ack_and_resolve(tmp_path: Path, env: dict[str, str]) -> None:
    state = tmp_path / "state"
    base = ["--state", str(state), "incidents"]
    none = run_cli(base, env)
    assert none.returncode == 1 and "no incident store at" in none.stderr

    incident_id = _store_with_one_incident(state)
    table = run_cli(base, env)
    assert table.returncode == 0
    assert incident_id in table.stdout and "escalates 18:05:00Z" in table.stdout and "sms-backup" in table.stdout
    [listed] = json.loads(run_cli([*base, "--format", "json"], env).stdout)
    assert [(d["channel"], d["status"]) for d in listed["deliveries"]] == [("sms", "failed"), ("sms-backup", "sent")]

    acked = run_cli([*base, "ack", incident_id, "--by", "alice"], env)
    assert acked.returncode == 0
    assert acked.stdout.strip() == f"{incident_id} acknowledged by alice; its escalation is cancelled"
    twice = run_cli([*base, "ack", incident_id], env)
    assert (
        twice.returncode == 1 and f"incident {incident_id} is acknowledged: it cannot be acknowledged" in twice.stderr
    )
    unknown = run_cli([*base, "ack", "inc-nope"], env)
    assert unknown.returncode == 1 and "no incident 'inc-nope'" in unknown.stderr

    resolved = run_cli([*base, "resolve", incident_id, "--by", "bob", "--format", "json"], env)
    assert resolved.returncode == 0
    record = json.loads(resolved.stdout)
    assert (record["status"], record["resolved_by"], record["acknowledged_by"]) == ("resolved", "bob", "alice")
    assert run_cli(base, env).stdout.strip() == "no open incidents"
    assert incident_id in run_cli([*base, "list", "--all"], env).stdout
