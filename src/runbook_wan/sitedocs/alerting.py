"""Who is alerted for a site: the routes of ``notifications.yaml`` each of the site's alerts reaches.

The alerts and their severities come from the generated rules (one source), the routing from the
same functions Alertmanager's config and the notifier use (:func:`matching_routes`), so the page
says what will actually happen.
"""

from __future__ import annotations

from functools import cache

from runbook_wan.markup.markdown import code, text
from runbook_wan.model.estate import Estate
from runbook_wan.model.notifications import EffectiveRoute, Notifications, matching_routes
from runbook_wan.model.roles import CIRCUIT_ROLES, ROLES, CircuitRole
from runbook_wan.monitoring.rules import rule_groups
from runbook_wan.monitoring.timing import PRODUCTION
from runbook_wan.ops import metrics
from runbook_wan.ops.metrics import Alert


@cache
def alert_severities() -> dict[str, dict[str, str]]:
    """Alert name -> impact ("" when the rule has none) -> severity, from the rules ``render`` writes."""
    found: dict[str, dict[str, str]] = {}
    for group in rule_groups(PRODUCTION)["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                impact = rule["labels"].get(metrics.IMPACT, "")
                found.setdefault(rule["alert"], {}).setdefault(impact, rule["labels"][metrics.SEVERITY])
    return found


#: How a site page names each impact of an alert (CircuitSLABreach: carried or standing by).
IMPACT_WORDS = {
    metrics.Impact.CARRIED.value: "while a class is on it",
    metrics.Impact.STANDBY.value: "while no class is on it (per provider and region)",
}


def _deliveries(routes: list[EffectiveRoute]) -> tuple[str, str]:
    sends, escalations = [], []
    for item in routes:
        for delivery in item.route.notify:
            who = f" to {', '.join(text(t) for t in delivery.to)}" if delivery.to else ""
            sends.append(f"{code(delivery.channel)}{who}")
        escalate = item.route.escalate
        if escalate is not None:
            who = f" to {', '.join(text(t) for t in escalate.to)}" if escalate.to else ""
            after = f"after {escalate.after_minutes:g} min " if escalate.after_minutes else ""
            escalations.append(f"{after}unacknowledged: {code(escalate.channel)}{who}")
    return ("; ".join(sends) or "nobody (no route matches)", "; ".join(escalations) or "–")


def _rows(estate: Estate, notifications: Notifications, site: str) -> list[list[str]]:
    facts = estate.sites[site]
    base = {metrics.SITE: site, metrics.REGION: facts.region}
    severities = alert_severities()
    cases: list[tuple[Alert, str, dict[str, str]]] = [(Alert.SITE_DOWN, "the whole site", {})]
    for role in CIRCUIT_ROLES:
        circuit = getattr(facts.circuits, role)
        scope = f"{ROLES[CircuitRole(role)].title} ({text(circuit.provider)})"
        labels = {metrics.CIRCUIT: role, metrics.PROVIDER: circuit.provider}
        cases += [(Alert.CIRCUIT_DOWN, scope, labels), (Alert.CIRCUIT_SLA_BREACH, scope, labels)]
    cases.append((Alert.CONFIG_DRIFT, "the device's config", {}))
    rows = []
    for alert, scope, extra in cases:
        for impact, severity in severities.get(alert.value, {"": ""}).items():
            labels = {**base, **extra, "alertname": alert.value, metrics.SEVERITY: severity}
            if impact:
                labels[metrics.IMPACT] = impact
            sends, escalation = _deliveries(matching_routes(notifications, labels))
            where = f"{scope}, {IMPACT_WORDS.get(impact, impact)}" if impact else scope
            rows.append([code(alert.value), where, sends, escalation])
    return rows


def who_is_alerted(estate: Estate, site: str | None) -> list[str]:
    """The page section: for a site, each alert and where it goes; for the estate, the routes in order."""
    out = ["## Who is alerted", ""]
    notifications = estate.notifications
    if notifications is None:
        return [*out, "No `intents/notifications.yaml`: alerts reach nobody but the status page.", ""]
    if site is None:
        from runbook_wan.model.notifications import effective_routes  # noqa: PLC0415 - overview only

        out += ["Routes of `intents/notifications.yaml`, in the order Alertmanager tries them:", ""]
        out += ["| route | matches | sends | escalation |", "|---|---|---|---|"]
        for item in effective_routes(notifications):
            conditions = item.route.match.conditions()
            matches = "; ".join(f"{k} = {', '.join(text(v) for v in vs)}" for k, vs in conditions.items()) or "any"
            sends, escalation = _deliveries([item])
            out.append(f"| {code(item.id)} | {matches} | {sends} | {escalation} |")
        return [*out, ""]
    out += ["Each alert of this site and where `intents/notifications.yaml` sends it:", ""]
    out += ["| alert | scope | sends | escalation |", "|---|---|---|---|"]
    out += ["| " + " | ".join(row) + " |" for row in _rows(estate, notifications, site)]
    return [*out, ""]
