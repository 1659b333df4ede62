"""``lab impair --spread``: the loss table on a real link between two namespaces, real pings.

Even loss must drop exactly its share of every run of echo requests (so a window of the agent's
probes holds the same losses every run) and read back as what was set; random loss drops about
its share. No FRR: two namespaces and a veth named like a provider's interface.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.lab.impair import Spread, _loss_ruleset, loss_of, table
from runbook_wan.lab.topology import CircuitLink, build_topology
from runbook_wan.model.loader import load_estate
from runbook_wan.selection.limit import select_sites

pytestmark = pytest.mark.lab
EXAMPLE_INTENTS = Path(__file__).resolve().parents[2] / "intents"
TAG = f"rbtsp{os.getpid() % 100000}"


@dataclass(frozen=True)
class Link:
    circuit: CircuitLink
    site_ns: str
    provider_ns: str


def _run(*argv: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, input=input_text, capture_output=True, text=True, check=True, timeout=60)


@pytest.fixture(scope="module")
def link() -> Iterator[Link]:
    estate, _ = load_estate(EXAMPLE_INTENTS)
    facts, _ = build_estate_facts(estate, select_sites(estate, "chi-021"))
    circuit = build_topology(estate, facts, "rbx", "198.19.250.0/24", frozenset(), None).sites["chi-021"]
    primary = circuit.circuit("primary_dia")
    assert primary is not None
    site_ns, provider_ns = f"{TAG}-s", f"{TAG}-p"
    try:
        for ns in (site_ns, provider_ns):
            _run("ip", "netns", "add", ns)
            _run("ip", "-n", ns, "link", "set", "lo", "up")
        # The provider's end carries the provider interface's name, which the impairment matches; both
        # ends are made in their namespaces (never in the host's, where another lab may hold the name)
        _run("ip", "-n", site_ns, "link", "add", f"{TAG}a", "type", "veth", "peer", "name", primary.provider_if,
             "netns", provider_ns)  # fmt: skip
        _run("ip", "-n", site_ns, "addr", "add", "192.0.2.1/30", "dev", f"{TAG}a")
        _run("ip", "-n", provider_ns, "addr", "add", "192.0.2.2/30", "dev", primary.provider_if)
        _run("ip", "-n", site_ns, "link", "set", f"{TAG}a", "up")
        _run("ip", "-n", provider_ns, "link", "set", primary.provider_if, "up")
        yield Link(primary, site_ns, provider_ns)
    finally:
        for ns in (site_ns, provider_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


def _impair(link: Link, loss_pct: float, spread: Spread) -> str:
    """Set the loss table; the ruleset as ``nft list`` prints it back."""
    nft = ("ip", "netns", "exec", link.provider_ns, "nft")
    _run(*nft, "-f", "-", input_text=_loss_ruleset(link.circuit, loss_pct, spread))
    return _run(*nft, "list", "table", "inet", table(link.circuit)).stdout


def _lost(link: Link, count: int) -> list[int]:
    """The sequence numbers of the echoes that got no reply (fping, one every 10 ms)."""
    done = subprocess.run(
        ["ip", "netns", "exec", link.site_ns, "fping", "-C", str(count), "-p", "10", "-t", "500", "-q", "192.0.2.2"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    found = re.search(r"192\.0\.2\.2\s*:\s*(.*)", done.stderr)
    assert found, done.stderr
    return [n for n, rtt in enumerate(found.group(1).split()) if rtt == "-"]


def test_even_loss_drops_one_echo_in_twenty_and_reads_back(link: Link) -> None:
    listed = _impair(link, 5, "even")
    assert loss_of(listed) == (5.0, "even")
    lost = _lost(link, 200)
    assert len(lost) == 10, f"5 % even of 200 echoes: {lost}"
    assert {b - a for a, b in pairwise(lost)} == {20}, f"not evenly spaced: {lost}"


def test_even_loss_of_three_in_eight_spreads_over_every_run(link: Link) -> None:
    listed = _impair(link, 37.5, "even")
    assert loss_of(listed) == (37.5, "even")
    lost = _lost(link, 160)
    assert len(lost) == 60
    for start in range(160 - 8):  # every run of 8 echoes loses 3, wherever it starts
        assert sum(1 for n in lost if start <= n < start + 8) == 3, (start, lost)


def test_random_loss_reads_back_and_drops_about_its_share(link: Link) -> None:
    listed = _impair(link, 20, "random")
    assert loss_of(listed) == (20.0, "random")
    lost = _lost(link, 400)
    assert 40 <= len(lost) <= 130, f"20 % random of 400: {len(lost)} lost (p < 1e-6 outside)"
