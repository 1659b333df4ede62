"""Options shared by several commands, as argparse parent parsers.

Folder options default to ``None`` and are filled in from the workspace
(:class:`runbook_wan.workspace.Workspace`) by :func:`apply_workspace`, so ``--workspace DIR``
moves every default at once and nothing is found relative to the code.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from runbook_wan.workspace import Workspace

#: Option attribute -> the workspace property that supplies its default.
WORKSPACE_DEFAULTS: dict[str, str] = {
    "intents": "intents",
    "templates": "templates",
    "platforms": "platforms",
    "configs": "configs",
    "inventory": "inventory",
    "state": "state",
}


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (``--jobs``, ``--workers``, ``--revert-in``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number of seconds above 0 (``--gate-timeout``, ``--timeout``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not above 0")
    return value


def http_url(text: str) -> str:
    """argparse type: an http(s) URL of a service (``--prometheus``, ``--alertmanager``), checked before any work.

    Credentials in the URL are refused: a command line lands in shell history and ``ps``, and the
    URL is quoted in messages.
    """
    problem = ""
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError for a port that is not 0-65535
    except ValueError as exc:
        parts, port, problem = None, None, str(exc)
    if parts is not None and not problem:
        if parts.scheme not in ("http", "https"):
            problem = "it does not start with http:// or https://"
        elif not parts.hostname:
            problem = "it names no host"
        elif parts.username is not None or parts.password is not None:
            raise argparse.ArgumentTypeError(
                "a URL with a user name or password is refused (it would land in shell history, ps and "
                "messages); reach the service without credentials in the URL"
            )
        elif port == 0 or any(c.isspace() for c in text):
            problem = "port 0" if port == 0 else "it contains a space"
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) URL ({problem}); e.g. http://127.0.0.1:9090")
    return text


def apply_workspace(args: argparse.Namespace, workspace: Workspace) -> None:
    """Fill every folder option the user did not give from the workspace."""
    for attr, prop in WORKSPACE_DEFAULTS.items():
        if hasattr(args, attr) and getattr(args, attr) is None:
            setattr(args, attr, getattr(workspace, prop))


def intents_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("intents")
    group.add_argument(
        "--intents",
        type=Path,
        default=None,
        metavar="DIR",
        help="intents folder (default: WORKSPACE/intents, or $RUNBOOK_INTENTS)",
    )
    group.add_argument(
        "--templates",
        type=Path,
        default=None,
        metavar="DIR",
        help="templates folder (default: WORKSPACE/templates, else the templates Runbook ships)",
    )
    group.add_argument(
        "--platforms",
        type=Path,
        default=None,
        metavar="DIR",
        help="platform catalog folder (default: WORKSPACE/platforms, else the catalog Runbook ships)",
    )
    return parent


def limit_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "-l",
        "--limit",
        metavar="EXPR",
        help="sites to act on: SITE, glob (chi-*), region=X, platform=Y, policy=Z, tag=T, "
        "!SITE to exclude; comma-separated",
    )
    return parent


def format_options(choices: tuple[str, ...] = ("terminal", "markdown", "json")) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--format", choices=choices, default=choices[0], help="output format")
    return parent


def configs_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--configs", type=Path, default=None, metavar="DIR", help="rendered configs folder (default: WORKSPACE/configs)"
    )
    return parent


def inventory_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--inventory",
        type=Path,
        default=None,
        metavar="DIR",
        help="inventory folder with hosts.yaml (default: WORKSPACE/inventory)",
    )
    return parent


def review_options() -> argparse.ArgumentParser:
    """The blast-radius gate's override, shared by plan, validate and deploy."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--allow-wide-change",
        metavar="REASON",
        default=None,
        help="accept a change wider than estate.change_policy allows; the reason is shown in the report "
        "and, on deploy, recorded in the audit log",
    )
    return parent
