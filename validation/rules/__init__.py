"""The estate rule registry: every rule, in id order. Add a rule by adding it to a module's RULES."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from runbook_wan.model.estate import Estate
from runbook_wan.results import Diagnostic
from runbook_wan.validation.rules import addressing, circuits, identity, policy
from runbook_wan.validation.rules.base import EstateRule, Hit, RuleInput


def all_rules() -> tuple[EstateRule, ...]:
    """Every registered rule, sorted by id; ids are unique (checked by the tests)."""
    rules = (*identity.RULES, *addressing.RULES, *circuits.RULES, *policy.RULES)
    return tuple(sorted(rules, key=lambda r: r.id))


def run_rules(
    estate: Estate, selected: Sequence[str] | None = None, rules: Iterable[EstateRule] | None = None
) -> list[Diagnostic]:
    """Evaluate ``rules`` (default: all) and return their findings about the selected sites."""
    data = RuleInput(estate, tuple(selected if selected is not None else estate.site_ids()))
    out: list[Diagnostic] = []
    for rule in rules if rules is not None else all_rules():
        out.extend(rule.evaluate(data))
    return out


__all__ = ["EstateRule", "Hit", "RuleInput", "all_rules", "run_rules"]
