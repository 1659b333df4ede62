"""`runbook.py lab up / status / down`: a day-0 lab of six sites, built and removed through the CLI."""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
import yaml
from labkit import SMALL_SITES, run_cli

from runbook_wan.lab import device, probes
from runbook_wan.lab.api import Lab
from runbook_wan.lab.builder import free_management_network
from runbook_wan.lab.device import FRR_ETC, FRR_RUN
from runbook_wan.lab.teardown import down
from runbook_wan.results import ExitCode

pytestmark = pytest.mark.lab
PREFIX = "rbt" + os.environ.get("RUNBOOK_TEST_LAB_TAG", "")
SCRATCH = "rbts" + os.environ.get("RUNBOOK_TEST_LAB_TAG", "")  # the clean_prefix fixture's prefix


@pytest.fixture(scope="module")
def day0(small_intents: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path, Path]]:
    """The lab booted by `lab up` (day-0 configs); yields (lab, state dir, inventory dir)."""
    state = tmp_path_factory.mktemp("state")
    inventory = tmp_path_factory.mktemp("inventory")
    down(state, PREFIX)
    try:
        code = run_cli(
            state,
            "lab",
            "up",
            "--intents",
            str(small_intents),
            "--prefix",
            PREFIX,
            "--inventory",
            str(inventory),
            "--management-network",
            free_management_network(),
        )
        assert code == ExitCode.OK
        yield Lab.attach(state), state, inventory
    finally:
        down(state, PREFIX)


def _ssh(lab: Lab, site: str) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.load_host_keys(str(lab.known_hosts_file))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        lab.management_address(site),
        username="root",
        key_filename=str(lab.key_file),
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
    )
    return client


def _run(client: paramiko.SSHClient, command: str) -> str:
    _, stdout, _ = client.exec_command(command, timeout=20)
    return str(stdout.read().decode())


