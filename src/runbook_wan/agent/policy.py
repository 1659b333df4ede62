"""The agent's policy file (``runbook-agent-policy``, version 1): read, check, digest.

The controller renders it (``configs/<site>.agent.json``) and deploys it to
``/etc/frr/runbook-agent.json``; its format is the contract in ``docs/agent.md``. Every problem
of a file is reported in one pass, each naming the field (``classes[1].path[0]``) and what to do,
and a bad file is never half-used: the agent keeps its previous policy (or stays idle).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "runbook-agent-policy"
VERSION = 1
#: The least-bad keys the agent knows, in the default order (docs/agent.md, "least bad").
LEAST_BAD_KEYS = ("criteria_met", "loss", "latency", "jitter", "path_order")
DEFAULT_INTERVAL_MS = 100
DEFAULT_WINDOW_S = 10
#: Metered (wireless) circuits probe slower by default: 1 probe/s over 30 s windows.
DEFAULT_METERED_INTERVAL_MS = 1000
DEFAULT_METERED_WINDOW_S = 30
DEFAULT_HOLD_S = 60.0
MIN_INTERVAL_MS = 20
MAX_INTERVAL_MS = 10_000


class PolicyError(Exception):
    """The policy file is missing, unreadable or invalid; ``problems`` lists every finding."""

    def __init__(self, path: Path, problems: list[str], missing: bool = False) -> None:
        self.path = path
        self.problems = problems
        #: There is no file at all (an agent waiting for its first policy: not an error).
        self.missing = missing
        super().__init__(f"{path}: " + "; ".join(problems))

    def lines(self) -> list[str]:
        return [f"error: {self.path}: {problem}" for problem in self.problems]


@dataclass(frozen=True)
class Probe:
    interval_ms: int
    window_s: float


@dataclass(frozen=True)
class Circuit:
    role: str
    interface: str
    source: str
    target: str
    nexthop: str
    metered: bool
    probe: Probe


@dataclass(frozen=True)
class Sla:
    """One-way figures, as in the intents' policies."""

    latency_ms: float
    jitter_ms: float
    loss_pct: float

    @property
    def latency_s(self) -> float:
        return self.latency_ms / 1000.0

    @property
    def jitter_s(self) -> float:
        return self.jitter_ms / 1000.0

    @property
    def loss_ratio(self) -> float:
        return self.loss_pct / 100.0


@dataclass(frozen=True)
class SteeredClass:
    name: str
    sla: Sla
    #: Allowed circuits, most preferred first (guardrails already applied by the controller).
    path: tuple[str, ...]
    #: Per match criterion, the pbr-map sequences in rendered (preference) order, one per circuit.
    groups: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class DecisionSettings:
    breach_windows: int = 2
    clear_windows: int = 2
    hold_s: float = DEFAULT_HOLD_S
    least_bad: tuple[str, ...] = LEAST_BAD_KEYS


@dataclass(frozen=True)
class MetricsEndpoint:
    interface: str
    port: int


@dataclass(frozen=True)
class Policy:
    site: str
    pbr_map: str
    circuits: tuple[Circuit, ...]
    classes: tuple[SteeredClass, ...]
    decision: DecisionSettings
    metrics: MetricsEndpoint | None
    #: ``sha256:<hex>`` of the file's bytes (exported as ``runbook_sdwan_agent_policy_info``).
    digest: str = ""
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def circuit(self, role: str) -> Circuit:
        return next(c for c in self.circuits if c.role == role)

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(c.role for c in self.circuits)


