"""One lab + monitoring stack + receivers for the package (they take ~40 s to build; every test shares them:
test_ops_e2e.py first, then test_ops_faults.py, which kills the stack's processes)."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path

import pytest
import trustme
import yaml

# The receivers and the contract proxy are the notifier's test kit; the small estate is the lab tests'.
_TESTS = Path(__file__).resolve().parents[1]
for _kit in ("notify", "contracts", "lab", "ops_e2e"):
    if str(_TESTS / _kit) not in sys.path:
        sys.path.insert(0, str(_TESTS / _kit))

from contract_proxy import ContractProxy  # noqa: E402
from labkit import derive_intents  # noqa: E402
from notifykit import SECRETS, notifications_intent, private_key_pem  # noqa: E402
from opskit import REPO, ChatReceiver, OpsWorld, SmtpServer  # noqa: E402

from runbook_wan import cli as runbook  # noqa: E402
from runbook_wan.lab.api import Lab  # noqa: E402
from runbook_wan.lab.builder import free_management_network  # noqa: E402
from runbook_wan.lab.device import alive  # noqa: E402
from runbook_wan.lab.teardown import down  # noqa: E402
from runbook_wan.ops.stack import SUPERVISOR, StackRecord  # noqa: E402

TAG = os.environ.get("RUNBOOK_TEST_LAB_TAG", "")
PREFIX = "rbo" + TAG
SITES = ("sea-001", "chi-021")
#: Both sites' primary circuits come from fibrelink; the lab and deploy resolve its BGP password from here.
BGP_SECRETS = {"RUNBOOK_SECRET_BGP_FIBRELINK": "Ops-e2e-bgp-secret-77"}


def _kill_stack(state: Path) -> None:
    record = StackRecord.read(state)
    if record is None:
        return
    # The supervisor first: it would start again what is killed after it.
    for service in sorted(record.services.values(), key=lambda s: s.name != SUPERVISOR):
        if alive(service.pid):
            with suppress(ProcessLookupError):
                os.kill(service.pid, signal.SIGKILL)


@pytest.fixture(scope="package")
def ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpsWorld]:
    if os.geteuid() != 0 or not Path("/usr/lib/frr/zebra").exists():
        pytest.fail("ops e2e tests need root and FRR (CI has both); set RUNBOOK_SKIP_LAB=1 to deselect locally")
    root = tmp_path_factory.mktemp("ops-e2e")
    state = root / "state"
    with ExitStack() as stack:
        proxy = stack.enter_context(ContractProxy(trustme.CA(), root))
        chat = ChatReceiver().start()
        stack.callback(chat.stop)
        smtp = SmtpServer().start()
        stack.callback(smtp.stop)

        intents = derive_intents(root / "intents", SITES, free_management_network(prefixlen=24))
        # The agents' return hold, 20 s instead of the production 60 s: test 5 waits out one hold (the steering
        # module, tests/lab/test_steering.py, proves the production hold on its own lab).
        defaults = intents / "defaults.yaml"
        text = defaults.read_text()
        assert text.count("\nestate:\n") == 1 and "steering:" not in text, "the example's defaults.yaml changed shape"
        defaults.write_text(text.replace("\nestate:\n", "\nestate:\n  steering: {hold_s: 20}\n"))
        (intents / "notifications.yaml").write_text(yaml.safe_dump(notifications_intent(smtp.port), sort_keys=False))
        shutil.copytree(
            REPO / "inventory", root / "inventory", ignore=shutil.ignore_patterns("*.py", "hosts.yaml", "__pycache__")
        )
        secrets = dict(SECRETS) | {"chat/webhook": chat.url, "vonage/private-key": private_key_pem()}
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("RUNBOOK_")}
        env |= proxy.env | BGP_SECRETS
        env |= {"RUNBOOK_SECRET_" + n.upper().replace("/", "_").replace("-", "_"): v for n, v in secrets.items()}
        env["RUNBOOK_SECRETS_FILE"] = str(root / "no-secrets-file.yaml")
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO / "napalm_frr" / "src")])
        saved = {k: os.environ.get(k) for k in BGP_SECRETS}
        os.environ.update(BGP_SECRETS)
        stack.callback(
            lambda: [os.environ.pop(k, None) if v is None else os.environ.update({k: v}) for k, v in saved.items()]
        )

        assert (
            runbook.main(
                ["--state", str(state), "render", "--intents", str(intents), "--configs", str(root / "configs")]
            )
            == 0
        )
        down(state, PREFIX)
        stack.callback(down, state, PREFIX)
        lab = Lab.up(intents, state, prefix=PREFIX, configs=root / "configs", inventory_dir=root / "inventory")
        world = OpsWorld(root, lab, chat, smtp, proxy, env)
        stack.callback(_kill_stack, state)
        stack.callback(world.cli, "monitor", "down")
        up = world.cli(
            "monitor", "up", "--scrape-interval", "1", "--intents", str(intents), "--inventory", str(root / "inventory")
        )
        assert up.returncode == 0, up.stdout + up.stderr
        yield world
