"""Turn Batfish answer rows into findings on the rendered configs (pure functions, no service).

Rows are ``TableAnswer.frame()`` records (``frame.to_dict("records")``): plain values, or pybatfish
datamodel objects (``FileLines``, ``Flow``, ``Trace``, ``NextHop``) for typed columns. Every finding
names the site's rendered config (``configs/<site>.cfg``) and, where Batfish gives one, the line
in the rendered file (Batfish's snapshot line minus the format header).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runbook_wan.model.roles import CIRCUIT_ROLES
from runbook_wan.results import Diagnostic, Severity, SourceLocation
from runbook_wan.validation.batfish.allowlist import Allowlist
from runbook_wan.validation.batfish.snapshot import SnapshotLayout
from runbook_wan.validation.report import ESTATE

Row = Mapping[str, Any]
Findings = dict[str, list[Diagnostic]]  # subject -> diagnostics

#: What ``fileParseStatus`` must say for a file of each ``batfish_format``.
EXPECTED_FILE_FORMAT: dict[str, str] = {
    "cumulus_concatenated": "CUMULUS_CONCATENATED",
    "arista": "ARISTA",
    "ios": "CISCO_IOS",
}
PARSED_OK = frozenset({"PASSED", "PARTIALLY_UNRECOGNIZED"})
SESSION_OK = frozenset({"UNIQUE_MATCH", "DYNAMIC_MATCH"})


def field(value: Any, name: str) -> Any:
    """``value.name`` for datamodel objects, ``value[name]`` for dicts (answers hold either)."""
    if isinstance(value, Mapping):
        return value.get(name)
    return getattr(value, name, None)


@dataclass(frozen=True)
class Locator:
    """Maps Batfish's file names, node names and lines back to rendered configs."""

    layout: SnapshotLayout
    config_file: Callable[[str], str]  # site -> configs/<site>.cfg

    def site(self, node_or_file: str | None) -> str | None:
        if not node_or_file:
            return None
        name = str(node_or_file)
        if name.lower() in self.layout.sites:
            return name.lower()
        return self.layout.site_of_file(name)

    def location(self, site: str, snapshot_line: Any = None) -> SourceLocation:
        line = None
        if isinstance(snapshot_line, int | str) and str(snapshot_line).isdigit():
            line = self.layout.sites[site].wrapped.rendered_line(int(snapshot_line))
        return SourceLocation(self.config_file(site), line)

    def file_lines(self, value: Any) -> tuple[str | None, int | None]:
        """(site, first snapshot line) of a FileLines value or a list of them."""
        items = list(value) if isinstance(value, list | tuple) else [value]
        for item in items:
            site = self.site(field(item, "filename"))
            lines = field(item, "lines") or []
            if site is not None:
                return site, (int(lines[0]) if lines else None)
        return None, None


def _add(found: Findings, subject: str, diag: Diagnostic) -> None:
    found.setdefault(subject, []).append(diag)


def _diag(
    code: str,
    message: str,
    location: SourceLocation | None,
    subject: str,
    hint: str,
    severity: Severity = Severity.ERROR,
) -> Diagnostic:
    return Diagnostic(
        code,
        message,
        severity=severity,
        location=location,
        hint=hint,
        details={"subject": subject, "backend": "batfish"},
    )


def parse_status(rows: Iterable[Row], loc: Locator) -> Findings:
    """Every site's file parsed (fully or partially) in the format its platform declares."""
    found: Findings = {}
    seen: set[str] = set()
    for row in rows:
        site = loc.site(row.get("File_Name"))
        if site is None:
            continue
        seen.add(site)
        status, fmt = str(row.get("Status")), str(row.get("File_Format"))
        expected = EXPECTED_FILE_FORMAT.get(loc.layout.sites[site].batfish_format)
        if status not in PARSED_OK:
            _add(
                found,
                site,
                _diag(
                    "batfish-parse",
                    f"Batfish parse status {status} (format {fmt})",
                    loc.location(site),
                    site,
                    "see the parse warnings; the file was not usable",
                ),
            )
        elif expected is not None and fmt != expected:
            _add(
                found,
                site,
                _diag(
                    "batfish-format",
                    f"Batfish read the file as {fmt}, expected {expected}",
                    loc.location(site),
                    site,
                    "the format header is missing or wrong (see validation/batfish/formats.py)",
                ),
            )
    for site in loc.layout.sites:
        if site not in seen:
            _add(
                found,
                site,
                _diag(
                    "batfish-parse",
                    "Batfish did not report this file",
                    loc.location(site),
                    site,
                    "check the snapshot layout (configs/<site>.cfg)",
                ),
            )
    return found


def _allowed(question: str, row: Row, allow: Allowlist) -> bool:
    return allow.reason(question, row) is not None


def parse_warnings(rows: Iterable[Row], loc: Locator, allow: Allowlist) -> Findings:
    """Parse warnings not in the allowlist (unrecognised lines the model may be missing)."""
    found: Findings = {}
    for row in rows:
        site = loc.site(row.get("Filename"))
        if site is None or _allowed("parseWarning", row, allow):
            continue
        text = str(row.get("Text", "")).strip()
        _add(
            found,
            site,
            _diag(
                "batfish-parse-warning",
                f"Batfish: {row.get('Comment') or 'unrecognized'}: `{text}`",
                loc.location(site, row.get("Line")),
                site,
                "fix the line, or add it to validation/batfish_allowlist.yaml with a reason",
            ),
        )
    return found


