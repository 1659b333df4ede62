"""Seal the lab off from the machine: nft in the root namespace drops everything the lab's
management bridge would forward, and every connection the lab opens towards the machine.

Connections from the machine to the lab (SSH to devices) and their replies still pass. Lab
traffic never reaches this machine's real interfaces: sites' routes point at lab providers,
and the one link into the root namespace (the bridge) neither forwards nor accepts new flows.
"""

from __future__ import annotations

from runbook_wan.lab import shell
from runbook_wan.lab.topology import Topology

PRIORITY = "filter - 10"


def ruleset(topo: Topology) -> str:
    br = topo.bridge
    return (
        "\n".join(
            [
                f"table inet {topo.nft_table} {{",
                "  chain forward {",
                f"    type filter hook forward priority {PRIORITY}; policy accept;",
                f'    iifname "{br}" counter drop comment "lab traffic never leaves via the machine"',
                f'    oifname "{br}" counter drop comment "nothing is routed into the lab"',
                "  }",
                "  chain input {",
                f"    type filter hook input priority {PRIORITY}; policy accept;",
                f'    iifname "{br}" ct state established,related accept',
                f'    iifname "{br}" counter drop comment "the lab opens no connections to the machine"',
                "  }",
                "}",
            ]
        )
        + "\n"
    )


def apply(topo: Topology) -> None:
    remove(topo.nft_table)
    shell.run(["nft", "-f", "-"], input_text=ruleset(topo))


def exists(table: str) -> bool:
    return shell.run(["nft", "list", "table", "inet", table], check=False).returncode == 0


def remove(table: str) -> None:
    if exists(table):
        shell.run(["nft", "delete", "table", "inet", table])
