"""Alert text in a chat message: it may say anything, but it cannot ping a room or carry a link.

Alert labels and annotations come from metrics and rules, so from anyone who can shape a label
value. In Slack, Mattermost and Teams a word such as ``@channel``, ``@all`` or ``@here`` pages a
whole room, ``<!channel>`` and ``<@U123>`` are Slack's mention syntax, ``[text](url)`` and bare
URLs become links (phishing that looks like the NOC's own message). :func:`text` neutralises all of
them for every service at once and keeps the text readable:

* ``@`` before a word becomes the fullwidth ``＠`` (it reads the same, it mentions nobody);
* ``<`` and ``>`` become ``‹`` and ``›`` (no Slack ``<...>`` syntax, no HTML);
* links are defanged the way incident responders write them: ``hxxps[:]//evil[.]example`` and
  ``www[.]``; a bare domain keeps a visible ``[.]`` before its top-level domain;
* Markdown's ``[text](url)`` gets a space, ``[text] (url)``, which Markdown does not read as a link.

Only the alert's own text goes through it; the contacts' handles that Runbook adds on purpose
(``chat: "@alice"`` in notifications.yaml) stay mentions.
"""

from __future__ import annotations

import re

_MENTION = re.compile(r"@(?=\w)")
_SCHEME = re.compile(r"(?i)\b(https?|ftps?|file|mailto|javascript|data|vbscript|slack|tel|sms)\s*:")
_WWW = re.compile(r"(?i)\bwww\.")
#: A host name: labels, then a dot and an alphabetic top-level domain (not 10.1.2.3, not v1.5).
_DOMAIN = re.compile(r"(?i)\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+)([a-z]{2,24})\b")


def _defang_scheme(found: re.Match[str]) -> str:
    scheme = found.group(1)
    return ("hxxp" + scheme[4:] if scheme.lower().startswith("http") else scheme) + "[:]"


def _defang_domain(found: re.Match[str]) -> str:
    labels = found.group(1)
    return f"{labels[:-1]}[.]{found.group(2)}"


def text(value: str) -> str:
    """``value`` with no mention, link or markup left in it (see the module docstring)."""
    value = value.replace("<", "\u2039").replace(">", "\u203a")
    value = _MENTION.sub("\uff20", value)
    value = value.replace("](", "] (")
    value = _SCHEME.sub(_defang_scheme, value)
    value = _WWW.sub(lambda m: m.group(0)[:3] + "[.]", value)
    return _DOMAIN.sub(_defang_domain, value)
