"""The disk under the state folder fills up while the notifier records incidents (issue 21, class 9).

Real processes: Alertmanager (Debian's) posts to ``runbook.py notify``, whose state folder is a
1 MiB tmpfs, and the notifier mails a local SMTP server (aiosmtpd). When the disk is full the
webhook is refused whole with 503 and a clear log line (no traceback), the store stays intact and
readable, and once space is freed Alertmanager's next attempt records the refused alert: nothing
is lost, and nobody is told twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notify"))
from notifykit import REPO, Alertmanager, Notifier, SmtpServer, alert, alertmanager_config, free_port, run_cli, wait_for

from runbook_wan.ops.incidents import IncidentStore

BASE = REPO / "tests" / "errors" / "_base"
NOTIFICATIONS = {
    "contacts": {"alice": {"name": "Alice Ops", "email": "alice@example.com"}},
    "channels": {"email": {"type": "email", "smarthost": "127.0.0.1:{port}", "from": "runbook@example.com"}},
    "routes": [
        {"name": "circuits", "match": {"alertname": "CircuitDown"}, "notify": [{"channel": "email", "to": "alice"}]}
    ],
}


def fill(filler: Path) -> None:
    """Write ``filler`` until the file system has no byte left."""
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)


@pytest.fixture
def tmpfs_state(tmp_path: Path, require_lab: None) -> Iterator[Path]:
    monitor = tmp_path / "state" / "monitor"
    monitor.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(monitor)], check=True)
    try:
        yield monitor
    finally:
        subprocess.run(["umount", "-l", str(monitor)], check=True)


@pytest.mark.lab
def test_a_full_disk_refuses_webhooks_whole_and_loses_nothing_once_space_is_freed(
    tmp_path: Path, tmpfs_state: Path
) -> None:
    smtp = SmtpServer().start()
    intents = tmp_path / "intents"
    shutil.copytree(BASE / "intents", intents)
    text = yaml.safe_dump(NOTIFICATIONS, sort_keys=False).replace("{port}", str(smtp.port))
    (intents / "notifications.yaml").write_text(
        text.replace("from: runbook@example.com", "from: runbook@example.com\n    starttls: false")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNBOOK_")}
    env["RUNBOOK_SECRETS_FILE"] = str(tmp_path / "none.yaml")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO / "napalm_frr" / "src")])
    port = free_port()
    alertmanager = Alertmanager(tmp_path, alertmanager_config(f"http://127.0.0.1:{port}/alerts", ["circuits"], "2s"))
    notifier = Notifier(tmp_path, intents, alertmanager.url, env, port)
    try:
        alertmanager.start()
        notifier.start()
        alertmanager.post(alert("CircuitDown", site="tst-001", circuit="primary_dia"))
        wait_for("the first e-mail", lambda: len(smtp.messages) == 1)

        fill(tmpfs_state / "filler")
        alertmanager.post(alert("CircuitDown", site="tst-002", circuit="primary_dia"))
        wait_for("a refused webhook", lambda: "not recorded, Alertmanager will retry" in notifier.output(), timeout=60)
        log = notifier.output()
        assert "no space left on the device; nothing of this change was written" in log
        assert "Traceback" not in log and len(smtp.messages) == 1, "nothing sent for what was not recorded"
        listed = run_cli(["--state", str(notifier.state), "incidents", "list", "--all", "--format", "json"], env)
        assert listed.returncode == 0, listed.stderr
        assert [i["site"] for i in json.loads(listed.stdout)] == ["tst-001"]
        IncidentStore(tmpfs_state / "incidents.sqlite", readonly=True).check()  # every page reads back

        (tmpfs_state / "filler").unlink()  # space again: Alertmanager's next attempt is recorded
        wait_for("the refused alert's e-mail", lambda: len(smtp.messages) == 2, timeout=90)
        listed = run_cli(["--state", str(notifier.state), "incidents", "list", "--all", "--format", "json"], env)
        assert sorted(i["site"] for i in json.loads(listed.stdout)) == ["tst-001", "tst-002"]
        assert sorted(str(m["Subject"]).split()[2] for _to, m in smtp.messages) == ["tst-001", "tst-002"]
        assert "Traceback" not in notifier.output()
    finally:
        notifier.stop()
        alertmanager.stop()
        smtp.stop()
