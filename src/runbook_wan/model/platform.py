"""Platform catalog: what differs between device platforms, as data (``platforms/*.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from runbook_wan.model.base import IntentModel
from runbook_wan.model.error_messages import diagnostics_from_validation
from runbook_wan.model.merge import Layer
from runbook_wan.model.types import Key, LinePattern, PlatformName, Text
from runbook_wan.model.yaml_source import display_path, load_yaml
from runbook_wan.results import Diagnostic, SourceLocation
from runbook_wan.workspace import BUILTIN_PLATFORMS

#: The platform catalog shipped with the package; a workspace's own ``platforms/`` takes precedence.
DEFAULT_PLATFORMS_DIR = BUILTIN_PLATFORMS

MatchKind = Literal["segments", "destinations", "dscp"]
#: How a platform measures its circuits against the class SLAs: the edge agent (FRR), IOS-XE's
#: ``ip sla`` + ``track``, EOS's Connectivity Monitor.
SlaMeasurement = Literal["agent", "ip_sla", "connectivity_monitor"]
SlaCriterion = Literal["latency", "jitter", "loss"]

# Platform files are project data, but their strings reach every config too: they get the same
# single-line, known-character constraint as intent text.
InterfaceName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9/.:_-]{0,47}$")]
InterfacePattern = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9/.:_-]{0,40}\{vlan\}[A-Za-z0-9/.:_-]{0,8}$")]
Word = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
LogFilePattern = Annotated[str, Field(pattern=r"^/[A-Za-z0-9_./{}-]{1,120}$")]


class InterfaceNames(IntentModel):
    primary_dia: InterfaceName
    secondary_dia: InterfaceName
    tertiary_wireless: InterfaceName
    lan: InterfacePattern = Field(description="Pattern with {vlan}, e.g. 'lan{vlan}' or 'Vlan{vlan}'.")
    lan_parent: InterfaceName | None = Field(default=None, description="Parent port of LAN sub-interfaces, if any.")
    loopback: InterfaceName
    management: InterfaceName


class Capabilities(IntentModel):
    bfd: bool = True
    steering_match: list[MatchKind] = Field(
        description="Which class match criteria the platform's policy routing can express."
    )
    dscp_by_mark: bool = Field(
        default=False,
        description="DSCP is classified outside policy routing: a classifier artifact sets a firewall mark per "
        "DSCP code point and policy routing matches the mark (FRR: nftables + pbrd `match mark`).",
    )
    steering_max_sequence: int = Field(default=65535, description="Highest policy-routing sequence number.")
    sla_measurement: SlaMeasurement | None = Field(
        default=None,
        description="How circuits are measured against the class SLAs on the router: agent (the edge agent), "
        "ip_sla (IOS-XE ip sla + track), connectivity_monitor (EOS); unset: not at all.",
    )
    sla_enforced: list[SlaCriterion] = Field(
        default_factory=list,
        description="SLA criteria a breach of which moves a class off the circuit on this platform; the others "
        "are at most measured (docs/platforms.md says why).",
    )


#: A command run on the device as part of a commit; ``{path}`` is replaced by the artifact's (quoted) path.
DeviceCommand = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]{1,200}$")]
DevicePath = Annotated[str, Field(pattern=r"^/[A-Za-z0-9_./-]{1,200}$")]
ArtifactSuffix = Annotated[str, Field(pattern=r"^\.[a-z][a-z0-9]{0,15}(\.[a-z][a-z0-9]{0,15})?$")]


class ArtifactDevice(IntentModel):
    """Where an artifact lives on the device and how a commit activates it (commit-confirm covers it)."""

    path: DevicePath = Field(description="The file on the device, e.g. /etc/frr/runbook-sdwan.nft.")
    check: DeviceCommand | None = Field(
        default=None, description="Validates a new file without applying it ({path}: the new file); exit 0 = good."
    )
    apply: DeviceCommand | None = Field(default=None, description="Activates the file once written ({path}).")
    remove: DeviceCommand | None = Field(
        default=None, description="Deactivates the artifact when a rollback removes a file that did not exist before."
    )
    signal: DevicePath | None = Field(
        default=None, description="Pid file of a process sent SIGHUP after the file changed (if it runs)."
    )


class SteeredLines(IntentModel):
    """How the running config shows what the edge agent changes at run time: the next hop of each
    policy-routing sequence of a steering group. Drift and deploy keep the agent's order (docs/agent.md)."""

    sequence: LinePattern = Field(description="A sequence's line, with {map} and {seq}: 'pbr-map {map} seq {seq}'.")
    nexthop: LinePattern = Field(description="Its next-hop line inside it, with {nexthop}: ' set nexthop {nexthop}'.")


