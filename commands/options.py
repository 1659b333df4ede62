"""Options shared by several commands, as argparse parent parsers."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from model.platform import DEFAULT_PLATFORMS_DIR
from render.environment import DEFAULT_TEMPLATES_DIR


def intents_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("intents")
    group.add_argument("--intents", type=Path, default=Path(os.environ.get("RUNBOOK_INTENTS", "intents")),
                       metavar="DIR", help="intents folder (default: intents, or $RUNBOOK_INTENTS)")
    group.add_argument("--templates", type=Path, default=DEFAULT_TEMPLATES_DIR, metavar="DIR",
                       help="templates folder (default: the project's templates/)")
    group.add_argument("--platforms", type=Path, default=DEFAULT_PLATFORMS_DIR, metavar="DIR",
                       help="platform catalog folder (default: the project's platforms/)")
    return parent


def limit_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("-l", "--limit", metavar="EXPR",
                        help="sites to act on: SITE, glob (chi-*), region=X, platform=Y, policy=Z, tag=T, "
                             "!SITE to exclude; comma-separated")
    return parent


def format_options(choices: tuple[str, ...] = ("terminal", "markdown", "json")) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--format", choices=choices, default=choices[0], help="output format")
    return parent


def configs_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--configs", type=Path, default=Path("configs"), metavar="DIR",
                        help="rendered configs folder (default: configs)")
    return parent
