"""Parsers of the FRR driver on RECORDED output (captured from FRR 8.4.4 / iputils on the lab box).

These cover shapes the live box does not produce on demand: frr-reload's quirks, ping errors,
BGP with no peers, uptime formats, secrets of protocols the lab does not run.
"""

from __future__ import annotations

from datetime import UTC

import pytest

from napalm_frr.parsers.bgp import bgp_neighbors
from napalm_frr.parsers.common import duration_seconds, json_documents
from napalm_frr.parsers.interfaces import interfaces, utc_offset
from napalm_frr.parsers.ping import ping_result
from napalm_frr.reload_diff import format_reload_diff
from napalm_frr.sanitize import sanitize_config

# frr-reload.py --test for a candidate that drops most of the config: deletions in "no" form,
# a negated default ("ipv6 forwarding" = remove "no ipv6 forwarding"), a static-route deletion
# printed in the add section, nested address-family context, a trailing space.
RECORDED_RELOAD_TEST = """
Lines To Delete
===============
no hostname rbd-xdut
ipv6 forwarding
interface lan0
 no description LAN side
interface lan0
 no ip address 10.254.1.1/24
router bgp 65101
 address-family ipv4 unicast
  no network 10.254.1.0/24\x20
router bgp 65101
 bgp ebgp-requires-policy
router bgp 65101
 no neighbor 100.127.0.2 timers 3 9

Lines To Add
============
no ip route 10.254.99.0/24 Null0
router bgp 65101
 neighbor 100.127.0.2 timers 5 15
"""

RECORDED_CANDIDATE = """router bgp 65101
 neighbor 100.127.0.2 remote-as 65001
 neighbor 100.127.0.2 timers 5 15
"""


def test_recorded_reload_output_becomes_a_grouped_unified_diff() -> None:
    assert format_reload_diff(RECORDED_RELOAD_TEST, RECORDED_CANDIDATE).splitlines() == [
        "-hostname rbd-xdut",
        "-no ipv6 forwarding",
        "-ip route 10.254.99.0/24 Null0",
        " interface lan0",
        "- description LAN side",
        "- ip address 10.254.1.1/24",
        " router bgp 65101",
        "- no bgp ebgp-requires-policy",
        "- neighbor 100.127.0.2 timers 3 9",
        "+ neighbor 100.127.0.2 timers 5 15",
        "  address-family ipv4 unicast",
        "-  network 10.254.1.0/24",
    ]


def test_recorded_no_line_that_the_candidate_asks_for_stays_an_addition() -> None:
    output = "\nLines To Add\n============\nrouter bgp 65101\n no bgp default ipv4-unicast\n"
    candidate = "router bgp 65101\n no bgp default ipv4-unicast\n"
    assert format_reload_diff(output, candidate) == " router bgp 65101\n+ no bgp default ipv4-unicast"


def test_recorded_empty_reload_output_is_no_diff() -> None:
    assert format_reload_diff("", "anything") == ""


def test_recorded_bgp_summary_without_peers_gives_no_neighbors() -> None:
    assert bgp_neighbors({}, {}) == {}
    assert bgp_neighbors({"default": {}}, {"default": {"vrfId": 0, "vrfName": "default"}}) == {}


def test_recorded_admin_down_peer_is_disabled_and_down() -> None:
    neighbors = {
        "default": {
            "vrfId": 0,
            "vrfName": "default",
            "100.127.0.1": {
                "remoteAs": 65101,
                "localAs": 65001,
                "remoteRouterId": "0.0.0.0",
                "localRouterId": "198.51.100.1",
                "bgpState": "Idle",
                "adminShutDown": True,
                "lastResetTimerMsecs": 1000,
                "addressFamilyInfo": {"ipv4Unicast": {"acceptedPrefixCounter": 0, "sentPrefixCounter": 0}},
            },
        }
    }
    peer = bgp_neighbors({}, neighbors)["global"]["peers"]["100.127.0.1"]
    assert (peer["is_up"], peer["is_enabled"], peer["uptime"]) == (False, False, 0)
    assert peer["address_family"]["ipv4"] == {"received_prefixes": 0, "accepted_prefixes": 0, "sent_prefixes": 0}


RECORDED_PING_OK = """PING 198.51.100.1 (198.51.100.1) from 10.254.1.1 : 100(128) bytes of data.
108 bytes from 198.51.100.1: icmp_seq=1 ttl=64 time=0.207 ms
108 bytes from 198.51.100.1: icmp_seq=2 ttl=64 time=0.053 ms

--- 198.51.100.1 ping statistics ---
2 packets transmitted, 2 received, 0% packet loss, time 201ms
rtt min/avg/max/mdev = 0.053/0.130/0.207/0.077 ms
"""

