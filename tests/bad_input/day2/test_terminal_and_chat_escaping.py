"""Text from alerts and devices cannot act on a terminal or a chat room (issue 21, class 4).

Before: ``incidents list`` read alert labels and ``--by`` names as rich markup (``[/red]`` crashed
it, ``[link=...]`` became a hyperlink), escape sequences in labels reached the terminal, and chat
messages kept live links and ``@channel``/``@all`` from alert text although docs/notify.md promised
escaped text. Now every console prints strings as written with acting characters shown as U+FFFD,
and chat messages carry the alert's words defanged while the intent's own handles still mention.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from runbook_wan import cli as runbook
from runbook_wan.context import MaskedConsole
from runbook_wan.credentials.redact import Redactor
from runbook_wan.drift.model import DriftResult, DriftStatus
from runbook_wan.drift.output import print_terminal as print_drift
from runbook_wan.notify.channels.chat import ChatWebhook
from runbook_wan.notify.notice import Notice, Recipient
from runbook_wan.ops.incidents import DeliveryKind, IncidentStore
from runbook_wan.ops.stack import incidents_path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notify"))
from notifykit import ChatReceiver  # the notifier tests' chat receiver

INTENTS = Path(__file__).resolve().parents[2] / "errors" / "_base" / "intents"
#: An alert's labels as an attacker who can shape a metric label would write them.
HOSTILE = {
    "alertname": "SiteDown[/red]",
    "site": "tst-001",
    "circuit": "[link=https://evil.example]click[/link]",
    "provider": "\x1b]0;pwned\x07\x1b[2J\x9b31m",
    "region": "\u202eevil",
}
#: What a terminal would act on: every ESC that is not rich's own colour (SGR) sequence, C1 CSI, BEL, bidi.
ACTING = re.compile(r"\x1b(?!\[[0-9;]*m)|[\x07\x9b\u202e]")


def cli(state: Path, *argv: str, color: bool = True) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = runbook.main(["--color" if color else "--no-color", "--state", str(state), *argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("COLUMNS", "400")  # a wide terminal: no cell is folded
    store = IncidentStore(incidents_path(tmp_path))
    incident, _ = store.open_incident("fp-1", HOSTILE["alertname"], HOSTILE, "summary [bold]x\x1b[5m")
    store.acknowledge(incident.id, "[bold red]mallory[/bold red]")
    yield tmp_path


def test_incidents_list_prints_labels_as_written_and_nothing_acts(state: Path) -> None:
    code, out, err = cli(state, "incidents", "list", "--all")
    assert code == 0 and "Traceback" not in err, err
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "SiteDown[/red]" in plain and "[link=https://evil.example]click[/link]" in plain
    assert "[bold red]mallory[/bold red]" in plain
    assert not ACTING.search(out), repr(ACTING.search(out))
    assert "\ufffd]0;pwned" in plain and "\x1b]8;" not in out  # shown, not a window title; no hyperlink


def test_json_output_keeps_the_data_exactly(state: Path) -> None:
    code, out, _err = cli(state, "incidents", "list", "--all", "--format", "json", color=False)
    assert code == 0
    [incident] = json.loads(out)
    assert incident["labels"] == HOSTILE and incident["acknowledged_by"] == "[bold red]mallory[/bold red]"


def test_the_pane_in_a_terminal_shows_an_open_incident_without_acting(state: Path) -> None:
    store = IncidentStore(incidents_path(state))
    store.open_incident("fp-2", "Evil\x1b[2J[/red]", {"site": "tst-002"}, "x")
    code, out, err = cli(state, "status", "--intents", str(INTENTS))
    assert code == 0 and "Traceback" not in err, err
    assert "Evil\ufffd[2J[/red]" in re.sub(r"\x1b\[[0-9;]*m", "", out) and not ACTING.search(out)


def test_a_command_line_value_that_would_act_is_refused_before_it_is_stored(state: Path) -> None:
    for argv in (["incidents", "ack", "inc-x", "--by", "bob\x1b[31m"], ["incidents", "list", "--site", "a\u202eb"]):
        code, _out, err = cli(state, *argv, color=False)
        assert code == 1 and err.startswith("error: runbook.py incidents: argument ") and "[usage]" in err, err


def test_an_intent_value_is_quoted_as_written_not_as_an_emoji_code(state: Path, tmp_path: Path) -> None:
    """rich replaces ``:name:`` codes with emoji in plain text too: ``'central:up:'`` was quoted
    back in the error as ``'central🆙'``, a value the user never wrote."""
    intents = tmp_path / "intents"
    shutil.copytree(INTENTS, intents)
    site = intents / "sites" / "tst-001.yaml"
    site.write_text(site.read_text().replace("region: central", 'region: "central:up:"', 1))
    for color in (True, False):
        code, out, err = cli(state, "validate", "--intents", str(intents), color=color)
        assert code == 1, out + err
        assert "unknown region 'central:up:'" in out + err
        assert "\U0001f199" not in out + err  # 🆙


def test_every_console_print_is_made_printable_device_lines_and_tables_too() -> None:
    buffer = io.StringIO()
    console = MaskedConsole(Console(file=buffer, force_terminal=True, markup=False, width=200), Redactor())
    table = Table(title="t\x1b[2J")
    table.add_column("c")
    table.add_row("[red]cell[/red]\x07", Text("styled\x9b", style="bold"))
    console.print(table)
    console.print("plain [/red] \x1b]52;c;Y29weQ==\x07", Text("text\u202eevil", style="red"))
    print_drift(
        [
            DriftResult(
                "tst-001",
                DriftStatus.DRIFT,
                "2026-12-01T00:00:00Z",
                diff=["+ description \x1b]0;owned\x07"],
                lines_added=1,
            )
        ],
        console,
    )
    shown = buffer.getvalue()
    assert not ACTING.search(shown), repr(ACTING.search(shown))
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    assert "[red]cell[/red]" in plain, plain
    assert "plain [/red]" in plain, plain
    assert "+ description \ufffd]0;owned" in plain, plain  # rich drops the BEL itself


@pytest.fixture
def chat() -> Iterator[ChatReceiver]:
    receiver = ChatReceiver().start()
    yield receiver
    receiver.stop()


def test_a_chat_message_carries_no_mention_and_no_link_from_the_alert(chat: ChatReceiver) -> None:
    notice = Notice(
        kind=DeliveryKind.FIRING,
        incident_id="inc-0a1b2c",
        alertname="SiteDown @channel",
        severity="critical",
        summary="tst-001 down: see [runbook](https://evil.example/login) or http://evil.example, @all @here "
        "<!channel> <https://evil.example|click> www.evil.example",
        labels={"site": "tst-001", "team": "@everyone", "url": "javascript:alert(1)"},
        description="call evil.example now",
    )
    sender = ChatWebhook("chat", kind="mattermost", webhook_url=chat.url)
    attempt = sender.send(notice, Recipient.room("chat", ("@alice", "@bob")))
    assert attempt.ok, attempt.error
    [post] = chat.posts
    text = post["text"]
    for live in ("@channel", "@all", "@here", "@everyone", "<!channel>", "https://", "http://", "javascript:"):
        assert live not in text, (live, text)
    assert "](h" not in text and "evil.example" not in text and "[runbook] (hxxps" in text
    assert "\uff20channel" in text and "hxxps[:]//evil[.]example/login" in text and "www[.]evil[.]example" in text
    assert text.rstrip().endswith("cc: @alice @bob")  # the intent's own handles still mention
    assert "tst-001 down" in text and "inc-0a1b2c" in text  # still readable
