"""``--limit`` expressions.

Comma-separated terms; a site is selected when it matches any positive term and no ``!`` term:

* ``chi-021`` - one site; ``chi-*`` - a glob over site ids;
* ``region=west``, ``platform=frr``, ``policy=retail-flagship``, ``tag=pilot`` - by attribute;
* ``!sea-001`` - exclude (with only exclusions, everything else is selected).

A term that selects nothing is an error, so typos never shrink a rollout silently.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Mapping, Sequence
from typing import Protocol

from runbook_wan.model.estate import Estate
from runbook_wan.results import Diagnostic, DiagnosticError

_ATTRS = ("region", "platform", "policy", "tag")


class Selectable(Protocol):
    """What a ``--limit`` term looks at: a site, or a build cache's record of one."""

    @property
    def region(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def policy(self) -> str: ...
    @property
    def tags(self) -> Sequence[str]: ...


def _matches(sites: Mapping[str, Selectable], term: str) -> set[str]:
    if "=" in term:
        key, _, value = term.partition("=")
        if key == "tag":
            return {sid for sid, s in sites.items() if value in s.tags}
        return {sid for sid, s in sites.items() if str(getattr(s, key)) == value}
    return {sid for sid in sites if fnmatch.fnmatchcase(sid, term)}


def _term_error(sites: Mapping[str, Selectable], term: str) -> Diagnostic:
    key, sep, value = term.partition("=")
    if sep and key not in _ATTRS:
        return Diagnostic(
            "limit-key",
            f"--limit: unknown selector {key!r} in {term!r}",
            hint="use a site id or glob, or one of: " + ", ".join(f"{a}=..." for a in _ATTRS),
        )
    if sep:
        known = sorted(
            {
                str(getattr(s, key)) if key != "tag" else t
                for s in sites.values()
                for t in (s.tags if key == "tag" else [""])
            }
            - {""}
        )
        close = difflib.get_close_matches(value, known, n=1)
        hint = f"did you mean {key}={close[0]}?" if close else f"known values: {', '.join(known) or 'none'}"
        return Diagnostic("limit-empty", f"--limit: {term!r} matches no site", hint=hint)
    close = difflib.get_close_matches(term, list(sites), n=1)
    hint = f"did you mean {close[0]!r}?" if close else "list sites with `runbook.py render` or ls intents/sites"
    return Diagnostic("limit-empty", f"--limit: {term!r} matches no site", hint=hint)


def select_sites(estate: Estate, limit: str | None) -> list[str]:
    """Sorted site ids selected by ``limit`` (all when None).

    A limit that names nothing (``--limit ,``, ``--limit ''``) or selects no site (``--limit '!*'``)
    is an error: a typo must never widen a rollout to every site, nor shrink it to none.
    """
    return select_ids(estate.sites, limit)


def select_ids(sites: Mapping[str, Selectable], limit: str | None) -> list[str]:
    """:func:`select_sites` over any mapping of site id -> what a term selects by."""
    if limit is None:
        return sorted(sites)
    terms = [raw.strip() for raw in limit.split(",") if raw.strip()]
    if not terms:
        raise DiagnosticError(
            [
                Diagnostic(
                    "limit-empty",
                    f"--limit {limit!r} names no site",
                    hint="give a site, a glob (chi-*), region=X, platform=Y, policy=Z or tag=T; "
                    "leave --limit out to act on every site",
                )
            ]
        )
    include: set[str] = set()
    exclude: set[str] = set()
    positives = 0
    errors: list[Diagnostic] = []
    for written in terms:
        negative = written.startswith("!")
        term = written.removeprefix("!")
        key = term.partition("=")[0] if "=" in term else None
        found = _matches(sites, term) if key is None or key in _ATTRS else set()
        if not found:
            errors.append(_term_error(sites, term))
            continue
        if negative:
            exclude |= found
        else:
            positives += 1
            include |= found
    if errors:
        raise DiagnosticError(errors)
    base = include if positives else set(sites)
    selected = sorted(base - exclude)
    if not selected:
        raise DiagnosticError(
            [
                Diagnostic(
                    "limit-none",
                    f"--limit {limit!r} selects no site: its exclusions remove every site it includes",
                    hint="check the ! terms; leave --limit out to act on every site",
                )
            ]
        )
    return selected
