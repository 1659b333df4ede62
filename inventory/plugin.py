"""``RunbookInventory``: the Nornir inventory of the estate's sites.

* hosts: one per site selected from the intents (``intents``, ``limit``), with platform, region
  and policy as data and as groups (``<platform>``, ``region:<name>``, ``policy:<name>``);
* addresses: ``<inventory_dir>/hosts.yaml`` (see :mod:`inventory.hosts_file`); a selected site
  without one is an error;
* connection options: the platform catalog (``platforms/<platform>.yaml``: NAPALM driver,
  timeout, optional_args), under ``defaults.yaml`` and over it ``groups.yaml`` overrides (from
  ``inventory_dir`` if present there, else the copies Runbook ships);
* credentials: ``RUNBOOK_SSH_USER`` (default root), ``RUNBOOK_SSH_KEY``, ``RUNBOOK_KNOWN_HOSTS``,
  else the key and known_hosts paths the lab wrote into ``hosts.yaml``. Never YAML values.

Runbook itself calls :func:`build_inventory` with the estate it already loaded (the intents are
read once per command). Other tools use the plugin::

    nr = InitNornir(inventory={"plugin": "RunbookInventory",
                               "options": {"intents": "intents", "inventory_dir": "inventory"}})
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from copy import deepcopy
from pathlib import Path
from typing import Any

import yaml
from nornir.core.inventory import (
    ConnectionOptions,
    Defaults,
    Group,
    Groups,
    Host,
    Hosts,
    Inventory,
    ParentGroups,
)

from runbook_wan.inventory.credentials import SshCredentials, ssh_credentials
from runbook_wan.inventory.hosts_file import HostsFile, hosts_path, read_hosts_file
from runbook_wan.model.estate import Estate
from runbook_wan.model.loader import load_estate
from runbook_wan.model.platform import DEFAULT_PLATFORMS_DIR
from runbook_wan.results import Diagnostic, DiagnosticError, SourceLocation
from runbook_wan.selection.limit import select_sites
from runbook_wan.workspace import BUILTIN_INVENTORY

PACKAGE_DIR = BUILTIN_INVENTORY
GROUPS_FILE = "groups.yaml"
DEFAULTS_FILE = "defaults.yaml"
CONNECTION = "napalm"


def _yaml_mapping(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DiagnosticError(
            [
                Diagnostic(
                    "inventory-yaml",
                    f"{path} is not valid YAML: {exc}",
                    location=SourceLocation(str(path)),
                    hint="fix the YAML syntax",
                )
            ]
        ) from None
    if not isinstance(data, dict):
        raise DiagnosticError(
            [
                Diagnostic(
                    "inventory-yaml",
                    f"{path} must be a mapping",
                    location=SourceLocation(str(path)),
                    hint="write `name: {...}` entries",
                )
            ]
        )
    return data


def _connection_options(data: Mapping[str, Any]) -> dict[str, ConnectionOptions]:
    return {
        name: ConnectionOptions(
            hostname=c.get("hostname"),
            port=c.get("port"),
            username=c.get("username"),
            password=c.get("password"),
            platform=c.get("platform"),
            extras=deepcopy(c.get("extras")),
        )
        for name, c in (data.get("connection_options") or {}).items()
    }


def _optional_args(data: Mapping[str, Any]) -> dict[str, Any]:
    extras = ((data.get("connection_options") or {}).get(CONNECTION) or {}).get("extras") or {}
    return dict(extras.get("optional_args") or {})


def _extras(data: Mapping[str, Any]) -> dict[str, Any]:
    extras = ((data.get("connection_options") or {}).get(CONNECTION) or {}).get("extras") or {}
    return {k: v for k, v in extras.items() if k != "optional_args"}


class RunbookInventory:
    """Nornir inventory plugin (entry point ``nornir.plugins.inventory: RunbookInventory``)."""

    def __init__(
        self,
        intents: str = "intents",
        inventory_dir: str = "inventory",
        limit: str | None = None,
        platforms_dir: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.intents = Path(intents)
        self.inventory_dir = Path(inventory_dir)
        self.limit = limit
        self.platforms_dir = Path(platforms_dir) if platforms_dir else DEFAULT_PLATFORMS_DIR
        self.environ = dict(os.environ if environ is None else environ)

    def load(self) -> Inventory:
        estate, _ = load_estate(self.intents, self.platforms_dir)
        return build_inventory(estate, select_sites(estate, self.limit), self.inventory_dir, self.environ)


def _data_file(inventory_dir: Path, name: str) -> Path:
    own = inventory_dir / name
    return own if own.is_file() else PACKAGE_DIR / name


def build_inventory(
    estate: Estate, selected: list[str], inventory_dir: Path, environ: Mapping[str, str] | None = None
) -> Inventory:
    """The inventory of ``selected`` sites of an already loaded estate."""
    hosts_file = read_hosts_file(inventory_dir)
    _check_addresses(selected, hosts_file, inventory_dir)
    credentials = ssh_credentials(dict(os.environ if environ is None else environ), hosts_file.ssh)
    defaults_data = _yaml_mapping(_data_file(inventory_dir, DEFAULTS_FILE))
    groups_file = _data_file(inventory_dir, GROUPS_FILE)
    overrides = _yaml_mapping(groups_file)
    _check_overrides(overrides, groups_file)
    defaults = Defaults(
        hostname=defaults_data.get("hostname"),
        port=defaults_data.get("port"),
        username=credentials.username,
        password=None,
        platform=None,
        data=dict(defaults_data.get("data") or {}),
        connection_options=_connection_options(defaults_data),
    )
    groups = _groups(estate, selected, overrides, defaults)
    hosts = Hosts()
    for sid in selected:
        hosts[sid] = _host(estate, sid, hosts_file, groups, overrides, defaults_data, credentials, defaults)
    return Inventory(hosts=hosts, groups=groups, defaults=defaults)


def _check_addresses(selected: list[str], hosts_file: HostsFile, inventory_dir: Path) -> None:
    missing = [sid for sid in selected if sid not in hosts_file.hosts]
    if missing:
        path = hosts_path(inventory_dir)
        raise DiagnosticError(
            [
                Diagnostic(
                    "inventory-no-address",
                    f"site {sid} has no management address",
                    location=SourceLocation(str(path)),
                    hint=f"run `runbook.py lab up --inventory {inventory_dir}` or add "
                    f"`hosts: {{{sid}: {{hostname: ADDRESS}}}}`",
                )
                for sid in missing
            ]
        )


def _check_overrides(overrides: dict[str, Any], path: Path) -> None:
    """The NAPALM driver is a platform fact: groups.yaml may tune connections, not choose drivers."""
    problems = [
        Diagnostic(
            "inventory-group-platform",
            f"group {name!r} sets a NAPALM platform; the driver comes from the platform catalog",
            location=SourceLocation(str(path), None, f"{name}.platform"),
            hint="remove `platform:` (and connection_options.napalm.platform) from the group; set napalm_driver in "
            "platforms/<platform>.yaml",
        )
        for name, raw in overrides.items()
        if isinstance(raw, dict)
        and (raw.get("platform") or ((raw.get("connection_options") or {}).get(CONNECTION) or {}).get("platform"))
    ]
    if problems:
        raise DiagnosticError(problems)


def _catalog_extras(estate: Estate, platform: str) -> dict[str, Any]:
    spec = estate.platforms[platform]
    return {"timeout": spec.napalm_timeout, "optional_args": dict(spec.napalm_optional_args)}


def _groups(estate: Estate, selected: list[str], overrides: dict[str, Any], defaults: Defaults) -> Groups:
    groups = Groups()
    for sid in selected:
        site = estate.sites[sid]
        if site.platform not in groups:
            groups[site.platform] = Group(
                name=site.platform,
                platform=estate.platforms[site.platform].napalm_driver,
                data={"platform": site.platform},
                defaults=defaults,
            )
        for kind, value in (("region", site.region), ("policy", site.policy)):
            name = f"{kind}:{value}"
            if name not in groups:
                groups[name] = Group(name=name, data={kind: value}, defaults=defaults)
    for name, raw in overrides.items():
        data = raw or {}
        if name in groups:
            groups[name].data.update(dict(data.get("data") or {}))
        else:
            groups[name] = Group(
                name=name,
                data=dict(data.get("data") or {}),
                defaults=defaults,
                connection_options=_connection_options(data),
            )
    return groups


def _host(
    estate: Estate,
    sid: str,
    hosts_file: HostsFile,
    groups: Groups,
    overrides: dict[str, Any],
    defaults_data: dict[str, Any],
    credentials: SshCredentials,
    defaults: Defaults,
) -> Host:
    site = estate.sites[sid]
    entry = hosts_file.hosts[sid]
    layers = [defaults_data, {"connection_options": {CONNECTION: {"extras": _catalog_extras(estate, site.platform)}}}]
    layers += [overrides.get(g) or {} for g in (site.platform, f"region:{site.region}", f"policy:{site.policy}")]
    optional_args: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    for layer in layers:
        optional_args.update(_optional_args(layer))
        extras.update(_extras(layer))
    optional_args.update(credentials.optional_args())
    extras["optional_args"] = optional_args
    return Host(
        name=sid,
        hostname=entry.hostname,
        port=entry.port,
        username=credentials.username,
        password=None,
        platform=estate.platforms[site.platform].napalm_driver,
        groups=ParentGroups([groups[site.platform], groups[f"region:{site.region}"], groups[f"policy:{site.policy}"]]),
        data={
            "site": sid,
            "name": site.name,
            "region": site.region,
            "platform": site.platform,
            "policy": site.policy,
            "asn": site.asn,
            "tags": list(site.tags),
            "management_address": entry.hostname,
        },
        connection_options={CONNECTION: ConnectionOptions(extras=extras)},
        defaults=defaults,
    )
