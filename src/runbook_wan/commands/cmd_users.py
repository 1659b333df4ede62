"""``runbook.py users add|list|remove|passwd|role|token|totp|unlock``: the pane's local accounts.

Accounts live in ``STATE/access/accounts.sqlite`` (:mod:`runbook_wan.status.accounts`). Once
one exists, every page and API call of ``status serve`` needs a login or a token, on loopback
too. Passwords are read from a prompt (twice) or, when stdin is not a terminal, from its first
line; never from the command line. ``token`` prints a new API token on stdout, once. Every
change is written to the audit log (``via: cli``, ``user``: the login name that ran it).
Exit codes: ``results.exit_codes.BY_COMMAND["users"]``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

from rich.table import Table

from runbook_wan.commands.options import format_options, intents_options
from runbook_wan.context import RunContext
from runbook_wan.results import Diagnostic, DiagnosticError, ExitCode, exit_codes

if TYPE_CHECKING:
    from runbook_wan.status.accounts import AccountStore

HELP = "local accounts of the status page: add, list, remove, passwords, roles, API tokens"
ROLES = ("viewer", "operator", "admin")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "users",
        help=HELP,
        description=HELP + ". Roles: viewer reads; operator also acknowledges and resolves incidents, "
        "silences sites and starts drift checks; admin also manages users and reads the audit log. "
        "A scope of --region R (repeatable) limits a user to those regions (default: all).",
        epilog=exit_codes.epilog("users"),
    )
    actions = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    def action(name: str, text: str, *parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
        one: argparse.ArgumentParser = actions.add_parser(name, help=text, description=text, parents=list(parents))
        return one

    add = action("add", "add a user (password from a prompt, or stdin's first line)", intents_options())
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--region", action="append", default=None, metavar="R", help="limit to this region (repeat)")
    add.add_argument("--totp", action="store_true", help="require a TOTP code too; prints the secret's URI once")
    add.set_defaults(handler=run_add)

    listing = action(
        "list", "list users, roles, scopes, second factor and token counts", format_options(("terminal", "json"))
    )
    listing.set_defaults(handler=run_list)

    remove = action("remove", "remove a user: its tokens stop working and its sessions end at once")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=run_remove)

    passwd = action("passwd", "set a new password (ends the user's sessions)")
    passwd.add_argument("name", metavar="NAME")
    passwd.set_defaults(handler=run_passwd)

    role = action("role", "change a user's role and scope (ends its sessions)", intents_options())
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", choices=ROLES, metavar="ROLE")
    role.add_argument("--region", action="append", default=None, metavar="R", help="limit to this region (repeat)")
    role.set_defaults(handler=run_role)

    token = action("token", "print a new API token for the user (once; stored hashed)")
    token.add_argument("name", metavar="NAME")
    token.add_argument("--revoke", action="store_true", help="revoke every token of the user instead")
    token.set_defaults(handler=run_token)

    totp = action("totp", "require a TOTP code at login (prints the secret's URI once), or --off")
    totp.add_argument("name", metavar="NAME")
    totp.add_argument("--off", action="store_true", help="no second factor")
    totp.set_defaults(handler=run_totp)

    unlock = action("unlock", "lift a login lockout of the user (after too many failed logins)")
    unlock.add_argument("name", metavar="NAME")
    unlock.set_defaults(handler=run_unlock)


def _store(ctx: RunContext) -> AccountStore:
    from runbook_wan.status.accounts import AccountStore

    return AccountStore(ctx.state_dir)


def _audit(ctx: RunContext, event: str, target: str, **detail: Any) -> None:
    from runbook_wan.rollout.audit import current_user
    from runbook_wan.status import audit

    try:
        audit.record(ctx.state_dir, ctx.redactor, event, user=current_user(), via="cli", target=target, **detail)
    except OSError as exc:
        ctx.err.print(f"warning: audit log not written: {exc.strerror or exc}", markup=False)


def read_password(prompt: str = "password") -> str:
    """From a terminal: asked twice (no echo). Otherwise: the first line of stdin."""
    if sys.stdin is None:
        raise DiagnosticError([Diagnostic("user-password", "no password given", hint="pipe it on stdin")])
    if sys.stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        if getpass.getpass(f"{prompt} again: ") != first:
            raise DiagnosticError(
                [Diagnostic("user-password", "the two passwords differ", hint="run the command again")]
            )
        return first
    line = sys.stdin.readline()
    if not line:
        raise DiagnosticError(
            [Diagnostic("user-password", "no password on stdin", hint="type it at the prompt, or pipe it on stdin")]
        )
    return line.rstrip("\r\n")


def _regions(args: argparse.Namespace) -> list[str] | None:
    """The --region values, each checked against the intents' regions."""
    if not args.region:
        return None
    from runbook_wan.model.loader import load_estate

    estate, _ = load_estate(args.intents, args.platforms)
    unknown = [r for r in args.region if r not in estate.regions]
    if unknown:
        raise DiagnosticError(
            [
                Diagnostic(
                    "user-region",
                    f"no region {r!r} in {args.intents}",
                    hint="regions: " + ", ".join(sorted(estate.regions)),
                )
                for r in unknown
            ]
        )
    return sorted(set(args.region))


