"""Property: whatever is edited, a render from the build cache gives the same bytes, the same exit
code and the same messages as `render --full`.

Random sequences of edits of the 6-site multi-vendor estate (FRR, EOS, IOS-XE): a site, a region's
``site_defaults``, the estate defaults, a policy class, a template line, a platform file, a secret
rotation (a new secret name, a declared rotation, a new value in the secrets source), a broken
site, a removed site. After each edit the
workspace is rendered with its cache (one or two worker processes) and, from scratch, with
``--full`` into another folder; everything written must be identical, byte for byte.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from buildkit import edit, outputs, render, workspace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SITES = ["bos-201", "mia-203", "nyc-202", "pdx-102", "sea-101", "sfo-103"]
TEMPLATES = ["frr/bgp.j2", "frr/pbr.j2", "eos/interfaces.j2", "ios/steering.j2", "ios/base.j2"]
#: The providers whose BGP password is a secret.
PROVIDERS = ["harborfiber", "oceanfiber"]


class Edit:
    """One edit of a workspace, named for hypothesis' report (``site_bandwidth('sea-101', 123)``)."""

    def __init__(self, name: str, apply: Callable[[Path], None]) -> None:
        self.name, self.apply = name, apply

    def __call__(self, root: Path) -> None:
        self.apply(root)

    def __repr__(self) -> str:
        return self.name


def site_bandwidth(site: str, mbps: int) -> Edit:
    def apply(root: Path) -> None:
        path = root / "intents" / "sites" / f"{site}.yaml"
        if path.exists():
            text = path.read_text()
            start = text.index("bandwidth_mbps: ")
            end = text.index("\n", start)
            path.write_text(text[:start] + f"bandwidth_mbps: {mbps}" + text[end:])

    return Edit(f"site_bandwidth({site!r}, {mbps!r})", apply)


def region_media(region: str, media: str) -> Edit:
    def apply(root: Path) -> None:
        path = root / "intents" / "regions" / f"{region}.yaml"
        text = path.read_text()
        start = text.index("secondary_dia:")
        at = text.index("media: ", start)
        end = text.index("\n", at)
        path.write_text(text[:at] + f"media: {media}" + text[end:])

    return Edit(f"region_media({region!r}, {media!r})", apply)


def defaults_bfd(interval: int) -> Edit:
    def apply(root: Path) -> None:
        path = root / "intents" / "defaults.yaml"
        text = path.read_text()
        at = text.index("interval_ms: ")
        end = text.index("\n", at)
        path.write_text(text[:at] + f"interval_ms: {interval}" + text[end:])

    return Edit(f"defaults_bfd({interval!r})", apply)


def policy_path(policy: str, order: list[str]) -> Edit:
    def apply(root: Path) -> None:
        path = root / "intents" / "policies" / f"{policy}.yaml"
        text = path.read_text()
        start = text.index("  saas:")
        at = text.index("path_preference: ", start)
        end = text.index("\n", at)
        path.write_text(text[:at] + f"path_preference: [{', '.join(order)}]" + text[end:])

    return Edit(f"policy_path({policy!r}, {order!r})", apply)


def template_line(name: str, n: int) -> Edit:
    def apply(root: Path) -> None:
        path = root / "templates" / name
        path.write_text(path.read_text() + f"! edit {n}\n")

    return Edit(f"template_line({name!r}, {n!r})", apply)


def platform_file(name: str, n: int, visible: bool) -> Edit:
    def apply(root: Path) -> None:
        path = root / "platforms" / f"{name}.yaml"
        if visible and name == "frr":
            text = path.read_text()
            at = text.index("log_file: ")
            end = text.index("\n", at)
            path.write_text(text[:at] + f"log_file: /var/log/frr{n}/{{hostname}}.log" + text[end:])
        else:
            path.write_text(path.read_text() + f"# edit {n}\n")

    return Edit(f"platform_file({name!r}, {n!r}, {visible!r})", apply)


def secret_rotation(provider: str, n: int) -> Edit:
    def apply(root: Path) -> None:
        path = root / "intents" / "providers" / f"{provider}.yaml"
        text = path.read_text()
        at = text.index("{secret: ")
        end = text.index("}", at)
        path.write_text(text[:at] + f"{{secret: bgp-{provider}-r{n}" + text[end:])

    return Edit(f"secret_rotation({provider!r}, {n!r})", apply)


def rotation(provider: str, n: int) -> Edit:
    """A rotation declared in the intents (the provider's secret reference gets a generation)."""

    def apply(root: Path) -> None:
        path = root / "intents" / "providers" / f"{provider}.yaml"
        text = path.read_text()
        at = text.index("{secret: ")
        end = text.index("}", at)
        name = text[at + len("{secret: ") : end].split(",")[0]
        path.write_text(text[:at] + f"{{secret: {name}, rotation: {n}" + text[end:])

    return Edit(f"rotation({provider!r}, {n!r})", apply)