def init_issues(rows: Iterable[Row], loc: Locator, allow: Allowlist) -> Findings:
    """Conversion red flags and unimplemented features not in the allowlist."""
    found: Findings = {}
    for row in rows:
        if _allowed("initIssues", row, allow):
            continue
        site, line = loc.file_lines(row.get("Source_Lines") or [])
        nodes = row.get("Nodes") or []
        site = site or next((s for s in (loc.site(n) for n in nodes) if s), None)
        message = f"Batfish {row.get('Type', 'issue')}: {row.get('Details', '')}".strip()
        if site is None:
            _add(
                found,
                ESTATE,
                _diag(
                    "batfish-init-issue",
                    message,
                    None,
                    ESTATE,
                    "add it to validation/batfish_allowlist.yaml if expected",
                ),
            )
            continue
        _add(
            found,
            site,
            _diag(
                "batfish-init-issue",
                message,
                loc.location(site, line),
                site,
                "fix the config, or add it to validation/batfish_allowlist.yaml with a reason",
            ),
        )
    return found


def undefined_references(rows: Iterable[Row], loc: Locator, allow: Allowlist) -> Findings:
    """Structures referenced but not defined, as Batfish's vendor model sees them."""
    found: Findings = {}
    for row in rows:
        site = loc.site(row.get("File_Name"))
        if site is None or _allowed("undefinedReferences", row, allow):
            continue
        _, line = loc.file_lines(row.get("Lines") or [])
        _add(
            found,
            site,
            _diag(
                "batfish-undefined-reference",
                f"{row.get('Struct_Type')} {row.get('Ref_Name')!r} is referenced "
                f"({row.get('Context')}) but not defined",
                loc.location(site, line),
                site,
                "define it or fix the reference",
            ),
        )
    return found


def bgp_sessions(rows: Iterable[Row], loc: Locator) -> Findings:
    """Each circuit's eBGP session to its provider edge is compatible (UNIQUE_MATCH)."""
    status: dict[tuple[str, str], str] = {}
    for row in rows:
        site = loc.site(row.get("Node"))
        if site is not None:
            status[(site, str(row.get("Remote_IP")))] = str(row.get("Configured_Status"))
    found: Findings = {}
    for site, layout in loc.layout.sites.items():
        for role, (_, gateway) in layout.circuits.items():
            state = status.get((site, gateway))
            if state in SESSION_OK:
                continue
            what = "no BGP session found" if state is None else f"BGP session is {state}"
            _add(
                found,
                site,
                _diag(
                    "batfish-bgp-session",
                    f"{role}: {what} towards provider edge {gateway}",
                    loc.location(site),
                    site,
                    "check the neighbor address, remote-as and the circuit interface address",
                ),
            )
    return found


def _next_hop_ip(row: Row) -> str | None:
    value = row.get("Next_Hop_IP")
    if value is None:
        value = field(row.get("Next_Hop"), "ip")
    return str(value) if value not in (None, "") else None


def expected_role(down: str | None) -> str:
    return next(r for r in CIRCUIT_ROLES if r != down)


def default_routes(rows: Iterable[Row], loc: Locator, down: str | None = None) -> Findings:
    """Each site has a default route via the most preferred circuit that is up."""
    hops: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        site = loc.site(row.get("Node"))
        if site is not None and str(row.get("Network")) == "0.0.0.0/0":
            hops[site].add(_next_hop_ip(row) or "?")
    when = f" with {down} down" if down else ""
    found: Findings = {}
    for site, layout in loc.layout.sites.items():
        role = expected_role(down)
        gateway = layout.circuits[role][1]
        by_gateway = {gw: r for r, (_, gw) in layout.circuits.items()}
        if not hops.get(site):
            _add(
                found,
                site,
                _diag(
                    "batfish-default-route",
                    f"no default route{when}",
                    loc.location(site),
                    site,
                    f"expected one via {role} ({gateway})",
                ),
            )
        elif gateway not in hops[site]:
            got = ", ".join(f"{h} ({by_gateway.get(h, 'not a circuit')})" for h in sorted(hops[site]))
            _add(
                found,
                site,
                _diag(
                    "batfish-default-route",
                    f"default route{when} goes via {got}, not {role} ({gateway})",
                    loc.location(site),
                    site,
                    "check local-preference: primary > secondary > wireless",
                ),
            )
    return found


def reachability_failures(rows: Iterable[Row], loc: Locator, target: str, down: str | None = None) -> Findings:
    """Flows from LAN interfaces to ``target`` that Batfish finds failing (one finding per flow)."""
    found: Findings = {}
    when = f" with {down} down" if down else ""
    for row in rows:
        flow = row.get("Flow")
        site = loc.site(field(flow, "ingressNode"))
        if site is None:
            continue
        iface = loc.layout.sites[site].wrapped.rendered_interface(str(field(flow, "ingressInterface")))
        traces: Sequence[Any] = row.get("Traces") or []
        dispositions = sorted({str(field(t, "disposition")) for t in traces}) or ["no trace"]
        _add(
            found,
            site,
            _diag(
                "batfish-reachability",
                f"traffic from {iface} ({field(flow, 'srcIp')}) to {target}{when}: {', '.join(dispositions)}",
                loc.location(site),
                site,
                "the LAN must reach the hub over any remaining circuit",
            ),
        )
    return found
