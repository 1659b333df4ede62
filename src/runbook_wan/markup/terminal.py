"""Text for a terminal: nothing printed can move the cursor, recolour, retitle, link or hide text.

Alert labels, incident fields, device output and command-line values reach the operator's
terminal. An escape sequence in them (``ESC [2J``, ``ESC ]8;;url``, ``ESC ]0;title``), a C1
control (``U+009B`` is a one-byte CSI to some terminals), a bidirectional override (``U+202E``
reverses what follows) or a lone surrogate (it cannot be encoded) must show as a visible mark,
not act. :func:`printable` replaces each such character with U+FFFD, one for one, so the styled
spans of a rich ``Text`` keep their places; :func:`sanitize` applies it to what the consoles print.

Rich markup (``[red]``, ``[link=...]``) is the other half: the consoles are created with markup
off, so a string is printed as written unless its caller opts in for text it wrote itself.
"""

from __future__ import annotations

import sys
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

#: Shown in place of a character that would act on the terminal.
REPLACEMENT = "\ufffd"
#: Unicode categories that act instead of showing: controls, format (bidi, zero-width), surrogates, separators.
_ACTING = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _acts(char: str) -> bool:
    return char not in "\n\t" and unicodedata.category(char) in _ACTING


def printable(text: str) -> str:
    """``text`` with every character that acts on a terminal replaced by U+FFFD (same length)."""
    if text.isprintable():
        return text
    return "".join(REPLACEMENT if _acts(char) else char for char in text)


def _text(text: Text) -> Text:
    clean = printable(text.plain)
    if clean != text.plain:
        text = text.copy()
        text.plain = clean  # same length: the spans (styles) stay where they were
    return text


def sanitize(renderable: Any) -> Any:
    """A ``str``, ``Text`` or ``Table`` (its title and cells) safe to print; anything else as it is."""
    if isinstance(renderable, str):
        return printable(renderable)
    # A Text or Table exists only once rich.text is imported (rich.table imports it); `render`
    # imports neither.
    text = sys.modules.get("rich.text")
    if text is None:
        return renderable
    if isinstance(renderable, text.Text):
        return _text(renderable)
    table = sys.modules.get("rich.table")
    if table is not None and isinstance(renderable, table.Table):
        if isinstance(renderable.title, str | text.Text):
            renderable.title = sanitize(renderable.title)
        for column in renderable.columns:
            column._cells = [sanitize(cell) for cell in column._cells]  # rich keeps a column's cells here
    return renderable
