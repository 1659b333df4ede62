"""Alertmanager's config from the notifications intent: grouping, inhibition, time intervals, receivers.

Alertmanager decides *when* and *which group*; the notifier decides *who and how* (people,
channels, failover, escalation). Every route of the intent becomes one Alertmanager route with
its own webhook receiver named :func:`~runbook_wan.model.notifications.receiver_name`, so the
webhook's ``receiver`` tells the notifier which route matched (time windows already applied).

* grouping: by ``alertname`` and ``site``; ProviderOutage by ``alertname`` and ``provider``
  (one carrier ticket per outage);
* events: ClassOffPreferred (an SD-WAN class moved off its preferred circuit) goes to the
  ``runbook-events`` receiver before any route of the intent: the notifier records it in the
  incident timeline and tells nobody;
* SiteDown has a branch of its own, the same routes without ``group_wait``: it pages at once;
* inhibition: SiteDown hides that site's circuit alerts and its agent's SdwanAgentDown;
  ProviderOutage hides its provider's circuit alerts; ProbeDown hides every alert the probe's
  measurements raise;
* ``during: business_hours`` becomes ``active_time_intervals`` (``outside_business_hours``:
  ``mute_time_intervals``) per region, falling back to the ``default`` hours.
"""

from __future__ import annotations

from typing import Any

from runbook_wan.model.notifications import (
    EVENTS_RECEIVER,
    UNROUTED_RECEIVER,
    BusinessHours,
    EffectiveRoute,
    Notifications,
    effective_routes,
)
from runbook_wan.monitoring.endpoints import Endpoints
from runbook_wan.monitoring.timing import Timing, duration
from runbook_wan.ops import metrics as m
from runbook_wan.ops.metrics import EVENT_ALERTS, Alert

SITE_GROUPING = ["alertname", m.SITE]
PROVIDER_GROUPING = ["alertname", m.PROVIDER]
CIRCUIT_ALERTS = (Alert.CIRCUIT_DOWN, Alert.CIRCUIT_SLA_BREACH)
#: Alerts computed from the probe's measurements (false when the probe is down).
PROBE_ALERTS = (Alert.CIRCUIT_DOWN, Alert.CIRCUIT_SLA_BREACH, Alert.SITE_DOWN, Alert.PROVIDER_OUTAGE)


def hours_name(key: str) -> str:
    return f"business-hours-{key}"


def _alternatives(names: tuple[Alert, ...] | list[str]) -> str:
    return "|".join(str(n) for n in names)


def _quote(value: str) -> str:
    """A matcher value in double quotes (names in intents are validated; escape anyway)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _matchers(conditions: dict[str, list[str]]) -> list[str]:
    out = []
    for label, values in conditions.items():
        if len(values) == 1:
            out.append(f"{label}={_quote(values[0])}")
        else:
            out.append(f"{label}=~{_quote('|'.join(values))}")
    return out


def _time_interval(hours: BusinessHours) -> dict[str, Any]:
    times = []
    for span in hours.times:
        start, end = span.split("-")
        times.append({"start_time": start, "end_time": end})
    return {"weekdays": list(hours.weekdays), "times": times, "location": hours.timezone}


def _windowed(item: EffectiveRoute, notifications: Notifications) -> list[dict[str, Any]]:
    """Children that apply the route's ``during`` per region (the default hours last)."""
    key = "active_time_intervals" if item.route.during == "business_hours" else "mute_time_intervals"
    children = [
        {"matchers": [f"{m.REGION}={_quote(region)}"], key: [hours_name(region)]}
        for region in notifications.business_hours
        if region != "default"
    ]
    if "default" in notifications.business_hours:
        children.append({key: [hours_name("default")]})
    elif item.route.during == "business_hours":
        # No default hours: regions without their own hours never count as business hours.
        children.append({"active_time_intervals": ["never"]})
    return children


def _route(item: EffectiveRoute, notifications: Notifications, group_by: list[str]) -> dict[str, Any]:
    route: dict[str, Any] = {"receiver": item.receiver}
    matchers = _matchers(item.route.match.conditions())
    if matchers:
        route["matchers"] = matchers
    route["group_by"] = group_by
    if item.route.continue_:
        route["continue"] = True
    if item.route.during is not None:
        route["routes"] = _windowed(item, notifications)
    return route


