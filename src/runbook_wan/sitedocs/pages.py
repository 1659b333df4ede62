"""Site documentation from the intents: a page per site and an estate overview, in Markdown.

Everything on a page is derived (the typed model and the facts the configs are rendered from), so
the pages change exactly when the network does, and a PR shows the documentation change next to
the config change. Every value that comes from the intents goes through
:mod:`runbook_wan.markup.markdown`: a site name with ``|``, backticks or ``<script>`` stays text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from runbook_wan.facts.addressing import dscp_name
from runbook_wan.facts.models import SiteFacts
from runbook_wan.markup.markdown import code, text
from runbook_wan.model.estate import Estate
from runbook_wan.model.policy import AppClass, Policy
from runbook_wan.model.roles import CIRCUIT_ROLES, ROLES, CircuitRole
from runbook_wan.ops import metrics
from runbook_wan.render.writer import SUFFIX
from runbook_wan.sitedocs.alerting import who_is_alerted

GENERATED = "<!-- generated from the intents by `runbook.py docs`; do not edit -->"
OVERVIEW = "README.md"


def _title(role: str) -> str:
    return ROLES[CircuitRole(role)].title


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: Iterable[str], rows: Iterable[Iterable[object]], align: str = "") -> list[str]:
    names = list(header)
    marks = [("---:" if i < len(align) and align[i] == "r" else "---") for i in range(len(names))]
    return [_row(*names), _row(*marks), *(_row(*r) for r in rows), ""]


def _cell(value: object) -> str:
    """A table cell from an intent value: plain escaped text."""
    return text(value) if value not in (None, "") else "—"


def _match(app: AppClass) -> str:
    parts = []
    if app.match.segments:
        parts.append("segments " + ", ".join(code(s, in_table=True) for s in app.match.segments))
    if app.match.dscp:
        parts.append("DSCP " + ", ".join(text(dscp_name(d)) for d in app.match.dscp))
    if app.match.destinations:
        parts.append("to " + ", ".join(code(d, in_table=True) for d in app.match.destinations))
    return "; ".join(parts)


def _path(name: str, app: AppClass, policy: Policy) -> str:
    """``primary DIA → secondary DIA (never tertiary wireless)``: the guardrails applied."""
    barred = {CircuitRole.TERTIARY_WIRELESS.value} if name in policy.guardrails.never_on_wireless else set()
    used = [r for r in app.path_preference if r not in barred]
    path = " → ".join(_title(r) for r in used)
    never = [_title(r) for r in CIRCUIT_ROLES if r not in used]
    return path + (" (never " + ", ".join(never) + ")" if never else "")


def _sla(app: AppClass) -> str:
    return f"{app.sla.latency_ms} ms / {app.sla.jitter_ms} ms / {app.sla.loss_pct:g} %"


#: The agent's least-bad order (``decision.least_bad``), in words.
_LEAST_BAD = {
    "criteria_met": "the most SLA criteria met",
    "loss": "the lowest loss",
    "latency": "the lowest latency",
    "jitter": "the lowest jitter",
    "path_order": "the class's own path order",
}
_LIVE = (
    "Where each class runs now, why and since when is live state, which this page cannot hold: "
    "`runbook.py status`, the site's page on the pane (`runbook.py status serve`), `runbook.py verify`."
)


def _ms(value: int) -> str:
    return f"{value / 1000:g} s" if value >= 1000 and value % 1000 == 0 else f"{value} ms"


def steering_words(facts: SiteFacts) -> list[str]:
    """How the site's classes are steered on their SLAs, from the facts its configs are rendered from."""
    enforced_on = "SLA criteria enforced here: "
    if facts.agent is not None:
        agent, decision = facts.agent, facts.agent.decision
        probes = "; ".join(
            f"{_title(c.role)} every {_ms(c.probe.interval_ms)} over {c.probe.window_s} s windows"
            + (" (metered)" if c.metered else "")
            for c in agent.circuits
        )
        order = ", then ".join(_LEAST_BAD.get(k, text(k)) for k in decision.least_bad)
        return [
            "Each class runs on the first circuit of its path that meets the class SLA (one-way latency / "
            "jitter / loss, below), as the site's edge agent measures it on the router, each probe pinned to "
            f"its circuit: {probes}. A circuit breaks a class SLA when {decision.breach_windows} windows in a "
            f"row miss it, and counts as clear after {decision.clear_windows} windows that meet it; a class "
            f"goes back to a better circuit only {decision.hold_s} s after that circuit is clear. When no "
            f"circuit of the path meets the SLA, the class takes the least bad one: {order}. Guardrails hold "
            "(a class never uses a circuit its path leaves out), and reachability failover stays with policy "
            "routing's next-hop tracking, BGP and BFD, with or without the agent.",
            "",
            f"{enforced_on}latency, jitter, loss. Policy: {code(f'configs/{facts.site}.agent.json')}. {_LIVE}",
            "",
        ]
    sla = facts.sla
    if sla is not None and sla.measurement == "ip_sla" and sla.probes:
        first = sla.probes[0]
        return [
            "Each class runs on the first circuit of its path whose provider's tracking route is in BGP and "
            "whose round trip to the provider edge is within the class's budget (twice its one-way latency "
            "SLA), measured by the router's `ip sla` probes. A breach must last "
            f"{first.delay_down_s} s before a class leaves the circuit, and a class comes back "
            f"{first.delay_up_s} s after the circuit is within budget again (`track ... delay`). When no "
            "circuit qualifies, traffic follows normal routing.",
            "",
            f"{enforced_on}latency. Jitter and loss are not: IOS-XE has no track for them "
            f"([platforms](../platforms.md)). {_LIVE}",
            "",
        ]
    measured = (
        " The router measures each circuit's latency, jitter and loss (Connectivity Monitor), but cannot move "
        "a class on them."
        if sla is not None and sla.measurement == "connectivity_monitor"
        else ""
    )
    return [
        "Each class takes the first circuit of its path that is up (its provider's tracking route is in BGP)."
        + measured,
        "",
        f"{enforced_on}none ([platforms](../platforms.md)). {_LIVE}",
        "",
    ]


