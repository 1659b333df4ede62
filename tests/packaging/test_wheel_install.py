"""Runbook installs like any package: from its wheels, into a fresh virtual environment.

* ``napalm-frr`` alone (without Runbook) gives ``napalm.get_network_driver("frr")`` and passes
  NAPALM's own ``BaseTestGetters.test_method_signatures``;
* ``runbook-wan`` from its wheel (non-editable) renders, plans and validates the example estate
  from a workspace that holds only ``intents/``: templates and the platform catalog travel as
  package data, and the configs are byte-identical to the repository's ``configs/``;
* a package that ships generic top-level names (``results``, ``model``, ``validation``) installed
  next to it, and uninstalled again, changes nothing of Runbook.

The dependencies come from the package index (CI reaches the registries).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Venv:
    root: Path
    wheels: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def run(self, *argv: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "RUNBOOK_WORKSPACE", "RUNBOOK_STATE")}
        return subprocess.run(
            [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600
        )

    def pip(self, *argv: str) -> None:
        proc = self.run(self.python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *argv)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    def site_packages(self) -> Path:
        proc = self.run(self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
        return Path(proc.stdout.strip())


def _build(source: Path, out: Path) -> Path:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--disable-pip-version-check",
            str(source),
            "-w",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


_SKIPPED = shutil.ignore_patterns(".git", ".runbook", "__pycache__", "*.egg-info", ".mypy_cache", "node_modules")


def _not_sources(folder: str, names: list[str]) -> set[str]:
    """What the copy leaves out: caches everywhere, and setuptools' ``build/`` output folders only.

    ``src/runbook_wan/build`` is a package (the build engine), so ``build`` is skipped only where
    setuptools writes it: at the top of the checkout and of ``napalm_frr/``.
    """
    skipped = set(_SKIPPED(folder, names))
    if Path(folder).resolve() in (REPO, REPO / "napalm_frr") and "build" in names:
        skipped.add("build")
    return skipped


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    base = tmp_path_factory.mktemp("wheel-install")
    # Build from a copy of the checkout, so no build/ or *.egg-info lands in the working tree.
    source = base / "src-copy"
    shutil.copytree(REPO, source, symlinks=True, ignore=_not_sources)
    wheels = base / "wheels"
    _build(source / "napalm_frr", wheels)
    _build(source, wheels)
    root = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    yield Venv(root, wheels)


def _wheel(venv: Venv, name: str) -> str:
    (found,) = sorted(venv.wheels.glob(f"{name}-*.whl"))
    return str(found)


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_napalm_frr_alone_is_a_napalm_community_driver(venv: Venv) -> None:
    venv.pip(_wheel(venv, "napalm_frr") + "[test]")
    check = (
        "import napalm\n"
        "from napalm.base.test.getters import BaseTestGetters\n"
        "driver = napalm.get_network_driver('frr')\n"
        "print(driver.__module__, driver.__name__)\n"
        "class Signatures(BaseTestGetters):\n"
        "    driver = driver\n"
        "Signatures().test_method_signatures()\n"
        "import importlib.util\n"
        "print('runbook_wan' if importlib.util.find_spec('runbook_wan') else 'no runbook_wan')\n"
    )
    proc = venv.run(venv.python, "-c", check)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split() == ["napalm_frr.driver", "FrrDriver", "no", "runbook_wan"]


def test_the_wheel_renders_plans_and_validates_from_a_bare_workspace(venv: Venv, tmp_path: Path) -> None:
    venv.pip(_wheel(venv, "napalm_frr"), _wheel(venv, "runbook_wan"))
    workspace = tmp_path / "ws"
    shutil.copytree(REPO / "intents", workspace / "intents")
    cli = venv.root / "bin" / "runbook-wan"
    render = venv.run(cli, "--no-color", "render", cwd=workspace)
    assert render.returncode == 0, render.stderr
    ours = {p.name: p.read_text() for p in (REPO / "configs").glob("*.cfg")}
    theirs = {p.name: p.read_text() for p in (workspace / "configs").glob("*.cfg")}
    assert len(theirs) == 80 and theirs == ours
    assert venv.run(cli, "--no-color", "plan", cwd=workspace).returncode == 0  # no change
    validate = venv.run(cli, "--no-color", "validate", cwd=workspace)
    assert validate.returncode == 0, validate.stdout[-2000:] + validate.stderr[-2000:]
    assert "validation PASSED" in validate.stdout
    where = venv.run(venv.python, "-c", "import runbook_wan; print(runbook_wan.__file__)").stdout
    assert where.startswith(str(venv.site_packages())), where


def test_generic_top_level_names_of_another_package_change_nothing(venv: Venv, tmp_path: Path) -> None:
    venv.pip(_wheel(venv, "napalm_frr"), _wheel(venv, "runbook_wan"))
    other = tmp_path / "generic-names"
    for package in ("results", "model", "validation", "plan", "tasks"):
        (other / package).mkdir(parents=True)
        (other / package / "__init__.py").write_text(f"MARK = 'not runbook: {package}'\n")
    (other / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "generic-names"\nversion = "1.0"\n'
        '[tool.setuptools]\npackages = ["results", "model", "validation", "plan", "tasks"]\n'
    )
    ours = venv.site_packages() / "runbook_wan"
    before = _tree_digest(ours)
    venv.pip(str(other))
    assert _tree_digest(ours) == before
    workspace = tmp_path / "ws"
    shutil.copytree(REPO / "intents", workspace / "intents")
    cli = venv.root / "bin" / "runbook-wan"
    assert venv.run(cli, "--no-color", "render", cwd=workspace).returncode == 0
    proc = venv.run(venv.python, "-m", "pip", "uninstall", "-y", "-q", "generic-names")
    assert proc.returncode == 0, proc.stderr
    assert _tree_digest(ours) == before
    again = venv.run(cli, "--no-color", "plan", cwd=workspace)
    assert again.returncode == 0, again.stdout + again.stderr