def secret_value(provider: str, n: int) -> Edit:
    """A rotated value in the secrets source (the environment): its keyed fingerprint changes."""

    def apply(root: Path) -> None:
        del root
        os.environ[f"RUNBOOK_SECRET_BGP_{provider.upper()}"] = f"password-{n}-of-{provider}"

    return Edit(f"secret_value({provider!r}, {n!r})", apply)


def broken_site(site: str) -> Edit:
    def apply(root: Path) -> None:
        path = root / "intents" / "sites" / f"{site}.yaml"
        if path.exists():
            text = path.read_text()
            at = text.index("gateway: ")
            end = text.index("\n", at)
            path.write_text(text[:at] + "gateway: 192.0.2.77" + text[end:])

    return Edit(f"broken_site({site!r})", apply)


def removed_site(site: str) -> Edit:
    def apply(root: Path) -> None:
        (root / "intents" / "sites" / f"{site}.yaml").unlink(missing_ok=True)

    return Edit(f"removed_site({site!r})", apply)


EDITS = st.one_of(
    st.builds(site_bandwidth, st.sampled_from(SITES), st.integers(10, 10_000)),
    st.builds(region_media, st.sampled_from(["atlantic", "pacific"]), st.sampled_from(["broadband", "fiber"])),
    st.builds(defaults_bfd, st.sampled_from([100, 250, 300, 500])),
    st.builds(
        policy_path,
        st.sampled_from(["grocery-store", "grocery-flagship"]),
        st.permutations(["primary_dia", "secondary_dia", "tertiary_wireless"]),
    ),
    st.builds(template_line, st.sampled_from(TEMPLATES), st.integers(0, 99)),
    st.builds(platform_file, st.sampled_from(["frr", "eos", "ios"]), st.integers(0, 99), st.booleans()),
    st.builds(secret_rotation, st.sampled_from(PROVIDERS), st.integers(1, 9)),
    st.builds(rotation, st.sampled_from(PROVIDERS), st.integers(1, 9)),
    st.builds(secret_value, st.sampled_from(PROVIDERS), st.integers(1, 9)),
    st.builds(broken_site, st.sampled_from(SITES)),
    st.builds(removed_site, st.sampled_from(SITES)),
)

_BASE: dict[str, Path] = {}


@contextlib.contextmanager
def _secrets() -> Iterator[None]:
    """The fingerprint key and the BGP passwords in the environment, as each example leaves them."""
    names = ["RUNBOOK_SECRET_RUNBOOK_FINGERPRINT_KEY", *(f"RUNBOOK_SECRET_BGP_{p.upper()}" for p in PROVIDERS)]
    saved = {name: os.environ.get(name) for name in names}
    os.environ["RUNBOOK_SECRET_RUNBOOK_FINGERPRINT_KEY"] = "property-test-fingerprint-key"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _base() -> Path:
    """One rendered workspace, copied for every example (rendering it each time is the slow part)."""
    if "root" not in _BASE:
        root = Path(tempfile.mkdtemp(prefix="cache-property-"))
        workspace(root)
        assert render(root).code == 0
        _BASE["root"] = root
    return _BASE["root"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(EDITS, min_size=1, max_size=4), jobs=st.sampled_from(["1", "2"]))
def test_the_cache_never_differs_from_a_full_render(edits: list[Edit], jobs: str) -> None:
    with tempfile.TemporaryDirectory(prefix="cache-property-") as tmp, _secrets():
        root = Path(tmp) / "ws"
        shutil.copytree(_base(), root)
        for apply in edits:
            apply(root)
            before = outputs(root)
            cached = render(root, "--jobs", jobs)
            shutil.rmtree(root / "full", ignore_errors=True)
            full = render(root, "--full", out="full")
            assert (cached.code, cached.err) == (full.code, full.err)
            if cached.code == 0:
                assert outputs(root) == outputs(root, out="full")
            else:
                assert outputs(root) == before, "a failed render changed a file"


def test_the_edits_reach_the_outputs(tmp_path: Path) -> None:
    """The property is only as strong as its edits: each kind changes what the estate renders to."""
    root = workspace(tmp_path / "ws")
    assert render(root).code == 0
    for apply in (
        site_bandwidth("sea-101", 123),
        region_media("pacific", "fiber"),
        defaults_bfd(100),
        policy_path("grocery-store", ["tertiary_wireless", "primary_dia", "secondary_dia"]),
        template_line("ios/base.j2", 7),
        platform_file("frr", 7, visible=True),
        secret_rotation("oceanfiber", 2),
        removed_site("mia-203"),
    ):
        before = outputs(root)
        apply(root)
        assert render(root).code == 0
        assert outputs(root) != before, repr(apply)
    broken_site("sfo-103")(root)
    assert render(root).code == 1
    edit(root / "intents" / "sites" / "sfo-103.yaml", "gateway: 192.0.2.77", "gateway: 100.70.0.6")
