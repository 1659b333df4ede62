"""Realistic odd values never produce a traceback (issue 11, class 2), and a catch-all class is legal.

Each mutation edits one value of the small test estate to something a person could write; every
command must end with a diagnostic (exit 1) or succeed (0, or 2 for plan's "changes"), never with
an exception.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

from runbook_wan import cli as runbook

BASE = Path(__file__).resolve().parents[2] / "tests" / "errors" / "_base"

#: (file, pattern, replacement): one odd value each.
MUTATIONS = [
    ("intents/sites/tst-001.yaml", r"10\.1\.10\.1/24", "10.1.10.1/0"),
    ("intents/sites/tst-001.yaml", r"10\.1\.10\.1/24", "10.1.10.1/32"),
    ("intents/sites/tst-001.yaml", r"100\.64\.0\.1/30", "100.64.0.1/0"),
    ("intents/sites/tst-001.yaml", r"100\.64\.0\.1/30", "100.64.0.1/32"),
    ("intents/sites/tst-001.yaml", r"loopback: 10\.255\.0\.1/32", "loopback: 255.255.255.255/32"),
    ("intents/sites/tst-001.yaml", r"loopback: 10\.255\.0\.1/32", "loopback: 10.255.0.1/0"),
    ("intents/sites/tst-001.yaml", r"vlan: 10", "vlan: 0"),
    ("intents/sites/tst-001.yaml", r"vlan: 10", "vlan: [10]"),
    ("intents/sites/tst-001.yaml", r"asn: 65001", "asn: 0"),
    ("intents/sites/tst-001.yaml", r"asn: 65001", "asn: 4294967296"),
    ("intents/sites/tst-001.yaml", r"asn: 65001", "asn: 65001.5"),
    ("intents/sites/tst-001.yaml", r"bandwidth_mbps: 1000", "bandwidth_mbps: .inf"),
    ("intents/sites/tst-001.yaml", r"bandwidth_mbps: 1000", "bandwidth_mbps: -1"),
    ("intents/sites/tst-001.yaml", r"^lan_segments:", "lan_segments: []\nx_old:"),
    ("intents/sites/tst-001.yaml", r"^site: tst-001", "site: ~"),
    ("intents/sites/tst-001.yaml", r"^site: tst-001", "site: 1001"),
    ("intents/sites/tst-001.yaml", r"^name: .*", "name: ''"),
    ("intents/sites/tst-001.yaml", r"^name: .*", "name: {a: 1}"),
    ("intents/policies/retail-standard.yaml", r"203\.0\.113\.0/25", "0.0.0.0/0"),
    ("intents/policies/retail-standard.yaml", r"203\.0\.113\.0/25", "10.2.10.0/24"),
    ("intents/policies/retail-standard.yaml", r"loss_pct: 1\b", "loss_pct: 1000"),
    ("intents/policies/retail-standard.yaml", r"dscp: \[ef\]", "dscp: [64]"),
    ("intents/defaults.yaml", r"management_network: 198\.18\.0\.0/22", "management_network: 0.0.0.0/0"),
    ("intents/defaults.yaml", r"management_network: 198\.18\.0\.0/22", "management_network: 198.18.0.0/32"),
    ("intents/defaults.yaml", r"keepalive: 3", "keepalive: 0"),
    ("intents/defaults.yaml", r"interval_ms: 500", "interval_ms: 1e9"),
    ("intents/providers/fibrelink.yaml", r"address_block: 100\.64\.0\.0/16", "address_block: 0.0.0.0/0"),
    ("intents/providers/fibrelink.yaml", r"^asn: 64501", "asn: 65001"),
]


def _run(workdir: Path, command: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["--no-color", "--state", ".runbook", command, "--intents", "intents", "--configs", "configs"]
    with contextlib.chdir(workdir), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = runbook.main(argv)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    ("file", "pattern", "replacement"), MUTATIONS, ids=[f"{Path(f).stem}:{r}" for f, _, r in MUTATIONS]
)
def test_an_odd_value_gives_a_diagnostic_or_a_result_never_a_traceback(
    file: str, pattern: str, replacement: str, tmp_path: Path
) -> None:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    path = tmp_path / file
    text, count = re.subn(pattern, replacement, path.read_text(), count=1, flags=re.MULTILINE)
    assert count == 1
    path.write_text(text)
    for command in ("validate", "plan"):
        code, output = _run(tmp_path, command)
        assert "Traceback" not in output, output[-2000:]
        assert code in (0, 1, 2), (command, code, output[-2000:])
        if code == 1:
            assert re.search(r"^error[: ]", output, re.MULTILINE), output[-2000:]


def test_a_catch_all_class_on_0_0_0_0_slash_0_is_legal(tmp_path: Path) -> None:
    """The site's own prefixes stay local before any class rule, so 0/0 only catches the rest."""
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    policy = tmp_path / "intents/policies/retail-standard.yaml"
    policy.write_text(policy.read_text().replace("203.0.113.0/25", "0.0.0.0/0"))
    code, output = _run(tmp_path, "validate")
    assert "R017" not in output
    assert code == 0, output
