"""The consoles write plain lines without importing rich, and write exactly what rich would.

Importing rich cost a fresh ``render`` 71 M of its 1,700 M fixed instructions; ``render`` prints
only plain lines, so its consoles make no rich Console (``context.MaskedConsole``). These
tests hold the shortcut to rich's own output, and check that ``render`` really leaves rich alone.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from runbook_wan.context import ConsoleMaker, MaskedConsole
from runbook_wan.credentials.redact import Redactor

REPO = Path(__file__).resolve().parents[2]

#: Printable and acting characters, markup and emoji look-alikes, wide and combining characters.
_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("[]/:up:red\n\t \x1b\x07\r\u202e\u00e9\u0301\u4e2d\U0001f600\ufffd#")),
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
    ),
    max_size=40,
)


def _printed(lazy: bool, color: bool | None, objects: list[str], kwargs: dict[str, str | bool]) -> str:
    buffer = io.StringIO()
    maker = ConsoleMaker(buffer, color)
    console = MaskedConsole(maker if lazy else maker(), Redactor())
    console.print(*objects, **kwargs)
    console.print("after", markup=False)
    return buffer.getvalue()


@settings(max_examples=300, deadline=None)
@given(
    objects=st.lists(_TEXT, max_size=3),
    color=st.sampled_from([None, True, False]),
    end=st.sampled_from([None, "", "\n", " | "]),
    sep=st.sampled_from([None, "", ", "]),
    markup=st.sampled_from([None, False]),
)
def test_a_plain_line_is_written_as_rich_writes_it(
    objects: list[str], color: bool | None, end: str | None, sep: str | None, markup: bool | None
) -> None:
    """Generated strings (control characters, tabs, markup, emoji codes, wide characters), to a
    terminal with colour, a terminal without, and a file: the same text, character for character."""
    kwargs: dict[str, str | bool] = {k: v for k, v in (("end", end), ("sep", sep), ("markup", markup)) if v is not None}
    assert _printed(True, color, objects, kwargs) == _printed(False, color, objects, kwargs)


def test_markup_and_styled_text_still_go_through_rich_in_order() -> None:
    buffer = io.StringIO()
    console = MaskedConsole(ConsoleMaker(buffer, True), Redactor())
    console.print("first [red]as written[/red]", markup=False)
    console.print("[red]error[/red]:", end="", markup=True)
    console.print(" second", markup=False)
    text = buffer.getvalue()
    assert text.startswith("first [red]as written[/red]\n"), text
    assert "\x1b[31merror\x1b[0m:" in text, text  # markup the caller asked for is coloured
    assert text.endswith(" second\n"), text


def test_render_does_not_import_rich(tmp_path: Path) -> None:
    """A fresh ``render`` of the example estate prints its summary without loading rich."""
    (tmp_path / "intents").symlink_to(REPO / "intents")
    probe = (
        "import sys; from runbook_wan.cli import main; code = main(['render', '--monitoring', 'mon']);"
        "print('rich loaded' if any(m == 'rich' or m.startswith('rich.') for m in sys.modules) else 'no rich',"
        " file=sys.stderr); sys.exit(code)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, "-c", probe]
    done = subprocess.run(command, check=False, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rendered 80 site(s)" in done.stdout, done.stdout
    assert done.stderr.strip().endswith("no rich"), done.stderr