def steering_rows(policy: Policy) -> list[list[str]]:
    return [
        [code(name, in_table=True), _cell(app.description), _match(app), _path(name, app, policy), _sla(app)]
        for name, app in policy.classes.items()
    ]


def circuit_sla(policy: Policy) -> dict[str, tuple[int, int, float, list[str]]]:
    """Per circuit role: the strictest SLA of the classes that may use it, and those classes."""
    never = set(policy.guardrails.never_on_wireless)
    out: dict[str, tuple[int, int, float, list[str]]] = {}
    for role in CIRCUIT_ROLES:
        users = [
            (name, app)
            for name, app in policy.classes.items()
            if role in app.path_preference and not (role == CircuitRole.TERTIARY_WIRELESS and name in never)
        ]
        if users:
            out[role] = (
                min(a.sla.latency_ms for _, a in users),
                min(a.sla.jitter_ms for _, a in users),
                min(a.sla.loss_pct for _, a in users),
                [n for n, _ in users],
            )
    return out


@dataclass(frozen=True)
class Pages:
    """Relative file name -> Markdown text."""

    files: dict[str, str]


def _intent_file(estate: Estate, kind: str, name: str) -> str:
    """``intents/sites/chi-021.yaml`` whatever the working directory (pages must not depend on it)."""
    root = estate.root.resolve()
    path = Path(estate.source_file(kind, name)).resolve()
    try:
        return f"{root.name}/{path.relative_to(root).as_posix()}"
    except ValueError:
        return path.name


