"""Drive Runbook's deploy, gate and verify code through NAPALM's own mock driver (``napalm.base.mock``).

The mock driver answers each call from a file ``<method>.<n>`` (the n-th call) in a folder, or
raises the exception the file names; a commit with ``revert_in`` records a pending commit before
the file is read, so "the connection dropped after the device took the commit" is expressed by
an exception in ``commit_config.1``. The getter answers come from RECORDED lab data
(``recorded/chi-021-<state>.json``, see ``recorded/record.py``): nothing here is hand-made
device output except the device's own diffs, which are short literals.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from nornir.core import Nornir
from nornir.core.configuration import Config
from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.state import GlobalState
from nornir.plugins.runners import SerialRunner

from runbook_wan.credentials.redact import Redactor
from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.model.loader import load_estate
from runbook_wan.plan.model import sha256
from runbook_wan.render.pipeline import render_estate
from runbook_wan.results import Status
from runbook_wan.tasks.backup import BackupStore
from runbook_wan.tasks.deploy_site import SiteJob, deploy_site
from runbook_wan.tasks.fleet import quiet_nornir_logging
from runbook_wan.tasks.outcome import SiteReport

REPO = Path(__file__).resolve().parents[2]
RECORDED = Path(__file__).resolve().parent / "recorded"
SITE = "chi-021"
#: A one-line device diff (what the mock's compare_config returns when something would change).
DIFF = "+router bgp 65021\n+ neighbor 100.64.0.86 timers 3 9\n"


@cache
def recorded(state: str) -> dict[str, Any]:
    """RECORDED getter answers of chi-021 in the FRR lab: healthy, primary-down or isolated."""
    data: dict[str, Any] = json.loads((RECORDED / f"{SITE}-{state}.json").read_text())
    return data


def raises(exc: type[BaseException], message: str) -> dict[str, Any]:
    """A mock answer that makes the call raise ``exc`` (the mock driver locates it by dotted name)."""
    return {"exception": f"{exc.__module__}.{exc.__qualname__}", "args": [message]}


def gate_poll(state: str) -> dict[str, list[Any]]:
    """The calls of one passing (or failing) gate poll, from the recorded state."""
    data = recorded(state)
    return {
        "get_bgp_neighbors": [data["get_bgp_neighbors"]],
        "get_route_to": [data["get_route_to"]],
        "ping": [data["ping_hub"], data["ping_saas"]],
    }


def healthy_change(**changes: list[Any]) -> dict[str, list[Any]]:
    """Every call of a deploy that changes the site and passes its gate; ``changes`` replace calls."""
    data = recorded("healthy")
    calls: dict[str, list[Any]] = {
        "get_config": [{"running": data["get_config"]["running"], "startup": "", "candidate": ""}],
        "load_replace_candidate": [{}],
        "compare_config": [{"diff": DIFF}],
        "get_interfaces": [data["get_interfaces"]],
        "commit_config": [{}],
        **gate_poll("healthy"),
        "confirm_commit": [{}],
        "discard_config": [{}] * 4,
    }
    calls.update(changes)
    return calls


def write_calls(folder: Path, calls: Mapping[str, list[Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for method, answers in calls.items():
        for number, answer in enumerate(answers, 1):
            (folder / f"{method}.{number}").write_text(json.dumps(answer))
    return folder


def fleet(folder: Path, fail_on_open: bool = False) -> Nornir:
    """A one-host Nornir whose ``napalm`` connection is NAPALM's mock driver reading ``folder``."""
    quiet_nornir_logging()  # as open_fleet does for a rollout
    if "napalm" not in ConnectionPluginRegister.available:
        ConnectionPluginRegister.auto_register()
    options = {"path": str(folder), "fail_on_open": fail_on_open}
    host = Host(
        name=SITE,
        hostname=SITE,
        platform="mock",
        connection_options={"napalm": ConnectionOptions(extras={"optional_args": options})},
    )
    return Nornir(
        inventory=Inventory(hosts=Hosts({SITE: host}), groups=Groups(), defaults=Defaults()),
        runner=SerialRunner(),
        config=Config.from_dict(logging={"enabled": False}),
        data=GlobalState(dry_run=False),
    )


@cache
def _job_parts() -> tuple[Any, str]:
    estate, _ = load_estate(REPO / "intents")
    facts, _ = build_estate_facts(estate, [SITE])
    config = render_estate(REPO / "intents", SITE).configs[SITE].text
    return facts[SITE], config


def job(revert_in: int = 60, gate_timeout: float = 0.0) -> SiteJob:
    facts, config = _job_parts()
    return SiteJob(
        site=SITE,
        facts=facts,
        config=config,
        sha256=sha256(config),
        rollout_id="r-test",
        wave=0,
        revert_in=revert_in,
        gate_timeout=gate_timeout,
        check_only=False,
    )


Steps = list[tuple[str, Status]]


def deploy(
    folder: Path,
    site_job: SiteJob,
    tmp_path: Path,
    fail_on_open: bool = False,
    after_step: Callable[[str, Any], None] | None = None,
) -> tuple[SiteReport, Steps, Any]:
    """Run the real ``deploy_site`` task; returns its report, the (step, status) journal and the driver.

    ``after_step(step, driver)`` runs after each step is journaled (e.g. to make the device
    unreachable once the commit was sent, with the mock's own ``fail_on_open``).
    """
    nornir = fleet(folder, fail_on_open)
    host = nornir.inventory.hosts[SITE]
    steps: Steps = []

    def sink(site: str, step: str, status: Status, detail: str) -> None:
        del site, detail
        steps.append((step, status))
        if after_step is not None and "napalm" in host.connections:
            after_step(step, host.connections["napalm"].connection)

    backups = BackupStore(tmp_path / "backups", Redactor())
    result = nornir.run(task=deploy_site, job=site_job, backups=backups, sink=sink)
    report = result[SITE][0].result
    assert isinstance(report, SiteReport), result[SITE][0].exception
    driver = host.connections["napalm"].connection if "napalm" in host.connections else None
    return report, steps, driver
