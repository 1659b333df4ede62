"""Compare one device's running config with its intended config; never let a secret through.

Secrets: the intended config carries ``<secret:NAME>`` tokens. The device's text is masked with
the run's :class:`~runbook_wan.credentials.redact.Redactor` (every secret the configs name is
resolved and registered first), so a secret the device runs as intended reads back as its token.
A secret value the redactor does not know (someone typed another password on the device) would
show in the diff: for a drifting site the driver's own sanitized config
(``get_config(sanitized=True)``, NAPALM's ``<removed>`` convention) says which lines carry
secrets, and those values are replaced by ``<removed>`` before anything is diffed or kept.
"""

from __future__ import annotations

from runbook_wan.credentials.tokens import TOKEN_PATTERN
from runbook_wan.drift.model import DriftResult
from runbook_wan.drift.normalize import comparable
from runbook_wan.drift.steered import SteeredSequences, rendered_order
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.plan.diff import DiffLine, Hunk, config_diff

#: What NAPALM drivers put in place of a secret in ``get_config(sanitized=True)``.
SANITIZED = "<removed>"


def secret_prefixes(sanitized: str) -> list[str]:
    """The text before each ``<removed>`` of a sanitized config: where the device keeps secrets."""
    found: list[str] = []
    for line in sanitized.splitlines():
        at = line.find(SANITIZED)
        if at > 0 and line[:at] not in found:
            found.append(line[:at])
    return sorted(found, key=len, reverse=True)


def mask_unknown_secrets(running: str, sanitized: str) -> str:
    """``running`` with every secret value that is not already a ``<secret:NAME>`` token removed."""
    prefixes = secret_prefixes(sanitized)
    out: list[str] = []
    for line in running.splitlines():
        kept = line
        for prefix in prefixes:
            if line.startswith(prefix):
                value, _, rest = line[len(prefix) :].partition(" ")
                if not TOKEN_PATTERN.fullmatch(value):
                    kept = prefix + SANITIZED + (f" {rest}" if rest else "")
                break
        out.append(kept)
    return "\n".join(out) + "\n"


def compare(
    site: str,
    intended: str,
    running_masked: str,
    platform: PlatformSpec,
    *,
    checked_at: str,
    source: str,
    intended_sha256: str | None = None,
    steered: SteeredSequences | None = None,
) -> DriftResult:
    """Diff intended -> running (``-`` missing on the device, ``+`` only on the device).

    Hunk headers number lines as in ``configs/<site>.cfg`` (``-``) and the running config (``+``).
    ``steered``: the edge agent's sequences, whose reordered nexthops are no drift (:mod:`.steered`).
    """
    if steered is not None:
        running_masked = rendered_order(running_masked, intended, steered)
    want, want_at = comparable(intended, platform)
    have, have_at = comparable(running_masked, platform)
    if want == have:
        return DriftResult.from_hunks(site, [], checked_at, source, intended_sha256)
    hunks = config_diff("\n".join(want), "\n".join(have), comment=platform.comment)
    return DriftResult.from_hunks(
        site, [_renumber(h, want_at, have_at) for h in hunks], checked_at, source, intended_sha256
    )


def _renumber(hunk: Hunk, old_at: list[int], new_at: list[int]) -> Hunk:
    return Hunk(
        parents=hunk.parents,
        lines=[
            DiffLine(
                line.op,
                line.text,
                old_at[line.old] if line.old is not None else None,
                new_at[line.new] if line.new is not None else None,
            )
            for line in hunk.lines
        ],
    )
