"""``RunbookInventory``: the Nornir inventory of the estate's sites.

* hosts: one per site selected from the intents (``intents``, ``limit``), with platform, region
  and policy as data and as groups (``<platform>``, ``region:<name>``, ``policy:<name>``);
* addresses: ``<inventory_dir>/hosts.yaml`` (see :mod:`inventory.hosts_file`); a selected site
  without one is an error;
* connection options per platform: ``groups.yaml`` and ``defaults.yaml`` (from
  ``inventory_dir`` if present there, else the project's ``inventory/``);
* credentials: ``RUNBOOK_SSH_USER`` (default root), ``RUNBOOK_SSH_KEY``, ``RUNBOOK_KNOWN_HOSTS``,
  else the key and known_hosts paths the lab wrote into ``hosts.yaml``. Never YAML values.

Use::

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

    def _data_file(self, name: str) -> Path:
        own = self.inventory_dir / name
        return own if own.is_file() else PACKAGE_DIR / name

    def load(self) -> Inventory:
        estate, _ = load_estate(self.intents, self.platforms_dir)
        selected = select_sites(estate, self.limit)
        hosts_file = read_hosts_file(self.inventory_dir)
        self._check_addresses(selected, hosts_file)
        credentials = ssh_credentials(self.environ, hosts_file.ssh)
        defaults_data = _yaml_mapping(self._data_file(DEFAULTS_FILE))
        groups_data = _yaml_mapping(self._data_file(GROUPS_FILE))
        defaults = Defaults(
            hostname=defaults_data.get("hostname"),
            port=defaults_data.get("port"),
            username=credentials.username,
            password=None,
            platform=defaults_data.get("platform"),
            data=dict(defaults_data.get("data") or {}),
            connection_options=_connection_options(defaults_data),
        )
        groups = self._groups(estate, selected, groups_data, defaults)
        hosts = Hosts()
        for sid in selected:
            hosts[sid] = self._host(estate, sid, hosts_file, groups, groups_data, defaults_data, credentials, defaults)
        return Inventory(hosts=hosts, groups=groups, defaults=defaults)

    def _check_addresses(self, selected: list[str], hosts_file: HostsFile) -> None:
        missing = [sid for sid in selected if sid not in hosts_file.hosts]
        if missing:
            path = hosts_path(self.inventory_dir)
            raise DiagnosticError(
                [
                    Diagnostic(
                        "inventory-no-address",
                        f"site {sid} has no management address",
                        location=SourceLocation(str(path)),
                        hint=f"run `runbook.py lab up --inventory {self.inventory_dir}` or add "
                        f"`hosts: {{{sid}: {{hostname: ADDRESS}}}}`",
                    )
                    for sid in missing
                ]
            )

    def _groups(self, estate: Estate, selected: list[str], groups_data: dict[str, Any], defaults: Defaults) -> Groups:
        groups = Groups()
        for name, raw in groups_data.items():
            data = raw or {}
            groups[name] = Group(
                name=name,
                hostname=data.get("hostname"),
                port=data.get("port"),
                username=None,
                password=None,
                platform=data.get("platform"),
                data=dict(data.get("data") or {}),
                defaults=defaults,
                connection_options=_connection_options(data),
            )
        problems = []
        for sid in selected:
            site = estate.sites[sid]
            if site.platform not in groups:
                problems.append(
                    Diagnostic(
                        "inventory-platform-group",
                        f"no group for platform {site.platform!r} (site {sid})",
                        location=SourceLocation(str(self._data_file(GROUPS_FILE))),
                        hint=f"add a `{site.platform}:` group with its napalm connection options to groups.yaml",
                    )
                )
            for kind, value in (("region", site.region), ("policy", site.policy)):
                name = f"{kind}:{value}"
                if name not in groups:
                    groups[name] = Group(name=name, data={kind: value}, defaults=defaults)
        if problems:
            raise DiagnosticError(problems)
        return groups

    def _host(
        self,
        estate: Estate,
        sid: str,
        hosts_file: HostsFile,
        groups: Groups,
        groups_data: dict[str, Any],
        defaults_data: dict[str, Any],
        credentials: SshCredentials,
        defaults: Defaults,
    ) -> Host:
        site = estate.sites[sid]
        entry = hosts_file.hosts[sid]
        group_data = groups_data.get(site.platform) or {}
        optional_args = {**_optional_args(defaults_data), **_optional_args(group_data), **credentials.optional_args()}
        extras = {**_extras(defaults_data), **_extras(group_data), "optional_args": optional_args}
        platform = group_data.get("platform") or estate.platforms[site.platform].napalm_driver
        return Host(
            name=sid,
            hostname=entry.hostname,
            port=entry.port,
            username=credentials.username,
            password=None,
            platform=platform,
            groups=ParentGroups(
                [groups[site.platform], groups[f"region:{site.region}"], groups[f"policy:{site.policy}"]]
            ),
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
