"""Resolve secret names to values, only when a config is pushed (or a lab device is built).

Sources, first match wins:

1. environment: ``RUNBOOK_SECRET_<NAME>`` with the name upper-cased and ``-./`` turned into ``_``
   (``bgp-fibrelink`` -> ``RUNBOOK_SECRET_BGP_FIBRELINK``);
2. secrets files (YAML mapping ``name: value``), in order: ``$RUNBOOK_SECRETS_FILE`` (default
   ``~/.config/runbook/secrets.yaml``), then any extra files given (the lab adds the secrets
   it generated for its own devices).

Files must not be readable by group or others. Every resolved value is checked (length, control
characters) and then registered with the run's :class:`~credentials.redact.Redactor` before it is
returned; a refused value is never registered.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path

from runbook_wan.credentials.redact import MIN_SECRET_LENGTH, Redactor
from runbook_wan.credentials.secrets_file import read_secrets_file
from runbook_wan.credentials.tokens import TOKEN_PATTERN
from runbook_wan.results import Diagnostic, DiagnosticError

DEFAULT_SECRETS_FILE = Path("~/.config/runbook/secrets.yaml")

#: Line breaks and other control characters: a secret is placed inside a config line at push time,
#: so such a value would add lines to the config.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def env_name(name: str) -> str:
    return "RUNBOOK_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def default_secrets_file(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("RUNBOOK_SECRETS_FILE", str(DEFAULT_SECRETS_FILE))).expanduser()


class SecretResolver:
    def __init__(
        self, redactor: Redactor, extra_files: list[Path] | None = None, environ: Mapping[str, str] | None = None
    ) -> None:
        self.redactor = redactor
        self.environ = dict(os.environ if environ is None else environ)
        self.files = [default_secrets_file(self.environ), *(extra_files or [])]
        self._file_values: dict[str, tuple[str, Path]] | None = None

    def _load_files(self) -> dict[str, tuple[str, Path]]:
        if self._file_values is not None:
            return self._file_values
        values: dict[str, tuple[str, Path]] = {}
        problems: list[Diagnostic] = []
        for path in self.files:
            if not path.is_file():
                continue
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                problems.append(
                    Diagnostic(
                        "secrets-file-mode", f"secrets file {path} is readable by others", hint=f"chmod 600 {path}"
                    )
                )
                continue
            found, unreadable = read_secrets_file(path)
            problems += unreadable
            for key, value in found.items():
                values.setdefault(key, (value, path))
        if problems:
            raise DiagnosticError(problems)
        self._file_values = values
        return values

    def _value(self, name: str) -> str | None:
        """The value of ``name`` as found, not checked and not yet registered for masking."""
        value = self.environ.get(env_name(name))
        if value is None:
            found = self._load_files().get(name)
            value = found[0] if found else None
        return value

    def is_set(self, name: str) -> bool:
        """Whether ``name`` has a value (nothing is checked or registered)."""
        return self._value(name) is not None

    def lookup(self, name: str) -> str | None:
        """The value of ``name`` or None; a value is checked (:meth:`resolve`) and registered for masking."""
        return self.resolve(name, single_line=False) if self.is_set(name) else None

    def resolve(
        self, name: str, *, single_line: bool = True, min_length: int = MIN_SECRET_LENGTH, what: str = ""
    ) -> str:
        """The value of ``name``; errors when missing, shorter than ``min_length``, or (``single_line``:
        every secret placed in a config) holding a line break or control character. Credentials a
        client library takes whole, such as a PEM private key, pass ``single_line=False``.

        The value is registered with the redactor only once it passed: a refused value must not
        mask the words of its own refusal (a 5-character "token" would turn "the status page token
        is shorter..." into "the status page <secret:status-token> is shorter...").
        """
        value = self._value(name)
        if value is None:
            raise DiagnosticError([self.missing(name)])
        subject = what or f"secret {name!r}"
        if len(value) < min_length:
            raise DiagnosticError(
                [
                    Diagnostic(
                        "secret-too-short",
                        f"{subject} is shorter than {min_length} characters (value not shown)",
                        hint="use a longer value; short values cannot be masked reliably in output",
                    )
                ]
            )
        if _CONTROL.search(value if single_line else value.replace("\n", "").replace("\r", "")):
            raise DiagnosticError(
                [
                    Diagnostic(
                        "secret-control-character",
                        f"{subject} holds a line break or another control character (value not shown)",
                        hint="a secret is placed inside one config line: store it on one line, "
                        "without a trailing newline",
                    )
                ]
            )
        self.redactor.add(name, value)
        return value

    def missing(self, name: str) -> Diagnostic:
        files = ", ".join(str(f) for f in self.files)
        return Diagnostic(
            "secret-missing",
            f"secret {name!r} is not set",
            hint=f"export {env_name(name)}=... or add `{name}: ...` to one of: {files}",
        )

    def resolve_text(self, text: str) -> str:
        """Replace every ``<secret:NAME>`` token; all missing names are reported together."""
        names = sorted(set(TOKEN_PATTERN.findall(text)))
        missing = [n for n in names if not self.is_set(n)]
        if missing:
            raise DiagnosticError([self.missing(n) for n in missing])
        values = {n: self.resolve(n) for n in names}
        for line in text.splitlines():
            found = TOKEN_PATTERN.search(line)
            if found is not None and line.rstrip().endswith(found.group(0)):
                self.redactor.add_context(line[: found.start()], found.group(1))
        return TOKEN_PATTERN.sub(lambda m: values[m.group(1)], text)