RECORDED_PING_UNREACHABLE = """PING 203.0.113.77 (203.0.113.77) from 10.254.1.1 : 56(84) bytes of data.
From 100.127.254.2 icmp_seq=1 Destination Net Unreachable
From 100.127.254.2 icmp_seq=2 Destination Net Unreachable

--- 203.0.113.77 ping statistics ---
2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1025ms
"""


def test_recorded_ping_success() -> None:
    result = ping_result(RECORDED_PING_OK)["success"]
    assert (result["probes_sent"], result["packet_loss"]) == (2, 0)
    assert (result["rtt_min"], result["rtt_avg"], result["rtt_max"]) == (0.053, 0.130, 0.207)
    assert result["results"] == [
        {"ip_address": "198.51.100.1", "rtt": 0.207},
        {"ip_address": "198.51.100.1", "rtt": 0.053},
    ]


def test_recorded_ping_without_answer_is_success_with_full_loss() -> None:
    result = ping_result(RECORDED_PING_UNREACHABLE)["success"]
    assert (result["probes_sent"], result["packet_loss"], result["results"]) == (2, 2, [])


@pytest.mark.parametrize(
    "output",
    [
        "ping: connect: Network is unreachable\n",
        "ping: bind icmp socket: Cannot assign requested address\n",
        "ping: nosuchhost: Name or service not known\n",
    ],
)
def test_recorded_ping_that_cannot_run_is_an_error(output: str) -> None:
    assert ping_result(output) == {"error": output.strip()}


def test_sanitize_masks_every_known_secret_and_keeps_the_rest() -> None:
    config = """password zebra-secret
enable password enable-secret
router bgp 65101
 neighbor 192.0.2.1 password bgp-secret
 neighbor 192.0.2.1 description keeps-this
interface wan0
 ip ospf authentication-key ospf-secret
 ip ospf message-digest-key 1 md5 md5-secret
 isis password md5 isis-secret
key chain K
 key 1
  key-string chain-secret
"""
    cleaned = sanitize_config(config)
    assert "secret" not in cleaned
    assert cleaned.count("<removed>") == 7
    assert "neighbor 192.0.2.1 description keeps-this" in cleaned
    assert " neighbor 192.0.2.1 password <removed>" in cleaned


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:01:27", 87),
        ("1d02h03m", 93780),
        ("01w2d03h", 788400),
        ("never", 0),
        ("", 0),
    ],
)
def test_recorded_frr_uptime_formats(text: str, seconds: int) -> None:
    assert duration_seconds(text) == seconds


def test_recorded_vtysh_prints_one_json_document_per_command() -> None:
    assert json_documents('{\n"a":1\n}\n{\n}\n') == [{"a": 1}, {}]


def test_recorded_interface_flap_time_uses_the_device_timezone() -> None:
    data = {
        "lan0": {
            "administrativeStatus": "up",
            "operationalStatus": "down",
            "mtu": 1500,
            "speed": 10000,
            "hardwareAddress": "b2:a4:62:78:bc:ae",
            "lastLinkUp": "2026/11/21 05:18:52.32",
            "lastLinkDown": "2026/11/21 06:18:52.32",
        }
    }
    in_utc = interfaces(data, UTC)["lan0"]
    in_cet = interfaces(data, utc_offset("+0100"))["lan0"]
    assert in_utc["last_flapped"] - in_cet["last_flapped"] == 3600
    assert (in_utc["is_up"], in_utc["is_enabled"], in_utc["speed"]) == (False, True, 10000.0)
    assert in_utc["mac_address"] == "B2:A4:62:78:BC:AE"


def test_ping_until_reply_command_probes_until_a_deadline() -> None:
    from napalm_frr.getters import ping_command

    napalm_style = ping_command("192.0.2.1", "10.1.1.1", 255, 1, 100, 5, "", "", 0.2)
    assert "-w" not in napalm_style.split() and napalm_style.startswith("exec ping ")
    until_reply = ping_command("192.0.2.1", "10.1.1.1", 255, 1, 100, 1, "", "", 0.2, deadline=3)
    assert until_reply == "exec ping -n -c 1 -W 1 -s 100 -t 255 -i 0.2 -w 3 -I 10.1.1.1 192.0.2.1 2>&1"
