"""The notifier's world for one test module: Alertmanager -> notifier process -> SMTP, chat, providers.

Everything listens on 127.0.0.1 on free ports; everything is stopped (by PID) when the module ends,
also when a test fails. Twilio, Vonage and ServiceNow are the contract proxy (``tests/contracts``).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import trustme
import yaml

# The contract proxy lives with the contract tests; the notifier tests reach the providers through it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "contracts"))
from answerkit import ANSWER_SECRETS, Answers, answers_intent, pager_config, refuses
from contract_proxy import ContractProxy
from enginekit import Rig, engine_rig
from notifykit import (
    REPO,
    ROUTES,
    SECRETS,
    Alertmanager,
    ChatReceiver,
    Notifier,
    SmtpServer,
    World,
    alertmanager_config,
    free_port,
    notifications_intent,
    private_key_pem,
    wait_for,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp("notify-world")
    with ExitStack() as stack:
        proxy = ContractProxy(trustme.CA(), workdir)
        stack.enter_context(proxy)
        chat = ChatReceiver().start()
        stack.callback(chat.stop)
        smtp = SmtpServer().start()
        stack.callback(smtp.stop)

        intents = workdir / "intents"
        shutil.copytree(REPO / "intents", intents)
        (intents / "notifications.yaml").write_text(yaml.safe_dump(notifications_intent(smtp.port), sort_keys=False))

        secrets = dict(SECRETS) | {"chat/webhook": chat.url, "vonage/private-key": private_key_pem()}
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("RUNBOOK_")}
        env |= proxy.env
        env |= {"RUNBOOK_SECRET_" + n.upper().replace("/", "_").replace("-", "_"): v for n, v in secrets.items()}
        env["RUNBOOK_SECRETS_FILE"] = str(workdir / "no-secrets-file.yaml")
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO / "napalm_frr" / "src")])

        notifier_port = free_port()
        alertmanager = Alertmanager(
            workdir, alertmanager_config(f"http://127.0.0.1:{notifier_port}/alerts", ROUTES, repeat="2s")
        )
        stack.callback(alertmanager.stop)
        alertmanager.start()
        notifier = Notifier(workdir, intents, alertmanager.url, env, notifier_port)
        stack.callback(notifier.stop)
        notifier.start()
        yield World(workdir, proxy, chat, smtp, alertmanager, notifier, env, secrets)


@pytest.fixture(scope="module")
def private_key() -> str:
    return private_key_pem()


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_key: str) -> Iterator[Rig]:
    """The notifier in-process on an injected clock (tests/notify/enginekit.py)."""
    with engine_rig(tmp_path, monkeypatch, private_key) as made:
        yield made


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Answers]:
    """Alertmanager -> the notifier with a public listener for the answers (tests/notify/answerkit.py)."""
    workdir = tmp_path_factory.mktemp("answers-world")
    with ExitStack() as stack:
        proxy = ContractProxy(trustme.CA(), workdir)
        stack.enter_context(proxy)
        smtp = SmtpServer().start()
        stack.callback(smtp.stop)
        public_port = free_port()
        public_url = f"http://127.0.0.1:{public_port}"
        intents = workdir / "intents"
        shutil.copytree(REPO / "intents", intents)
        # The intent names the address the providers reach; --public-url overrides it (here: loopback).
        intent = answers_intent(smtp.port, "https://runbook.example.com")
        (intents / "notifications.yaml").write_text(yaml.safe_dump(intent, sort_keys=False))

        secrets = dict(SECRETS) | ANSWER_SECRETS | {"vonage/private-key": private_key_pem()}
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("RUNBOOK_")}
        env |= proxy.env
        env |= {"RUNBOOK_SECRET_" + n.upper().replace("/", "_").replace("-", "_"): v for n, v in secrets.items()}
        env["RUNBOOK_SECRETS_FILE"] = str(workdir / "no-secrets-file.yaml")
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO / "napalm_frr" / "src")])

        notifier_port = free_port()
        alertmanager = Alertmanager(workdir, pager_config(f"http://127.0.0.1:{notifier_port}/alerts"))
        stack.callback(alertmanager.stop)
        alertmanager.start()
        public = ("--public-url", public_url, "--public-listen", f"127.0.0.1:{public_port}")
        notifier = Notifier(workdir, intents, alertmanager.url, env, notifier_port, public)
        stack.callback(notifier.stop)
        notifier.start()
        # The public listener starts beside the webhook's: an unsigned request there is refused once it is up.
        wait_for("the public listener", lambda: refuses(f"{public_url}/inbound/twilio/sms"), timeout=30)
        yield Answers(workdir, proxy, smtp, alertmanager, notifier, env, secrets, public_url)
