"""Put untrusted text (intent strings, config lines) into GitHub-flavoured Markdown safely.

An intent string may hold anything YAML allows: ``|`` (breaks a table), backticks (close a code
span), ``<script>`` or ``</details>`` (HTML), ``@team`` (a GitHub mention that pings people),
``[x](javascript:...)`` (a link), newlines (a new block). Every helper here neutralises these;
generated pages and reports call them for every value that comes from the intents.
"""

from __future__ import annotations

import html
import re

# Markdown punctuation that can start or end inline markup; escaped with a backslash.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")
_BACKTICKS = re.compile(r"`+")


def one_line(value: object) -> str:
    """Any value as one line: newlines and runs of blanks become one space."""
    return " ".join(str(value).split())


def text(value: object) -> str:
    """Plain text inside Markdown (paragraphs, table cells): no markup, no HTML, no mentions."""
    escaped = html.escape(one_line(value), quote=False)
    escaped = _MD_SPECIAL.sub(r"\\\1", escaped)
    return escaped.replace("@", "&#64;")


def code(value: object, *, in_table: bool = False) -> str:
    """An inline code span that holds any text, backticks included."""
    body = one_line(value)
    longest = max((len(m) for m in _BACKTICKS.findall(body)), default=0)
    ticks = "`" * (longest + 1)
    if body.startswith("`") or body.endswith("`") or not body:
        body = f" {body} "
    if in_table:
        body = body.replace("|", "\\|")
    return f"{ticks}{body}{ticks}"


def fenced(lines: list[str], lang: str = "") -> list[str]:
    """A fenced code block that no line inside can close."""
    longest = max((len(m) for line in lines for m in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", *lines, fence]


def html_text(value: object) -> str:
    """Text inside an HTML element (``<summary>``): escaped, one line, no mentions."""
    return html.escape(one_line(value)).replace("@", "&#64;")


def anchor(value: object) -> str:
    """A safe file or anchor name part: lowercase letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") or "x"