def site_page(estate: Estate, facts: SiteFacts) -> str:
    site = estate.sites[facts.site]
    policy = estate.policies[site.policy]
    sources = [_intent_file(estate, "site", facts.site)]
    region_file = _intent_file(estate, "region", site.region) if site.region in estate.regions else None
    described = {seg.name: seg.description for seg in site.lan_segments}
    out = [
        f"# {text(facts.site)}: {text(facts.name)}",
        "",
        GENERATED,
        "",
        "[Estate overview](README.md)",
        "",
        *_table(
            ["site", text(facts.site)],
            [
                ["region", _cell(site.region)],
                ["platform", _cell(site.platform)],
                ["SD-WAN policy", _cell(site.policy)],
                ["BGP AS", str(facts.asn)],
                ["loopback / router id", code(str(site.loopback), in_table=True)],
                ["intent file", code(sources[0], in_table=True)],
                ["inherits from", ", ".join(code(f, in_table=True) for f in [region_file] if f) or "—"],
                ["rendered config", code(f"configs/{facts.site}{SUFFIX}", in_table=True)],
                ["tags", ", ".join(text(t) for t in site.tags) or "—"],
            ],
        ),
        "## Circuits",
        "",
        *_table(
            [
                "role",
                "provider",
                "media",
                "circuit id",
                "bandwidth",
                "address",
                "gateway",
                "BFD",
                "local-pref / prepend",
            ],
            [
                [
                    _title(c.role),
                    f"{_cell(c.provider_name)} (AS {c.provider_asn})",
                    _cell(c.media),
                    code(c.circuit_id, in_table=True),
                    f"{c.bandwidth_mbps} Mb/s",
                    code(c.address, in_table=True),
                    code(c.gateway, in_table=True),
                    "yes" if c.bfd else "no",
                    f"{c.local_preference} / {c.as_path_prepend}",
                ]
                for c in facts.circuits
            ],
        ),
        "## LAN segments",
        "",
        *_table(
            ["segment", "VLAN", "interface", "address", "description"],
            [
                [
                    code(lan.name, in_table=True),
                    str(lan.vlan),
                    code(lan.interface, in_table=True),
                    code(lan.address, in_table=True),
                    _cell(described.get(lan.name, "")),
                ]
                for lan in facts.lan_segments
            ],
        ),
        "## BGP",
        "",
        f"AS {facts.bgp.asn}, router id {code(facts.bgp.router_id)}; timers {site.bgp.keepalive} s keepalive, "
        f"{site.bgp.hold} s hold. Announces " + ", ".join(code(n) for n in facts.bgp.networks) + ".",
        "",
        *_table(
            ["neighbor", "circuit", "remote AS", "route-map in / out", "BFD", "password"],
            [
                [
                    code(n.address, in_table=True),
                    _title(n.role),
                    str(n.remote_as),
                    f"{code(n.route_map_in, in_table=True)} / {code(n.route_map_out, in_table=True)}",
                    "yes" if n.bfd else "no",
                    "secret " + code(n.password.removeprefix("<secret:").removesuffix(">"), in_table=True)
                    if n.password
                    else "none",
                ]
                for n in facts.bgp.neighbors
            ],
        ),
        f"## Steering: policy {text(policy.policy)}",
        "",
        _cell(policy.description),
        "",
        *steering_words(facts),
        *_table(["class", "what", "matches", "path", "SLA"], steering_rows(policy)),
        *monitoring_section(estate, facts, policy),
        *who_is_alerted(estate, facts.site),
    ]
    return "\n".join(out)


def monitoring_section(estate: Estate, facts: SiteFacts, policy: Policy) -> list[str]:
    reach = estate.settings.reachability
    sla = circuit_sla(policy)
    rows = [
        [
            "each circuit carries traffic to its provider's tracking address",
            code(f"{metrics.CIRCUIT_UP}{{{metrics.SITE}, {metrics.CIRCUIT}}}", in_table=True),
            code(metrics.Alert.CIRCUIT_DOWN.value, in_table=True),
        ],
        [
            "loss, latency and jitter of each circuit against its SLA (below)",
            code(metrics.CIRCUIT_LOSS, in_table=True),
            code(metrics.Alert.CIRCUIT_SLA_BREACH.value, in_table=True),
        ],
        [
            "link carrier and BGP session of each circuit (from the device)",
            code(metrics.BGP_UP, in_table=True),
            "—",
        ],
        [
            f"the site reaches the hub {code(str(reach.hub), in_table=True)} "
            f"and SaaS {code(str(reach.saas), in_table=True)}",
            code(metrics.TARGET_REACHABLE, in_table=True),
            code(metrics.Alert.SITE_DOWN.value, in_table=True),
        ],
        [
            f"the running config equals {code(f'configs/{facts.site}{SUFFIX}', in_table=True)}",
            code(metrics.CONFIG_DRIFT, in_table=True),
            code(metrics.Alert.CONFIG_DRIFT.value, in_table=True),
        ],
    ]
    circuits = {c.role: c for c in facts.circuits}
    sla_rows = [
        [
            _title(role),
            _cell(circuits[role].provider_name) if role in circuits else "—",
            ", ".join(code(n, in_table=True) for n in users),
            f"{lat} ms / {jit} ms / {loss:g} %",
        ]
        for role, (lat, jit, loss, users) in sla.items()
    ]
    return [
        "## What is monitored",
        "",
        *_table(["what", "metric", "alert"], rows),
        "Per circuit, the strictest SLA of the classes that may use it:",
        "",
        *_table(["circuit", "provider", "classes", "latency / jitter / loss"], sla_rows),
    ]