class Artifact(IntentModel):
    """A file rendered per site beside ``configs/<site>.cfg``, deployed in the same commit."""

    suffix: ArtifactSuffix = Field(description="File name suffix in configs/: <site><suffix>, e.g. '.nft'.")
    title: Text = Field(description="What the file is, for people (plan, drift).")
    source: Literal["templates", "agent_policy"] = Field(
        description="templates: rendered from templates/<templates>/<section>.j2 like the config; "
        "agent_policy: the edge agent's policy, built from the facts (JSON, docs/agent.md)."
    )
    templates: Word | None = Field(default=None, description="Folder under templates/ (source: templates).")
    sections: list[Word] = Field(default_factory=list, description="Sections in render order (source: templates).")
    comment: Literal["!", "#"] = Field(default="#", description="Comment leader of the file's language.")
    device: ArtifactDevice
    steers: SteeredLines | None = Field(
        default=None,
        description="agent_policy: the config lines the agent rewrites at run time (not drift; kept by deploy).",
    )

    @model_validator(mode="after")
    def _templated(self) -> Artifact:
        if self.suffix == ".cfg":
            raise PydanticCustomError(
                "artifact_suffix", "suffix '.cfg' is the config's own", {"hint": "choose another suffix, e.g. '.nft'"}
            )
        if self.source == "templates" and not (self.templates and self.sections):
            raise PydanticCustomError(
                "artifact_templates",
                "an artifact rendered from templates needs 'templates' and 'sections'",
                {"hint": "name its folder under templates/ and its sections in render order"},
            )
        return self


class ElidedDefaults(IntentModel):
    """Values the platform does not print when set to its default (rendering them would never converge)."""

    bfd_interval_ms: int | None = None
    bfd_multiplier: int | None = None


class RunningConfig(IntentModel):
    """How the device prints its running config: lines no template renders (``runbook.py drift`` skips them)."""

    ignore: list[LinePattern] = Field(
        default_factory=list,
        description="Regular expressions of lines the device adds by itself (version banner, end marker).",
    )
    ignore_repeated: list[LinePattern] = Field(
        default_factory=list,
        description="Line prefixes the device may print more than once at the top level; only the first counts.",
    )


class PlatformSpec(IntentModel):
    """Everything the pipeline needs to know about one platform."""

    platform: PlatformName
    description: Text
    napalm_driver: Word = Field(description="NAPALM driver name (get_network_driver).")
    napalm_timeout: int = Field(default=60, ge=1, le=3600, description="NAPALM timeout in seconds.")
    napalm_optional_args: dict[Key, Any] = Field(
        default_factory=dict, description="NAPALM optional_args every device of the platform needs (no credentials)."
    )
    templates: Word = Field(description="Folder under templates/.")
    sections: list[Word] = Field(min_length=1, description="Config sections, in render order.")
    comment: Literal["!", "#"] = Field(description="Comment leader of the config language.")
    indent: str = Field(
        default=" ", pattern=r"^ {1,8}$", description="One level of indentation in the config language."
    )
    interfaces: InterfaceNames
    capabilities: Capabilities
    elided_defaults: ElidedDefaults = Field(default_factory=ElidedDefaults)
    log_file: LogFilePattern | None = Field(default=None, description="Log file path pattern with {hostname}.")
    batfish_format: Word = Field(description="Batfish format: a RANCID content type or 'cumulus_concatenated'.")
    syntax_checker: Literal["vtysh", "hierarchy"] = Field(description="Builtin syntax check to use.")
    runs_in_lab: bool = Field(default=False, description="The FRR lab can boot this platform's configs (twin proof).")
    running_config: RunningConfig = Field(default_factory=RunningConfig)
    artifacts: list[Artifact] = Field(
        default_factory=list,
        description="Files rendered per site beside the config and deployed with it (FRR: the nftables "
        "classifier and the edge agent's policy).",
    )

    def artifact(self, source: str) -> Artifact | None:
        """The platform's artifact of a kind (``agent_policy``), if it has one."""
        return next((a for a in self.artifacts if a.source == source), None)


def artifact_suffixes(platforms: Mapping[str, PlatformSpec]) -> list[str]:
    """Every artifact suffix the platforms declare (``.nft``, ``.agent.json``), sorted."""
    return sorted({a.suffix for spec in platforms.values() for a in spec.artifacts})


def load_platforms(directory: Path = DEFAULT_PLATFORMS_DIR) -> tuple[dict[str, PlatformSpec], list[Diagnostic]]:
    """Load every ``*.yaml`` in ``directory``."""
    platforms: dict[str, PlatformSpec] = {}
    diagnostics: list[Diagnostic] = []
    for path in sorted(directory.glob("*.yaml")):
        doc, errors = load_yaml(path)
        diagnostics += errors
        if doc is None:
            continue
        layer = Layer.from_document(doc)
        try:
            spec = PlatformSpec.model_validate(doc.data)
        except ValidationError as exc:
            diagnostics += diagnostics_from_validation(exc, PlatformSpec, layer, "platform")
            continue
        if spec.platform != path.stem:
            diagnostics.append(
                Diagnostic(
                    "platform-name",
                    f"platform {spec.platform!r} is in {path.name}",
                    location=SourceLocation(display_path(path), 1, "platform"),
                    hint=f"name the file {spec.platform}.yaml",
                )
            )
        platforms[spec.platform] = spec
    return platforms, diagnostics