def run_add(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.status.accounts import check_name
    from runbook_wan.status.authz import Role

    check_name(args.name)
    regions = _regions(args)
    store = _store(ctx)
    if store.get(args.name) is not None:
        raise DiagnosticError(
            [
                Diagnostic(
                    "user-exists", f"user {args.name} exists", hint=f"change it: runbook.py users role {args.name} ROLE"
                )
            ]
        )
    first = not store.any_accounts()
    account = store.add(args.name, Role(args.role), regions, read_password())
    _audit(ctx, "user-add", args.name, new_role=account.role.value, regions=account.to_dict()["regions"] or "all")
    ctx.err.print(f"added {account.name}: {account.role.value}, {account.actor('cli').scope_text()}", markup=False)
    if args.totp:
        ctx.out.write(store.enable_totp(args.name) + "\n")
        _audit(ctx, "user-totp", args.name, totp="on")
        ctx.err.print("the TOTP URI above is shown once: add it to an authenticator app now", markup=False)
    if first:
        ctx.err.print(
            "this is the first account: from now on every page and API call of `status serve` needs a login or a token",
            markup=False,
        )
    return ExitCode.OK


def run_list(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    accounts = _store(ctx).list()
    if args.format == "json":
        ctx.out.write(json.dumps([a.to_dict() for a in accounts], indent=2) + "\n")
        return ExitCode.OK
    if not accounts:
        ctx.out.print("no accounts: the status page is open on loopback only", markup=False)
        return ExitCode.OK
    table = Table(title=f"users ({_store(ctx).db.path})")
    for column in ("name", "role", "scope", "TOTP", "tokens", "changed"):
        table.add_column(column)
    for a in accounts:
        scope = a.actor("cli").scope_text()
        table.add_row(a.name, a.role.value, scope, "on" if a.has_totp else "-", str(a.tokens), a.updated_at)
    ctx.out.print(table)
    return ExitCode.OK


def run_remove(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    store = _store(ctx)
    store.remove(args.name)
    _audit(ctx, "user-remove", args.name)
    ctx.err.print(f"removed {args.name}; its tokens and sessions no longer work", markup=False)
    return ExitCode.OK


def run_passwd(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    store = _store(ctx)
    if store.get(args.name) is None:
        raise DiagnosticError([Diagnostic("user-unknown", f"no user {args.name}", hint="see `runbook.py users list`")])
    store.set_password(args.name, read_password(f"new password for {args.name}"))
    _audit(ctx, "user-passwd", args.name)
    ctx.err.print(f"password of {args.name} changed; its sessions ended", markup=False)
    return ExitCode.OK


def run_role(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.status.authz import Role

    regions = _regions(args)
    account = _store(ctx).set_role(args.name, Role(args.role), regions)
    _audit(ctx, "user-role", args.name, new_role=account.role.value, regions=account.to_dict()["regions"] or "all")
    ctx.err.print(f"{account.name}: {account.role.value}, {account.actor('cli').scope_text()}", markup=False)
    return ExitCode.OK


def run_token(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    store = _store(ctx)
    if args.revoke:
        count = store.revoke_tokens(args.name)
        _audit(ctx, "user-token", args.name, tokens="revoked", count=count)
        ctx.err.print(f"revoked {count} token(s) of {args.name}", markup=False)
        return ExitCode.OK
    token = store.issue_token(args.name)
    _audit(ctx, "user-token", args.name, tokens="issued")
    ctx.out.write(token + "\n")
    ctx.err.print(
        f"a new API token for {args.name} (Authorization: Bearer ...): shown once, stored hashed", markup=False
    )
    return ExitCode.OK


def run_totp(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    store = _store(ctx)
    if args.off:
        store.disable_totp(args.name)
        _audit(ctx, "user-totp", args.name, totp="off")
        ctx.err.print(f"{args.name} logs in with a password only", markup=False)
        return ExitCode.OK
    ctx.out.write(store.enable_totp(args.name) + "\n")
    _audit(ctx, "user-totp", args.name, totp="on")
    ctx.err.print("the TOTP URI above is shown once: add it to an authenticator app now", markup=False)
    return ExitCode.OK


def run_unlock(args: argparse.Namespace, ctx: RunContext) -> ExitCode:
    from runbook_wan.status.sessions import LoginLimiter

    lifted = LoginLimiter(ctx.state_dir).unlock(args.name)
    _audit(ctx, "user-unlock", args.name, lifted=lifted)
    ctx.err.print(f"{args.name}: {'lockout lifted' if lifted else 'was not locked'}", markup=False)
    return ExitCode.OK
