"""Compare one device's running config with its intended config; never let a secret through.

Secrets: the intended config carries ``<secret:NAME>`` tokens. The device's text is masked with
the run's :class:`~runbook_wan.credentials.redact.Redactor` (every secret the configs name is
resolved and registered first), so a secret the device runs as intended reads back as its token.
A secret value the redactor does not know (someone typed another password on the device) would
show in the diff: for a drifting site the driver's own sanitized config
(``get_config(sanitized=True)``, NAPALM's ``<removed>`` convention) says which lines carry
secrets, and those values are replaced by ``<removed>`` before anything is diffed or kept.

Steering: where the site runs an edge agent, the agent reorders the next hops of its steering
groups at run time (:mod:`runbook_wan.render.live_steering`). That is not drift: the comparison
takes the device's order where the group's set of next hops is the intended one, and reports the
group as *steered*. The platform's artifact files (classifier, agent policy) are compared as they
are on the device, each as its own file.
"""

from __future__ import annotations

from runbook_wan.credentials.tokens import TOKEN_PATTERN
from runbook_wan.drift.model import DriftResult
from runbook_wan.drift.normalize import comparable
from runbook_wan.model.platform import PlatformSpec
from runbook_wan.plan.diff import DiffLine, Hunk, config_diff
from runbook_wan.render.live_steering import adopt_live_order

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
    agent_policy: str | None = None,
    extra: list[Hunk] | None = None,
) -> DriftResult:
    """Diff intended -> running (``-`` missing on the device, ``+`` only on the device).

    Hunk headers number lines as in ``configs/<site>.cfg`` (``-``) and the running config (``+``).
    ``agent_policy``: the site's agent policy, whose groups may run in the agent's order; ``extra``:
    hunks of the site's artifact files (:func:`compare_files`).
    """
    artifact = platform.artifact("agent_policy")
    intended, steered = adopt_live_order(intended, running_masked, agent_policy, artifact.steers if artifact else None)
    notes = [group.words() for group in steered]
    want, want_at = comparable(intended, platform)
    have, have_at = comparable(running_masked, platform)
    hunks = [] if want == have else config_diff("\n".join(want), "\n".join(have), comment=platform.comment)
    found = [_renumber(h, want_at, have_at) for h in hunks] + list(extra or [])
    return DriftResult.from_hunks(site, found, checked_at, source, intended_sha256, steered=notes)


def compare_files(intended: dict[str, str], device: dict[str, str | None]) -> list[Hunk]:
    """Hunks of each artifact file whose device copy differs (``-`` in configs/, ``+`` on the device);
    a file missing on the device shows every line as missing."""
    hunks: list[Hunk] = []
    for suffix, text in sorted(intended.items()):
        have = device.get(suffix)
        if have != text:
            hunks += config_diff(text, have or "", comment="#", file=suffix)
    return hunks


def _renumber(hunk: Hunk, old_at: list[int], new_at: list[int]) -> Hunk:
    return Hunk(
        file=hunk.file,
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