def overview_page(estate: Estate, facts: dict[str, SiteFacts]) -> str:
    settings = estate.settings
    sites = estate.sites
    per_region = Counter(s.region for s in sites.values())
    out = [
        f"# {text(settings.name)}: estate overview",
        "",
        GENERATED,
        "",
        f"{len(sites)} sites in {len(estate.regions)} regions, {len(estate.providers)} providers, "
        f"{len(estate.policies)} SD-WAN policies. Every site must reach the hub {code(str(settings.reachability.hub))} "
        f"and SaaS {code(str(settings.reachability.saas))} over any circuit.",
        "",
        *_change_policy(estate),
        "## Regions",
        "",
        *_table(
            ["region", "description", "sites", *(_title(r) for r in CIRCUIT_ROLES)],
            [
                [
                    code(name, in_table=True),
                    _cell(region.description),
                    str(per_region.get(name, 0)),
                    *(_region_provider(estate, name, role) for role in CIRCUIT_ROLES),
                ]
                for name, region in sorted(estate.regions.items())
            ],
        ),
        "## Providers",
        "",
        *_table(
            ["provider", "name", "kind", "AS", "address block", "tracking address", "circuits", "NOC"],
            [_provider_row(estate, name) for name in sorted(estate.providers)],
        ),
        "## SD-WAN policies",
        "",
    ]
    for name, policy in sorted(estate.policies.items()):
        users = sum(1 for s in sites.values() if s.policy == name)
        out += [
            f"### {text(name)} ({users} sites)",
            "",
            _cell(policy.description),
            "",
            *_table(["class", "what", "matches", "path", "SLA"], steering_rows(policy)),
        ]
    out += [
        "## Sites",
        "",
        *_table(
            ["site", "name", "region", "platform", "policy", "AS", "loopback", *(_title(r) for r in CIRCUIT_ROLES)],
            [_site_row(estate, facts[sid]) for sid in sorted(facts)],
        ),
        "## Alerts",
        "",
        "Alerts the monitoring raises, per site and circuit: "
        + ", ".join(code(a.value) for a in metrics.Alert)
        + ". Each site page lists what is watched there.",
        "",
        *who_is_alerted(estate, None),
    ]
    return "\n".join(out)


def _change_policy(estate: Estate) -> list[str]:
    policy = estate.settings.change_policy
    if policy is None:
        return ["No blast-radius gate: `estate.change_policy` is not set.", ""]
    rows = [
        ["most sites one change may touch", _cell(policy.max_sites or "no limit")],
        ["most sites of one region", _cell(policy.max_sites_per_region or "no limit")],
        ["circuit roles of one site per change", _cell(policy.max_circuit_roles_per_site or "no limit")],
        ["always needs an override", ", ".join(text(k) for k in policy.override_required_for) or "—"],
    ]
    return ["## Change policy (the blast-radius gate)", "", *_table(["rule", "limit"], rows)]


def _region_provider(estate: Estate, region: str, role: str) -> str:
    used = Counter(getattr(s.circuits, role).provider for s in estate.sites.values() if s.region == region)
    return ", ".join(f"{code(p, in_table=True)} ({n})" for p, n in sorted(used.items())) or "—"


def _provider_row(estate: Estate, name: str) -> list[str]:
    p = estate.providers[name]
    used = Counter(
        role for s in estate.sites.values() for role in CIRCUIT_ROLES if getattr(s.circuits, role).provider == name
    )
    circuits = ", ".join(f"{n} {_title(r)}" for r, n in sorted(used.items(), key=lambda i: CIRCUIT_ROLES.index(i[0])))
    noc = " / ".join(text(v) for v in (p.contact.noc_phone, p.contact.noc_email) if v) or "—"
    return [
        code(name, in_table=True),
        _cell(p.name),
        _cell(p.kind),
        str(p.asn),
        code(str(p.address_block), in_table=True),
        code(str(p.tracking_address), in_table=True),
        circuits or "—",
        noc,
    ]


def _site_row(estate: Estate, facts: SiteFacts) -> list[str]:
    site = estate.sites[facts.site]
    circuits = {c.role: c for c in facts.circuits}
    return [
        f"[{text(facts.site)}]({facts.site}.md)",
        _cell(facts.name),
        _cell(site.region),
        _cell(site.platform),
        _cell(site.policy),
        str(facts.asn),
        code(facts.router_id, in_table=True),
        *(f"{_cell(circuits[r].provider)} {circuits[r].bandwidth_mbps}M" for r in CIRCUIT_ROLES),
    ]


def build_pages(estate: Estate, facts: dict[str, SiteFacts]) -> Pages:
    """Every page: ``<site>.md`` for each site in ``facts`` and the overview ``README.md``."""
    files = {f"{sid}.md": site_page(estate, f) + "\n" for sid, f in sorted(facts.items())}
    files[OVERVIEW] = overview_page(estate, facts) + "\n"
    return Pages(files)
