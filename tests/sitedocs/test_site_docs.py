"""Golden tests of the generated site documentation (`runbook.py docs`), and its escaping.

Goldens: ``docs/sites/`` is the example estate's documentation, committed like ``configs/``;
``tests/sitedocs/golden/multivendor/`` the 6-site multi-vendor estate's. To regenerate after an
intended change::

    python3 runbook.py docs
    python3 runbook.py docs --intents examples/multivendor/intents --out tests/sitedocs/golden/multivendor

and REVIEW THE GIT DIFF: every changed line is a change to what operators read about their sites.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from runbook_wan import cli as runbook
from runbook_wan.model.loader import load_estate
from runbook_wan.sitedocs.writer import estate_pages

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"


def _docs(intents: Path, out: Path) -> dict[str, str]:
    assert runbook.main(["--no-color", "docs", "--intents", str(intents), "--out", str(out)]) == 0
    return {p.name: p.read_text() for p in sorted(out.glob("*.md"))}


def _golden(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*.md"))}


@pytest.mark.parametrize(
    ("intents", "golden"),
    [
        (REPO / "intents", REPO / "docs" / "sites"),
        (REPO / "examples" / "multivendor" / "intents", GOLDEN / "multivendor"),
    ],
    ids=["example-estate", "multivendor"],
)
def test_generated_docs_equal_the_golden_pages(intents: Path, golden: Path, tmp_path: Path) -> None:
    produced = _docs(intents, tmp_path / "sites")
    expected = _golden(golden)
    assert sorted(produced) == sorted(expected), "pages added or removed: regenerate and review (module docstring)"
    stale = [name for name in expected if produced[name] != expected[name]]
    assert stale == [], f"stale pages (regenerate and review the diff): {stale[:5]}"


def test_site_page_says_what_an_operator_needs(tmp_path: Path) -> None:
    page = _docs(REPO / "intents", tmp_path / "sites")["chi-021.md"]
    assert page.startswith("# chi-021: Chicago, IL store \\#21")
    assert "| primary DIA | FibreLink Business (AS 64501) | fiber | `FL-CHI-021-00021` | 1000 Mb/s |" in page
    assert (
        "| `100.64.0.86` | primary DIA | 64501 | `RM-PRIMARY-IN` / `RM-PRIMARY-OUT` | yes | secret `bgp-fibrelink` |"
        in page
    )
    assert (
        "| `saas` | SaaS applications (office suite, CRM) | to `203.0.113.0/25` "
        "| secondary DIA → primary DIA → tertiary wireless | 250 ms / 60 ms / 3 % |" in page
    )
    assert "secondary DIA → primary DIA (never tertiary wireless)" in page  # guardrail shown
    assert "`runbook_circuit_up{site, circuit}` | `CircuitDown`" in page
    assert "## Who is alerted" in page
    assert "| `SiteDown` | the whole site | `sms` to noc; `chat` | after 5 min unacknowledged: `voice` to noc |" in page
    assert "| `CircuitDown` | primary DIA (fibrelink) | `chat` to noc; `email` to noc | – |" in page


def test_stale_pages_are_removed_and_unchanged_ones_left_alone(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(REPO / "intents", intents)
    out = tmp_path / "sites"
    _docs(intents, out)
    (intents / "sites" / "sea-001.yaml").unlink()
    before = (out / "chi-021.md").stat().st_mtime_ns
    pages = _docs(intents, out)
    assert "sea-001.md" not in pages and "chi-021.md" in pages
    assert (out / "chi-021.md").stat().st_mtime_ns == before


HOSTILE_NAME = "Evil | store `x` <script>alert(1)</script> @everyone [click](javascript:alert(1)) </details>"


def test_hostile_intent_strings_are_refused_before_any_page_is_written(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(REPO / "intents", intents)
    site = intents / "sites" / "chi-021.yaml"
    site.write_text(site.read_text().replace('name: "Chicago, IL store #21"', f"name: {HOSTILE_NAME!r}"))
    assert runbook.main(["--no-color", "docs", "--intents", str(intents), "--out", str(tmp_path / "sites")]) == 1
    assert not (tmp_path / "sites").exists()


def test_intent_strings_cannot_break_a_page(tmp_path: Path) -> None:
    """Defence in depth: hostile strings that got past the model (built here by hand, skipping its
    validation) still cannot break a page."""
    estate, _ = load_estate(REPO / "intents")
    chi = estate.sites["chi-021"]
    segments = [
        seg.model_copy(update={"description": "phones\n| injected | row |\n```"}) if seg.name == "voice" else seg
        for seg in chi.lan_segments
    ]
    estate.sites["chi-021"] = chi.model_copy(update={"name": HOSTILE_NAME, "lan_segments": segments})
    pages = estate_pages(estate).files
    for name in ("chi-021.md", "README.md"):
        page = pages[name]
        assert "<script>" not in page and "</details>" not in page
        assert "@everyone" not in page  # no mention that pings a whole organisation
        assert not re.search(r"(?<!\\)\]\(javascript:", page)  # no live link
        assert "\n| injected | row |" not in page and "\n```" not in page
        assert all(len(re.split(r"(?<!\\)\|", line)) >= 3 for line in page.splitlines() if line.startswith("|"))
    # the LAN table keeps its five columns although the description holds a pipe, a newline and a fence
    rows = [line for line in pages["chi-021.md"].splitlines() if line.startswith("| `voice` | 20 |")]
    assert len(rows) == 1 and len(re.split(r"(?<!\\)\|", rows[0])) == 7, rows


def test_site_pages_describe_sla_steering_as_each_platform_does_it(tmp_path: Path) -> None:
    """FRR: the agent's thresholds, order and hysteresis, from the intents; IOS-XE: latency only; EOS: none.
    No page claims live state, and none says a class simply takes the first circuit that is up where SLAs steer."""
    frr = _docs(REPO / "intents", tmp_path / "frr")["chi-021.md"]
    assert "Each class takes the first circuit of its path that is up" not in frr
    assert "2 windows in a row miss it" in frr and "only 60 s after that circuit is clear" in frr
    assert "the least bad one: the most SLA criteria met, then the lowest loss" in frr
    assert "SLA criteria enforced here: latency, jitter, loss." in frr and "`configs/chi-021.agent.json`" in frr
    assert "cannot hold: `runbook.py status`" in frr
    multi = _docs(REPO / "examples" / "multivendor" / "intents", tmp_path / "mv")
    assert "SLA criteria enforced here: latency. Jitter and loss are not" in multi["sfo-103.md"]  # IOS-XE
    assert "A breach must last 20 s before a class leaves the circuit" in multi["sfo-103.md"]
    assert "SLA criteria enforced here: none" in multi["pdx-102.md"]  # EOS
    assert "Connectivity Monitor" in multi["pdx-102.md"]
    # the page follows the intents: a longer hold time in estate.steering is what the page says
    intents = tmp_path / "intents"
    shutil.copytree(REPO / "intents", intents)
    defaults = intents / "defaults.yaml"
    defaults.write_text(
        defaults.read_text().replace("\nsite_defaults:", "  steering:\n    hold_s: 90\n\nsite_defaults:", 1)
    )
    assert "only 90 s after that circuit is clear" in _docs(intents, tmp_path / "held")["chi-021.md"]