def test_every_node_runs_and_status_is_healthy(
    require_lab: None, day0: tuple[Lab, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    lab, state, _ = day0
    assert sorted(lab.sites) == sorted(SMALL_SITES)
    capsys.readouterr()
    assert run_cli(state, "lab", "status", "--format", "json") == ExitCode.OK
    status = json.loads(capsys.readouterr().out)
    assert status["healthy"] is True
    roles = [n["role"] for n in status["nodes"]]
    assert roles.count("site") == 6 and roles.count("lan-hosts") == 6
    assert roles.count("provider") == 6 and roles.count("internet") == 1 and roles.count("relay") == 1
    for node in status["nodes"]:
        if node["role"] == "site":
            assert node["ssh"] is True
            assert node["daemons_up"] == node["daemons"] == 5  # zebra staticd bgpd pbrd bfdd
            assert node["bgp_total"] == 0  # day-0: no BGP yet
        if node["role"] == "internet":
            assert node["bgp_established"] == 6  # every provider peers with the core
    assert run_cli(state, "lab", "status") == ExitCode.OK
    assert f"{PREFIX}-chi-021" in capsys.readouterr().out


def test_sites_boot_like_a_box_fresh_from_staging(require_lab: None, day0: tuple[Lab, Path, Path]) -> None:
    lab, _, _ = day0
    client = _ssh(lab, "chi-021")  # host key checked against the lab's known_hosts
    try:
        running = _run(client, "vtysh -c 'show running-config'")
        addresses = _run(client, "ip -j addr show")
    finally:
        client.close()
    assert "hostname chi-021" in running and "hostname vm" not in running
    assert "log file /var/log/frr/chi-021.log informational" in running
    assert "router bgp" not in running and "interface wan1" not in running
    by_if = {
        link["ifname"]: [a["local"] for a in link["addr_info"] if a["family"] == "inet"]
        for link in json.loads(addresses)
    }
    assert set(by_if) >= {"wan1", "wan2", "lte0", "lan10", "lan20", "lan30", "lan40", "mgmt0"}
    assert by_if["wan1"] == [] and by_if["lan10"] == []  # interfaces exist, unaddressed until a config
    assert by_if["mgmt0"] == [lab.management_address("chi-021")]  # on the kernel interface, not in FRR
    network = ipaddress.IPv4Network(lab.topology.management_network)
    assert ipaddress.IPv4Address(lab.management_address("chi-021")) in network


def test_hosts_file_and_inventory_point_at_the_lab(require_lab: None, day0: tuple[Lab, Path, Path]) -> None:
    from nornir import InitNornir

    lab, _, inventory = day0
    written = yaml.safe_load((inventory / "hosts.yaml").read_text())
    assert written["ssh"] == {"key_file": str(lab.key_file), "known_hosts_file": str(lab.known_hosts_file)}
    assert {s: h["hostname"] for s, h in written["hosts"].items()} == {s: lab.management_address(s) for s in lab.sites}
    nr = InitNornir(
        runner={"plugin": "serial"},
        logging={"enabled": False},
        inventory={
            "plugin": "RunbookInventory",
            "options": {"intents": lab.record.intents, "inventory_dir": str(inventory), "environ": {}},
        },
    )
    host = nr.inventory.hosts["sea-001"]
    params = host.get_connection_parameters("napalm")
    assert params.extras is not None
    extras = params.extras
    assert params.hostname == lab.management_address("sea-001")
    assert params.platform == "frr" and params.username == "root"
    assert extras["optional_args"]["key_file"] == str(lab.key_file)
    assert extras["optional_args"]["known_hosts_file"] == str(lab.known_hosts_file)
    client = paramiko.SSHClient()  # the inventory's parameters are enough to log in, host key checked
    client.load_host_keys(extras["optional_args"]["known_hosts_file"])
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        params.hostname,
        port=params.port or 22,
        username=params.username,
        key_filename=extras["optional_args"]["key_file"],
        look_for_keys=False,
        allow_agent=False,
    )
    try:
        assert "FRRouting" in _run(client, "vtysh -c 'show version'")
    finally:
        client.close()


def test_napalm_through_the_inventory_reaches_every_site(require_lab: None, day0: tuple[Lab, Path, Path]) -> None:
    from nornir import InitNornir
    from nornir_napalm.plugins.tasks import napalm_get

    lab, _, inventory = day0
    nr = InitNornir(
        runner={"plugin": "threaded", "options": {"num_workers": 6}},
        logging={"enabled": False},
        inventory={
            "plugin": "RunbookInventory",
            "options": {"intents": lab.record.intents, "inventory_dir": str(inventory), "environ": {}},
        },
    )
    results = nr.run(task=napalm_get, getters=["facts"])
    assert not results.failed, {h: str(r.exception) for h, r in results.items() if r.failed}
    for site in lab.sites:
        assert results[site][0].result["facts"]["hostname"] == site


def test_lab_is_sealed_from_the_machine(require_lab: None, day0: tuple[Lab, Path, Path]) -> None:
    lab, _, _ = day0
    netns = lab.netns("nyc-041")
    bridge_ip = lab.topology.bridge_address.split("/")[0]
    host_ip = subprocess.run(["ip", "-j", "-4", "route", "get", "1.1.1.1"], capture_output=True, text=True, check=True)
    real = json.loads(host_ip.stdout)[0].get("prefsrc")
    # Even a site that routes towards the machine gets nowhere: no new flows in, nothing forwarded.
    subprocess.run(["ip", "-n", netns, "route", "add", "default", "via", bridge_ip], check=True)
    try:
        for target in (bridge_ip, real):
            if target is None:
                continue
            ping = subprocess.run(
                ["ip", "netns", "exec", netns, "ping", "-c", "2", "-i", "0.2", "-W", "1", target],
                capture_output=True,
                text=True,
                check=False,
            )
            assert ping.returncode != 0, f"lab reached {target}"
    finally:
        subprocess.run(["ip", "-n", netns, "route", "del", "default"], check=False)
    # ...while the machine still reaches the lab (SSH to the management address).
    assert probes.ssh_open(lab.management_address("nyc-041"))


def test_fault_commands_reject_unknown_circuits(
    require_lab: None, day0: tuple[Lab, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, state, _ = day0
    assert run_cli(state, "lab", "fail", "chi-021", "wan9") == ExitCode.ERROR
    assert "has no circuit 'wan9'" in capsys.readouterr().err
    assert run_cli(state, "lab", "fail", "nope-999", "wan1") == ExitCode.ERROR
    assert "not in the lab" in capsys.readouterr().err


def test_down_removes_everything(require_lab: None, day0: tuple[Lab, Path, Path]) -> None:
    lab, state, inventory = day0
    namespaces = lab.topology.all_netns()
    pids = [p for ns in namespaces for p in device.netns_pids(ns)]
    assert len(pids) > 6 * 6  # FRR, watchfrr and sshd of six sites, plus providers and the relay
    assert run_cli(state, "lab", "down") == ExitCode.OK
    assert not set(namespaces) & set(probes.netns_list())
    assert not any((FRR_ETC / ns).exists() or (FRR_RUN / ns).exists() for ns in namespaces)
    assert not probes.root_link_exists(lab.topology.bridge)
    assert not any(probes.root_link_exists(s.mgmt_port) for s in lab.topology.sites.values())
    nft = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, check=True).stdout
    assert lab.topology.nft_table not in nft
    assert not (inventory / "hosts.yaml").exists()
    assert not any(probes.pid_alive(p) for p in pids)
    assert run_cli(state, "lab", "status") == ExitCode.ERROR  # no lab any more


def test_stale_leftovers_of_a_crashed_run_are_cleaned(require_lab: None, clean_prefix: None, tmp_path: Path) -> None:
    # A crashed run of prefix rbts: a namespace with a process in it, FRR folders, a bridge, nft.
    subprocess.run(["ip", "netns", "add", f"{SCRATCH}-crashed"], check=True)
    sleeper = subprocess.Popen(["ip", "netns", "exec", f"{SCRATCH}-crashed", "sleep", "300"])
    for folder in (FRR_ETC / f"{SCRATCH}-crashed", FRR_RUN / f"{SCRATCH}-crashed"):
        folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ip", "link", "add", f"{SCRATCH}-mgmt", "type", "bridge"], check=True)
    subprocess.run(["nft", "add", "table", "inet", f"{SCRATCH}_lab"], check=True)
    try:
        assert run_cli(tmp_path, "lab", "down", "--prefix", SCRATCH) == ExitCode.OK
        assert sleeper.wait(timeout=10) is not None
        assert f"{SCRATCH}-crashed" not in probes.netns_list()
        assert not (FRR_ETC / f"{SCRATCH}-crashed").exists() and not (FRR_RUN / f"{SCRATCH}-crashed").exists()
        assert not probes.root_link_exists(f"{SCRATCH}-mgmt")
        nft = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, check=True).stdout
        assert f"{SCRATCH}_lab" not in nft
    finally:
        sleeper.kill()
