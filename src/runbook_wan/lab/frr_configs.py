"""FRR configs of the lab's own routers (providers, internet core) and of sites at boot.

Sites boot with a day-0 config (identity and logging only) or, with ``configs_dir``, with their
rendered config (``<site>.cfg``) whose ``<secret:NAME>`` tokens are resolved here, and the
platform's artifacts beside it (``<site>.nft``, ``<site>.agent.json``): each is put where the
device keeps it (``/etc/frr/...`` is the instance's own ``/etc/frr/<netns>/``) and activated with
the artifact's ``apply`` command, as a commit would.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import jinja2

from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.lab.topology import InternetNode, ProviderNode, SiteNode, Topology
from runbook_wan.model.platform import Artifact
from runbook_wan.results import Diagnostic, DiagnosticError

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LOG_DIR = Path("/var/log/frr")
#: Dynamic BGP neighbours a provider accepts (FRR's default is 100).
LISTEN_LIMIT = 5000
CONFIG_SUFFIX = ".cfg"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def node_log_file(netns: str) -> str:
    return str(LOG_DIR / f"{netns}.log")


def day0_config(site: SiteNode) -> str:
    return _environment().get_template("site_day0.j2").render(site=site)


def provider_config(provider: ProviderNode, internet: InternetNode, resolver: SecretResolver) -> str:
    password = resolver.resolve(provider.password_secret) if provider.password_secret else None
    return (
        _environment()
        .get_template("provider.j2")
        .render(
            provider=provider,
            password=password,
            log_file=node_log_file(provider.netns),
            core_peer=provider.internet_address.split("/")[0],
            internet_asn=internet.asn,
            listen_limit=LISTEN_LIMIT,
        )
    )


def internet_config(topology: Topology) -> str:
    return (
        _environment()
        .get_template("internet.j2")
        .render(
            internet=topology.internet,
            providers=list(topology.providers.values()),
            log_file=node_log_file(topology.internet.netns),
        )
    )


def config_file(configs_dir: Path, site: str) -> Path:
    return configs_dir / f"{site}{CONFIG_SUFFIX}"


def check_configs_dir(configs_dir: Path, sites: list[str]) -> None:
    missing = [s for s in sites if not config_file(configs_dir, s).is_file()]
    if not configs_dir.is_dir():
        raise DiagnosticError(
            [
                Diagnostic(
                    "lab-configs-dir",
                    f"configs folder {configs_dir} not found",
                    hint="render first: runbook.py render --configs DIR",
                )
            ]
        )
    if missing:
        raise DiagnosticError(
            [
                Diagnostic(
                    "lab-config-missing",
                    f"no rendered config for site {s} in {configs_dir}",
                    hint=f"run `runbook.py render --limit {s} --configs {configs_dir}` or drop it from --limit",
                )
                for s in missing
            ]
        )


def rendered_config(configs_dir: Path, site: str, resolver: SecretResolver) -> str:
    """The site's rendered config with its secrets filled in (never written anywhere but FRR's dir)."""
    return resolver.resolve_text(config_file(configs_dir, site).read_text(encoding="utf-8"))


#: Where a device keeps its FRR files; in the lab each instance has its own folder of that name.
DEVICE_ETC = Path("/etc/frr")


@dataclass(frozen=True)
class BootFile:
    """An artifact a site boots with: its file name in the instance's folder and its activation."""

    name: str
    text: str
    #: The artifact's ``apply`` command with ``{path}`` for the file, run in the site's namespace.
    apply: str | None = None

    def apply_command(self, folder: Path) -> str | None:
        return None if self.apply is None else self.apply.replace("{path}", shlex.quote(str(folder / self.name)))


def boot_files(configs_dir: Path, site: str, artifacts: list[Artifact]) -> list[BootFile]:
    """The site's rendered artifacts, each as the device keeps it; a missing one is an error."""
    found: list[BootFile] = []
    problems: list[Diagnostic] = []
    for artifact in artifacts:
        path = configs_dir / f"{site}{artifact.suffix}"
        device_path = Path(artifact.device.path)
        if not path.is_file():
            problems.append(
                Diagnostic(
                    "lab-config-missing",
                    f"no rendered {artifact.title} {path.name} for site {site} in {configs_dir}",
                    hint=f"run `runbook.py render --limit {site} --configs {configs_dir}`",
                )
            )
        elif device_path.parent != DEVICE_ETC:
            problems.append(
                Diagnostic(
                    "lab-artifact-path",
                    f"the lab keeps a device's files in {DEVICE_ETC}/, not {device_path.parent}/ ({artifact.title})",
                    hint=f"set the artifact's device.path under {DEVICE_ETC}/ in the platform file",
                )
            )
        else:
            text = path.read_text(encoding="utf-8")
            found.append(BootFile(device_path.name, text, artifact.device.apply))
    if problems:
        raise DiagnosticError(problems)
    return found
