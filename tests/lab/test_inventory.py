"""The Nornir inventory: hosts from the intents, addresses from hosts.yaml, options as data.

No lab needed: hosts.yaml is written here the way `lab up` writes it (see test_lab_lifecycle for
the inventory of a running lab).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from nornir import InitNornir
from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions

from runbook_wan.inventory.hosts_file import HostEntry, HostsFile, SshPaths, write_hosts_file
from runbook_wan.results import DiagnosticError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def inventory_dir(tmp_path: Path) -> Path:
    key = tmp_path / "id_ed25519"
    known = tmp_path / "known_hosts"
    key.write_text("not a real key\n")
    known.write_text("")
    write_hosts_file(
        tmp_path,
        HostsFile(
            written_by="runbook lab rbt",
            ssh=SshPaths(key_file=str(key), known_hosts_file=str(known)),
            hosts={
                "chi-021": HostEntry(hostname="198.18.0.22"),
                "sea-001": HostEntry(hostname="198.18.0.2", port=2222),
            },
        ),
        header="test",
    )
    return tmp_path


def _nornir(inventory_dir: Path, limit: str | None, environ: dict[str, str] | None = None) -> Nornir:
    return InitNornir(
        runner={"plugin": "serial"},
        logging={"enabled": False},
        inventory={
            "plugin": "RunbookInventory",  # found through the entry point declared in pyproject.toml
            "options": {
                "intents": str(REPO / "intents"),
                "inventory_dir": str(inventory_dir),
                "limit": limit,
                "environ": environ or {},
            },
        },
    )


def _extras(params: ConnectionOptions) -> dict[str, Any]:
    assert params.extras is not None
    return params.extras


def test_hosts_come_from_the_intents_with_addresses_groups_and_data(inventory_dir: Path) -> None:
    nr = _nornir(inventory_dir, "chi-021,sea-001")
    assert sorted(nr.inventory.hosts) == ["chi-021", "sea-001"]
    chi = nr.inventory.hosts["chi-021"]
    assert chi.hostname == "198.18.0.22" and chi.port == 22  # port from defaults.yaml
    assert nr.inventory.hosts["sea-001"].port == 2222
    assert [g.name for g in chi.groups] == ["frr", "region:central", "policy:retail-flagship"]
    assert chi.data["region"] == "central" and chi.data["policy"] == "retail-flagship" and chi.data["asn"] == 65021
    assert chi["managed_by"] == "runbook"  # defaults.yaml data is inherited
    west = nr.filter(filter_func=lambda h: h.has_parent_group("region:west"))
    assert list(west.inventory.hosts) == ["sea-001"]


def test_napalm_options_merge_platform_group_and_lab_key_paths(inventory_dir: Path) -> None:
    params = _nornir(inventory_dir, "chi-021").inventory.hosts["chi-021"].get_connection_parameters("napalm")
    assert params.platform == "frr" and params.username == "root" and params.password is None
    assert _extras(params)["timeout"] == 60
    # no port in optional_args: nornir-napalm then passes each host's own port (hosts.yaml / defaults)
    assert _extras(params)["optional_args"] == {
        "key_file": str(inventory_dir / "id_ed25519"),
        "known_hosts_file": str(inventory_dir / "known_hosts"),
    }


def test_environment_credentials_win_over_lab_paths(inventory_dir: Path, tmp_path: Path) -> None:
    key = tmp_path / "ops_key"
    key.write_text("x\n")
    params = (
        _nornir(inventory_dir, "chi-021", {"RUNBOOK_SSH_USER": "netops", "RUNBOOK_SSH_KEY": str(key)})
        .inventory.hosts["chi-021"]
        .get_connection_parameters("napalm")
    )
    assert params.username == "netops"
    assert _extras(params)["optional_args"]["key_file"] == str(key)
    assert _extras(params)["optional_args"]["known_hosts_file"] == str(inventory_dir / "known_hosts")


def test_a_site_without_a_management_address_is_a_clear_error(inventory_dir: Path) -> None:
    with pytest.raises(DiagnosticError) as err:
        _nornir(inventory_dir, "chi-021,nyc-041,bos-042")
    messages = [d.format() for d in err.value.diagnostics]
    assert len(messages) == 2
    assert all("has no management address" in m and "hosts.yaml" in m and "lab up" in m for m in messages)
    assert {"nyc-041", "bos-042"} == {m.split("site ")[1].split()[0] for m in messages}


def test_a_missing_key_file_is_a_clear_error(inventory_dir: Path) -> None:
    with pytest.raises(DiagnosticError) as err:
        _nornir(inventory_dir, "chi-021", {"RUNBOOK_SSH_KEY": "/nonexistent/key"})
    assert "SSH key /nonexistent/key does not exist" in err.value.diagnostics[0].message


def test_groups_in_the_inventory_folder_override_the_catalog(inventory_dir: Path) -> None:
    (inventory_dir / "groups.yaml").write_text(
        "frr:\n  connection_options:\n    napalm:\n      extras:\n        optional_args: {port: 2022}\n"
        "region:central:\n  connection_options:\n    napalm:\n      extras: {timeout: 120}\n"
    )
    host = _nornir(inventory_dir, "chi-021").inventory.hosts["chi-021"]
    params = host.get_connection_parameters("napalm")
    assert _extras(params)["optional_args"]["port"] == 2022
    assert _extras(params)["timeout"] == 120
    assert params.platform == "frr"  # the driver: platforms/frr.yaml napalm_driver


def test_a_group_may_not_choose_the_napalm_driver(inventory_dir: Path) -> None:
    (inventory_dir / "groups.yaml").write_text("frr:\n  platform: eos\n")
    with pytest.raises(DiagnosticError) as err:
        _nornir(inventory_dir, "chi-021")
    diag = err.value.diagnostics[0]
    assert "sets a NAPALM platform; the driver comes from the platform catalog" in diag.message
    assert "napalm_driver" in diag.hint