def _may_match_route(route: dict[str, Any], alertname: str) -> bool:
    """A generated route whose ``alertname`` matcher (if any) admits ``alertname``."""
    for matcher in route.get("matchers", []):
        label, _, value = matcher.partition("=")
        if label == "alertname":
            return alertname in value.removeprefix("~").strip('"').split("|")
    return True


def _may_match(item: EffectiveRoute, alertname: str) -> bool:
    names = item.route.match.alertname
    return not names or alertname in names


def alertmanager_config(notifications: Notifications | None, timing: Timing, endpoints: Endpoints) -> dict[str, Any]:
    routes = effective_routes(notifications) if notifications is not None else []
    outage = Alert.PROVIDER_OUTAGE.value
    provider_branch = [
        _route(r, notifications, PROVIDER_GROUPING) for r in routes if notifications and _may_match(r, outage)
    ]
    site_branch = [_route(r, notifications, SITE_GROUPING) for r in routes if notifications]
    top: list[dict[str, Any]] = [
        {
            "receiver": EVENTS_RECEIVER,
            "matchers": [f"alertname=~{_quote(_alternatives(EVENT_ALERTS))}"],
            "group_by": SITE_GROUPING,
        }
    ]
    if provider_branch:
        top.append(
            {
                "receiver": UNROUTED_RECEIVER,
                "matchers": [f"alertname={_quote(outage)}"],
                "group_by": PROVIDER_GROUPING,
                "routes": provider_branch,
            }
        )
    # SiteDown pages at once: its own branch (the same routes, in the same order) without group_wait.
    site_down = Alert.SITE_DOWN.value
    top.append(
        {
            "receiver": UNROUTED_RECEIVER,
            "matchers": [f"alertname={_quote(site_down)}"],
            "group_by": SITE_GROUPING,
            "group_wait": duration(timing.site_down_group_wait),
            **({"routes": branch} if (branch := [r for r in site_branch if _may_match_route(r, site_down)]) else {}),
        }
    )
    top += [r for r in site_branch if r.get("matchers") != [f"alertname={_quote(outage)}"]]
    webhook = {"url": endpoints.webhook_url, "send_resolved": True, "max_alerts": 0}
    receivers = [
        {"name": UNROUTED_RECEIVER, "webhook_configs": [webhook]},
        {"name": EVENTS_RECEIVER, "webhook_configs": [webhook]},
    ]
    receivers += [{"name": r.receiver, "webhook_configs": [webhook]} for r in routes]
    intervals = []
    if notifications is not None:
        intervals = [
            {"name": hours_name(key), "time_intervals": [_time_interval(hours)]}
            for key, hours in notifications.business_hours.items()
        ]
        if any(r.route.during == "business_hours" for r in routes) and "default" not in notifications.business_hours:
            # An interval that never matches: weekday ranges cannot be empty, a zero-length time can't be set;
            # use a date that does not exist in the past century instead (day 31 of February).
            intervals.append({"name": "never", "time_intervals": [{"months": ["february"], "days_of_month": ["31"]}]})
    config: dict[str, Any] = {
        "global": {"resolve_timeout": duration(timing.resolve_timeout)},
        "route": {
            "receiver": UNROUTED_RECEIVER,
            "group_by": SITE_GROUPING,
            "group_wait": duration(timing.group_wait),
            "group_interval": duration(timing.group_interval),
            "repeat_interval": duration(timing.repeat_interval),
            "routes": top,
        },
        "inhibit_rules": [
            {
                "source_matchers": [f"alertname={_quote(Alert.SITE_DOWN.value)}"],
                "target_matchers": [f"alertname=~{_quote(_alternatives(CIRCUIT_ALERTS))}"],
                "equal": [m.SITE],
            },
            {
                "source_matchers": [f"alertname={_quote(Alert.SITE_DOWN.value)}"],
                "target_matchers": [f"alertname={_quote(Alert.AGENT_DOWN.value)}"],
                "equal": [m.SITE],
            },
            {
                "source_matchers": [f"alertname={_quote(outage)}"],
                "target_matchers": [f"alertname=~{_quote(_alternatives(CIRCUIT_ALERTS))}"],
                "equal": [m.PROVIDER],
            },
            {
                "source_matchers": [f"alertname={_quote(Alert.PROBE_DOWN.value)}"],
                "target_matchers": [f"alertname=~{_quote(_alternatives(PROBE_ALERTS))}"],
            },
        ],
        "receivers": receivers,
    }
    if intervals:
        config["time_intervals"] = intervals
    return config