class _Checker:
    """Collects problems while reading a JSON document; each read returns a safe default."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def obj(self, data: Any, where: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail(where, f"expected an object, got {type(data).__name__}")
            return {}
        return data

    def get(
        self, data: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...], default: Any = None
    ) -> Any:
        """``data[key]`` if it has the right type; a missing key is a problem unless a default is given."""
        path = f"{where}.{key}" if where else key
        if key not in data:
            if default is None:
                self.fail(path, "missing")
            return default
        value = data[key]
        # JSON has no int/float distinction worth keeping; a bool is not a number here.
        if isinstance(value, bool) and kind is not bool and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.fail(path, f"expected {_kind_name(kind)}, got a boolean")
            return default
        if not isinstance(value, kind):
            self.fail(path, f"expected {_kind_name(kind)}, got {type(value).__name__}")
            return default
        return value

    def required(self, data: dict[str, Any], key: str, where: str, kind: type) -> Any:
        value = self.get(data, key, where, kind)
        return kind() if value is None else value

    def address(self, data: dict[str, Any], key: str, where: str) -> str:
        value = self.required(data, key, where, str)
        if value:
            try:
                ipaddress.IPv4Address(value)
            except ValueError:
                self.fail(f"{where}.{key}", f"{value!r} is not an IPv4 address")
        return str(value)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {"str": "a string", "int": "a number", "float": "a number", "bool": "true or false", "list": "a list"}
    return " or ".join(dict.fromkeys(names.get(k.__name__, k.__name__) for k in kinds))


def _probe(check: _Checker, data: dict[str, Any], where: str, metered: bool) -> Probe:
    defaults = (
        (DEFAULT_METERED_INTERVAL_MS, DEFAULT_METERED_WINDOW_S) if metered else (DEFAULT_INTERVAL_MS, DEFAULT_WINDOW_S)
    )
    raw = check.obj(data.get("probe", {}), f"{where}.probe")
    interval = check.get(raw, "interval_ms", f"{where}.probe", (int, float), defaults[0])
    window = check.get(raw, "window_s", f"{where}.probe", (int, float), defaults[1])
    if not MIN_INTERVAL_MS <= interval <= MAX_INTERVAL_MS:
        check.fail(f"{where}.probe.interval_ms", f"{interval} is outside {MIN_INTERVAL_MS}..{MAX_INTERVAL_MS} ms")
    elif window * 1000 < 5 * interval:
        check.fail(f"{where}.probe.window_s", f"a {window} s window holds fewer than 5 probes at {interval} ms")
    return Probe(int(interval), float(window))


def _circuits(check: _Checker, raw: list[Any]) -> list[Circuit]:
    circuits = []
    for index, item in enumerate(raw):
        where = f"circuits[{index}]"
        data = check.obj(item, where)
        metered = check.get(data, "metered", where, bool, False)
        circuits.append(
            Circuit(
                role=check.required(data, "role", where, str),
                interface=check.required(data, "interface", where, str),
                source=check.address(data, "source", where),
                target=check.address(data, "target", where),
                nexthop=check.address(data, "nexthop", where),
                metered=metered,
                probe=_probe(check, data, where, metered),
            )
        )
    roles = [c.role for c in circuits]
    for role in sorted({r for r in roles if roles.count(r) > 1}):
        check.fail("circuits", f"circuit {role!r} is listed twice")
    return circuits


def _sla(check: _Checker, data: dict[str, Any], where: str) -> Sla:
    raw = check.obj(data.get("sla"), f"{where}.sla") if "sla" in data else None
    if raw is None:
        check.fail(f"{where}.sla", "missing")
        return Sla(0.0, 0.0, 0.0)
    values = [check.get(raw, key, f"{where}.sla", (int, float)) for key in ("latency_ms", "jitter_ms", "loss_pct")]
    for key, value in zip(("latency_ms", "jitter_ms", "loss_pct"), values, strict=True):
        if value is not None and value < 0:
            check.fail(f"{where}.sla.{key}", f"{value} is negative")
    return Sla(float(values[0] or 0), float(values[1] or 0), float(values[2] or 0))


def _classes(check: _Checker, raw: list[Any], roles: set[str]) -> list[SteeredClass]:
    classes = []
    for index, item in enumerate(raw):
        where = f"classes[{index}]"
        data = check.obj(item, where)
        name = check.required(data, "name", where, str)
        path = [str(p) for p in check.required(data, "path", where, list)]
        for pos, role in enumerate(path):
            if role not in roles:
                check.fail(f"{where}.path[{pos}]", f"circuit {role!r} is not in circuits ({', '.join(sorted(roles))})")
        if not path:
            check.fail(f"{where}.path", "lists no circuit; a class needs at least one allowed circuit")
        if len(set(path)) != len(path):
            check.fail(f"{where}.path", "lists a circuit twice")
        groups = []
        for gpos, group in enumerate(check.required(data, "groups", where, list)):
            gwhere = f"{where}.groups[{gpos}]"
            seqs = check.required(check.obj(group, gwhere), "sequences", gwhere, list)
            if len(seqs) != len(path) or not all(isinstance(s, int) and not isinstance(s, bool) for s in seqs):
                check.fail(f"{gwhere}.sequences", f"expected {len(path)} sequence numbers, one per circuit of path")
                continue
            groups.append(tuple(int(s) for s in seqs))
        classes.append(SteeredClass(name, _sla(check, data, where), tuple(path), tuple(groups)))
    seqs = [s for c in classes for g in c.groups for s in g]
    for seq in sorted({s for s in seqs if seqs.count(s) > 1}):
        check.fail("classes", f"sequence {seq} belongs to more than one group")
    return classes


def _decision(check: _Checker, raw: Any) -> DecisionSettings:
    data = check.obj(raw if raw is not None else {}, "decision")
    default = DecisionSettings()
    breach = check.get(data, "breach_windows", "decision", int, default.breach_windows)
    clear = check.get(data, "clear_windows", "decision", int, default.clear_windows)
    hold = check.get(data, "hold_s", "decision", (int, float), default.hold_s)
    order = tuple(str(k) for k in check.get(data, "least_bad", "decision", list, list(default.least_bad)))
    for key, value in (("breach_windows", breach), ("clear_windows", clear)):
        if value < 1:
            check.fail(f"decision.{key}", f"{value} is below 1")
    if hold < 0:
        check.fail("decision.hold_s", f"{hold} is negative")
    unknown = [k for k in order if k not in LEAST_BAD_KEYS]
    if unknown:
        check.fail("decision.least_bad", f"unknown key(s) {', '.join(unknown)}; known: {', '.join(LEAST_BAD_KEYS)}")
    return DecisionSettings(int(breach), int(clear), float(hold), order)


def _metrics(check: _Checker, raw: Any) -> MetricsEndpoint | None:
    if raw is None:
        return None
    data = check.obj(raw, "metrics")
    port = check.required(data, "port", "metrics", int)
    if port and not 1 <= port <= 65535:
        check.fail("metrics.port", f"{port} is not a TCP port")
    return MetricsEndpoint(check.required(data, "interface", "metrics", str), int(port))


def parse_policy(data: Any, path: Path, digest: str = "") -> Policy:
    """The policy in ``data`` (a parsed JSON document); raises :class:`PolicyError` with every problem."""
    check = _Checker()
    doc = check.obj(data, "")
    if doc.get("format") != FORMAT:
        check.fail("format", f"expected {FORMAT!r}, got {doc.get('format')!r}")
    if doc.get("version") != VERSION:
        check.fail("version", f"this agent reads version {VERSION}, the file has {doc.get('version')!r}")
    site = check.required(doc, "site", "", str)
    pbr_map = check.required(doc, "pbr_map", "", str)
    circuits = _circuits(check, check.required(doc, "circuits", "", list))
    classes = _classes(check, check.required(doc, "classes", "", list), {c.role for c in circuits})
    decision = _decision(check, doc.get("decision"))
    metrics = _metrics(check, doc.get("metrics"))
    if check.problems:
        raise PolicyError(path, check.problems)
    return Policy(site, pbr_map, tuple(circuits), tuple(classes), decision, metrics, digest, doc)


def load_policy(path: Path) -> Policy:
    """Read and check the policy file; raises :class:`PolicyError` (never half-reads a file)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(path, ["no policy file; the agent stays idle until one is deployed"], missing=True) from None
    except OSError as exc:
        raise PolicyError(path, [f"cannot read it: {exc.strerror}"]) from None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f"line {exc.lineno}: " if isinstance(exc, json.JSONDecodeError) else ""
        raise PolicyError(path, [f"{where}not valid JSON ({exc})"]) from None
    return parse_policy(data, path, "sha256:" + hashlib.sha256(raw).hexdigest())
