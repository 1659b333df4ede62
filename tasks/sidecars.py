"""A site's artifacts on the device: the platform's files beside the config (``platforms/*.yaml``
``artifacts``), deployed with it through the driver's sidecar files (napalm_frr's
``driver.extensions``: loaded with the candidate, diffed, committed under the same revert timer,
restored by a revert or rollback)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from napalm_frr.sidecars import SidecarFile
from runbook_wan.model.platform import PlatformSpec


class NoSidecarSupportError(Exception):
    """The platform declares artifacts but its NAPALM driver cannot deploy files with the config."""


def sidecar_files(platform: PlatformSpec, texts: Mapping[str, str | None]) -> list[SidecarFile]:
    """The platform's artifacts as the driver's sidecar files; a suffix missing from ``texts`` (or
    None) is a file that must not exist."""
    return [
        SidecarFile(
            path=a.device.path,
            text=texts.get(a.suffix),
            check=a.device.check,
            apply=a.device.apply,
            remove=a.device.remove,
            signal=a.device.signal,
        )
        for a in platform.artifacts
    ]


def extensions(driver: Any, platform: PlatformSpec) -> Any:
    found = getattr(driver, "extensions", None)
    if found is None or not hasattr(found, "load_sidecars"):
        suffixes = ", ".join(a.suffix for a in platform.artifacts)
        raise NoSidecarSupportError(
            f"platform {platform.platform} deploys files beside its config ({suffixes}), "
            f"but its NAPALM driver {platform.napalm_driver!r} cannot (no extensions.load_sidecars)"
        )
    return found


def load_sidecars(driver: Any, platform: PlatformSpec, texts: Mapping[str, str | None], startup: str | None) -> None:
    """Load the artifacts with the replace candidate already loaded (the device checks them now)."""
    if platform.artifacts:
        extensions(driver, platform).load_sidecars(sidecar_files(platform, texts), startup=startup)


def read_device_files(driver: Any, platform: PlatformSpec, suffixes: list[str] | None = None) -> dict[str, str | None]:
    """What the device holds for each of the platform's artifacts, by suffix (None: no such file)."""
    wanted = [a for a in platform.artifacts if suffixes is None or a.suffix in suffixes]
    if not wanted:
        return {}
    found = extensions(driver, platform).get_sidecars([a.device.path for a in wanted])
    return {a.suffix: found.get(a.device.path) for a in wanted}
