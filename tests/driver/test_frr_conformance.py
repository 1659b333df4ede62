"""The shared NAPALM conformance checks (napalm_conformance.py), bound to a real FRR box over SSH."""

from __future__ import annotations

from pathlib import Path

import pytest
from frr_testbox import (
    DUT_LAN,
    INTERNET,
    LAN_PREFIX,
    PEER_WAN,
    FrrTestBox,
)
from napalm.base import NetworkDriver
from napalm_conformance import DriverConformance, PlatformCase

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("require_lab")]


def changed_config(initial: str) -> str:
    """Change a description and BGP timers, drop one static route, add another."""
    return (
        initial.replace(" description LAN users", " description LAN guests")
        .replace(f" neighbor {PEER_WAN} timers 3 9", f" neighbor {PEER_WAN} timers 4 12")
        .replace("ip route 10.254.99.0/24 Null0\n", "ip route 10.254.98.0/24 Null0\n")
    )


def typo_config(initial: str) -> tuple[str, int]:
    """The initial config with the BGP timers line mistyped; FRR must report that line number."""
    lines = initial.splitlines()
    index = lines.index(f" neighbor {PEER_WAN} timers 3 9")
    lines[index] = f" neighbor {PEER_WAN} timers three 9"
    return "\n".join(lines) + "\n", index + 1


@pytest.fixture(scope="module")
def case(frr_box: FrrTestBox) -> PlatformCase:
    return PlatformCase(
        driver_name="frr",
        hostname=frr_box.address,
        username=frr_box.username,
        password=None,
        optional_args=frr_box.optional_args(),
        device_hostname=frr_box.hostname,
        changed_config=changed_config,
        changed_line="ip route 10.254.98.0/24 Null0",
        changed_diff_lines=(
            "-ip route 10.254.99.0/24 Null0",
            "+ip route 10.254.98.0/24 Null0",
            " interface lan0",
            "- description LAN users",
            "+ description LAN guests",
            f"- neighbor {PEER_WAN} timers 3 9",
            f"+ neighbor {PEER_WAN} timers 4 12",
        ),
        typo_config=typo_config,
        merge_config="ip prefix-list NAPALM-MERGE seq 5 permit 10.254.0.0/16\n!\nip route 10.254.97.0/24 Null0\n",
        merge_line="ip route 10.254.97.0/24 Null0",
        merge_diff_lines=("+ip route 10.254.97.0/24 Null0", "+ip prefix-list NAPALM-MERGE seq 5 permit 10.254.0.0/16"),
        merge_typo_config="ip route 10.254.96.0/24 Null0\nrouter bgp 65101\n neighbor 192.0.2.9 remote-as\n",
        merge_typo_line=3,
        interface="lan0",
        interface_description="LAN users",
        interface_address=(DUT_LAN, 24),
        bgp_peer=PEER_WAN,
        bgp_peer_description="upstream-isp",
        route_destination=INTERNET,
        route_prefix=f"{INTERNET}/32",
        route_protocol="bgp",
        longer_prefix="10.254.0.0/16",
        longer_expected=LAN_PREFIX,
        ping_destination=INTERNET,
        ping_source=DUT_LAN,
        ping_unreachable="203.0.113.77",
        cli_command="show version",
        cli_expected="FRRouting",
        cli_json_command="show bgp summary json",
        secret=frr_box.bgp_password,
        revert_in=4,
        # the checkout's driver, not whatever napalm_frr is pip-installed
        python_path=(str(REPO / "napalm_frr" / "src"), str(REPO)),
    )


@pytest.fixture(scope="module")
def driver(frr_driver: NetworkDriver) -> NetworkDriver:
    return frr_driver


class TestFrrConformance(DriverConformance):
    """Every shared check, against FRR 8.4 in a network namespace reached over SSH."""
