"""``lab up``: build the lab from the intents, boot every node and wait until it is ready.

Order: plan everything in memory (topology, every FRR config with its secrets) so bad input
fails before anything is touched; clean leftovers of the same prefix; record ``lab.json``;
then create namespaces, links and addresses in batches, start the relay, seal the lab, boot
FRR and sshd (in parallel) and poll until ready. A failure while building tears the partial
lab down again.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from runbook_wan.credentials.redact import Redactor
from runbook_wan.credentials.tokens import token_names
from runbook_wan.facts.builder import build_estate_facts
from runbook_wan.inventory.hosts_file import HostEntry, HostsFile, SshPaths, hosts_path, lab_mark, write_hosts_file
from runbook_wan.lab import (
    agents,
    device,
    frr_configs,
    impairment,
    kernel,
    links,
    mgmt_pool,
    naming,
    passwords,
    seal,
    shell,
    state,
)
from runbook_wan.lab.addressing import free_network
from runbook_wan.lab.device import FRR_LIB, LabLayout
from runbook_wan.lab.readiness import Readiness, bgp_circuits, wait_ready
from runbook_wan.lab.state import LabRecord
from runbook_wan.lab.teardown import teardown
from runbook_wan.lab.topology import CircuitLink, Topology, build_topology
from runbook_wan.model.loader import load_estate
from runbook_wan.model.platform import DEFAULT_PLATFORMS_DIR, Artifact
from runbook_wan.results import Diagnostic, DiagnosticError
from runbook_wan.selection.limit import select_sites

#: Tools the lab runs, with the Debian package that provides each.
REQUIRED_TOOLS = {
    "ip": "iproute2",
    "nft": "nftables",
    "ethtool": "ethtool",
    "ssh-keygen": "openssh-client",
    "vtysh": "frr",
    "tc": "iproute2",
}
SSHD = Path("/usr/sbin/sshd")
DEFAULT_WORKERS = 4
BASE_TIMEOUT = 60.0
PER_SITE_TIMEOUT = 0.75


@dataclass
class UpOptions:
    intents: Path
    state_dir: Path
    prefix: str = naming.DEFAULT_PREFIX
    limit: str | None = None
    #: Boot sites with ``<configs>/<site>.cfg`` instead of day-0 configs.
    configs: Path | None = None
    #: Where to write ``hosts.yaml`` for the Nornir inventory (None: do not write one).
    inventory_dir: Path | None = Path("inventory")
    #: Override ``estate.management_network`` (e.g. to run two labs of one estate side by side).
    management_network: str | None = None
    timeout: float | None = None
    #: Sites (a --limit expression) whose DIAs also run through the relay, so ``lab impair`` can
    #: delay them (wireless circuits always do). Costs the relay's CPU for all their traffic.
    relay: str | None = None
    #: With ``relay``: only circuits of these roles (None: every DIA).
    relay_roles: frozenset[str] | None = None
    #: Start the SD-WAN edge agent on every site (it idles until a policy file arrives).
    agents: bool = True
    workers: int = DEFAULT_WORKERS
    platforms_dir: Path = DEFAULT_PLATFORMS_DIR


@dataclass
class BootConfig:
    netns: str
    hostname: str
    text: str
    daemons: tuple[str, ...]
    site_mgmt: str | None = None  # sites only: address sshd listens on
    #: Sites booted from rendered configs: the platform's artifacts (classifier, agent policy).
    files: tuple[frr_configs.BootFile, ...] = ()


@dataclass
class UpResult:
    record: LabRecord
    readiness: Readiness
    generated_secrets: list[str]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.readiness.ready


def preflight() -> None:
    problems = []
    if os.geteuid() != 0:
        problems.append(
            Diagnostic(
                "lab-root",
                "the lab needs root (network namespaces, FRR, nft)",
                hint="run as root, e.g. sudo python3 runbook.py lab up",
            )
        )
    if not (FRR_LIB / "frrinit.sh").is_file() or not SSHD.is_file():
        problems.append(
            Diagnostic(
                "lab-frr-missing",
                "FRR or openssh-server is not installed",
                hint="apt-get install frr frr-pythontools openssh-server",
            )
        )
    for tool, package in REQUIRED_TOOLS.items():
        if shutil.which(tool) is None:
            problems.append(Diagnostic("lab-tool-missing", f"`{tool}` not found", hint=f"apt-get install {package}"))
    if problems:
        raise DiagnosticError(problems)


def root_networks() -> list[tuple[str, ipaddress.IPv4Network]]:
    """(interface, network) of every IPv4 address in the root namespace."""
    proc = shell.ip("-j", "-4", "addr", "show")
    return [
        (str(link["ifname"]), ipaddress.IPv4Network(f"{a['local']}/{a['prefixlen']}", strict=False))
        for link in json.loads(proc.stdout or "[]")
        for a in link.get("addr_info", [])
    ]


def free_management_network(pool: str = "198.19.128.0/17", prefixlen: int = 24, skip: int = 0) -> str:
    """A management network no root-namespace interface uses and no other pick holds (for labs next
    to other labs); the pick is held while this process lives, for at most ``mgmt_pool.HOLD_S``."""
    with mgmt_pool.picking() as coordinated:
        used = [n for _, n in root_networks()] + (mgmt_pool.held() if coordinated else [])
        found = free_network(ipaddress.IPv4Network(pool), prefixlen, used, skip)
        if found is not None and coordinated:
            mgmt_pool.hold(found)
    if found is None:
        raise DiagnosticError(
            [
                Diagnostic(
                    "lab-mgmt-exhausted",
                    f"no free /{prefixlen} left in {pool}",
                    hint="stop other labs or pick another pool",
                )
            ]
        )
    return str(found)


def _check_management_free(topo: Topology) -> None:
    network = ipaddress.IPv4Network(topo.management_network)
    for ifname, other in root_networks():
        if other.overlaps(network) and ifname != topo.bridge:
            raise DiagnosticError(
                [
                    Diagnostic(
                        "lab-mgmt-in-use",
                        f"management network {network} overlaps {other} on interface {ifname} (another lab?)",
                        hint="stop the other lab, or pass --management-network with a free range",
                    )
                ]
            )


def _secret_names(topo: Topology, configs: dict[str, str]) -> list[str]:
    names = {p.password_secret for p in topo.providers.values() if p.password_secret}
    for text in configs.values():
        names |= set(token_names(text))
    return sorted(names)


def _plan_configs(
    topo: Topology, options: UpOptions, layout: LabLayout, redactor: Redactor, artifacts: dict[str, list[Artifact]]
) -> tuple[list[BootConfig], dict[str, list[CircuitLink]], list[str]]:
    raw: dict[str, str] = {}
    files: dict[str, tuple[frr_configs.BootFile, ...]] = {}
    if options.configs is not None:
        frr_configs.check_configs_dir(options.configs, sorted(topo.sites))
        raw = {sid: frr_configs.config_file(options.configs, sid).read_text(encoding="utf-8") for sid in topo.sites}
        files = {sid: tuple(frr_configs.boot_files(options.configs, sid, artifacts[sid])) for sid in topo.sites}
    resolver, generated = passwords.lab_resolver(_secret_names(topo, raw), layout, redactor)
    boots = [
        BootConfig(topo.internet.netns, "internet", frr_configs.internet_config(topo), tuple(topo.internet.daemons))
    ]
    boots += [
        BootConfig(p.netns, p.provider, frr_configs.provider_config(p, topo.internet, resolver), tuple(p.daemons))
        for p in topo.providers.values()
    ]
    expected: dict[str, list[CircuitLink]] = {}
    for sid, site in topo.sites.items():
        text = resolver.resolve_text(raw[sid]) if sid in raw else frr_configs.day0_config(site)
        expected[sid] = bgp_circuits(site, text)
        boots.append(
            BootConfig(
                site.netns, site.hostname, text, tuple(site.daemons), site_mgmt=site.mgmt_ip, files=files.get(sid, ())
            )
        )
    return boots, expected, generated


def _parallel(workers: int, jobs: list[Callable[[], object]]) -> None:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(job) for job in jobs]
        errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        raise errors[0]  # type: ignore[misc]


def _netns_settings(topo: Topology) -> dict[str, tuple[str, ...]]:
    settings: dict[str, tuple[str, ...]] = {ns: kernel.ROUTER_SYSCTLS for ns in topo.frr_netns()}
    settings |= {s.hosts_netns: kernel.HOST_SYSCTLS for s in topo.sites.values()}
    if topo.relay_netns:
        settings[topo.relay_netns] = kernel.HOST_SYSCTLS
    return settings


def _boot(boot: BootConfig, layout: LabLayout) -> None:
    folder = device.write_frr_instance(boot.netns, boot.text, boot.daemons)
    for file in boot.files:
        (folder / file.name).write_text(file.text, encoding="utf-8")
        command = file.apply_command(folder)
        if command is not None:
            shell.in_netns(boot.netns, "sh", "-c", command)
    device.start_frr(boot.netns, boot.hostname)
    if boot.site_mgmt is not None:
        device.start_sshd(layout, boot.netns, boot.hostname, boot.site_mgmt)


def _build(
    topo: Topology,
    boots: list[BootConfig],
    layout: LabLayout,
    options: UpOptions,
    timings: dict[str, float],
    step: Callable[[str], None],
) -> None:
    mark = time.monotonic()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        timings[name] = round(now - mark, 3)
        mark = now
        step(name)

    shell.ip_batch(links.netns_add_batch(topo))
    workers = options.workers
    _parallel(workers, [partial(kernel.sysctl_netns, ns, s) for ns, s in _netns_settings(topo).items()])
    shell.ip_batch(links.root_batch(topo))
    _parallel(workers, [partial(shell.ip_batch, b, ns) for ns, b in links.netns_batches(topo).items()])
    lap("namespaces and links")
    impairment.start(topo, layout)
    seal.apply(topo)
    lap("relay and seal")
    _parallel(workers, [partial(_boot, b, layout) for b in boots])
    lap("FRR and sshd started")
    if options.agents:
        _parallel(workers, [partial(agents.start, layout, site) for site in topo.sites.values()])
        lap("edge agents started")


def _write_access(record: LabRecord, layout: LabLayout, inventory_dir: Path | None) -> Path | None:
    topo = record.topology
    lines = [device.host_key_line(layout, s.netns, s.mgmt_ip) for s in topo.sites.values()]
    layout.known_hosts.write_text("\n".join(lines) + "\n")
    layout.known_hosts.chmod(0o644)
    if inventory_dir is None:
        return None
    content = HostsFile(
        written_by=lab_mark(topo.prefix),
        ssh=SshPaths(key_file=str(layout.client_key), known_hosts_file=str(layout.known_hosts)),
        hosts={sid: HostEntry(hostname=s.mgmt_ip) for sid, s in topo.sites.items()},
    )
    header = (
        f"Written by `runbook.py lab up` (lab {topo.prefix}, {record.created}): management addresses the\n"
        "lab assigned. Git-ignored; removed by `lab down`. Holds key file paths, never credentials."
    )
    return write_hosts_file(inventory_dir, content, header)


def _as_diagnostic(exc: shell.LabCommandError) -> DiagnosticError:
    return DiagnosticError(
        [
            Diagnostic(
                "lab-command",
                f"building the lab failed: {exc}",
                hint="the partial lab was removed; see <state>/lab/logs and /var/log/frr for details",
            )
        ]
    )


def up(options: UpOptions, redactor: Redactor, step: Callable[[str], None] | None = None) -> UpResult:
    """Build and boot the lab; returns when every node is ready or the timeout passed."""
    notify = step or (lambda _name: None)
    preflight()
    start = time.monotonic()
    estate, _ = load_estate(options.intents, options.platforms_dir)
    facts, _ = build_estate_facts(estate, select_sites(estate, options.limit))
    relayed = frozenset(select_sites(estate, options.relay)) & set(facts) if options.relay else frozenset()
    topo = build_topology(estate, facts, options.prefix, options.management_network, relayed, options.relay_roles)
    layout = state.layout(options.state_dir)
    layout.ensure()
    previous = state.load_optional(options.state_dir)
    if previous is not None and previous.prefix != topo.prefix:
        raise DiagnosticError(
            [
                Diagnostic(
                    "lab-running",
                    f"lab {previous.prefix!r} is already running under {layout.root}",
                    hint="run `runbook.py lab down` first, or use another --state",
                )
            ]
        )
    artifacts = {sid: estate.platforms[estate.sites[sid].platform].artifacts for sid in topo.sites}
    boots, expected, generated = _plan_configs(topo, options, layout, redactor, artifacts)
    teardown(topo.prefix, layout, previous)
    _check_management_free(topo)
    device.ensure_client_key(layout)
    record = LabRecord(
        topology=topo,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        state_dir=str(options.state_dir.resolve()),
        intents=str(options.intents.resolve()),
        configs=str(options.configs.resolve()) if options.configs else None,
        secrets_files=[str(layout.secrets)] if layout.secrets.is_file() else [],
        hosts_file=str(hosts_path(options.inventory_dir).resolve()) if options.inventory_dir else None,
        agents=options.agents,
    )
    state.save(record, layout)
    timings = {"plan": round(time.monotonic() - start, 3)}
    try:
        record.sysctl_restore = kernel.raise_neighbour_limits(topo)
        state.save(record, layout)
        _build(topo, boots, layout, options, timings, notify)
        _write_access(record, layout, options.inventory_dir)
    except shell.LabCommandError as exc:
        teardown(topo.prefix, layout, record)
        raise _as_diagnostic(exc) from None
    except BaseException:
        teardown(topo.prefix, layout, record)
        raise
    timeout = options.timeout or BASE_TIMEOUT + PER_SITE_TIMEOUT * len(topo.sites)
    readiness = wait_ready(topo, expected, timeout)
    timings["ready"] = round(readiness.elapsed, 3)
    timings["total"] = round(time.monotonic() - start, 3)
    notify("ready" if readiness.ready else "not ready")
    return UpResult(record=record, readiness=readiness, generated_secrets=generated, timings=timings)
