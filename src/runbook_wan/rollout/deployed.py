"""What Runbook last deployed from this state folder: the deploy gate's baseline.

``<state>/deployed/configs/<site>.cfg`` holds, per site, the rendered config (secret tokens, never
values) that site last confirmed or already ran, and its artifacts beside it (``<site>.nft``,
``<site>.agent.json``); ``<state>/deployed/intents/`` the intents of the
last rollout that left every site of the estate on its rendered config. ``deploy`` measures its
change against this record, so the gate sees the change as it reaches the devices, however many
commits it took to get there.

With no record (a new state folder, the lab's day-0 estate), there is no change to measure: every
site is being onboarded, and the gate does not count it (docs/review.md).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from runbook_wan.render.writer import SUFFIX, SiteFiles


class DeployedRecord:
    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir / "deployed"

    @property
    def intents(self) -> Path:
        return self.root / "intents"

    @property
    def configs(self) -> Path:
        return self.root / "configs"

    def exists(self) -> bool:
        return self.configs.is_dir() and (self.intents / "defaults.yaml").is_file()

    def record(self, sites: dict[str, SiteFiles], prune: set[str] | None = None) -> None:
        """Remember the files each site now runs (config and artifacts); ``prune``: the estate's sites
        (forget the others)."""
        self.configs.mkdir(parents=True, exist_ok=True)
        for site, files in sites.items():
            for suffix, text in files.items():
                fd, tmp = tempfile.mkstemp(dir=self.configs, prefix=f".{site}.", suffix=".tmp")
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(text)
                Path(tmp).replace(self.configs / f"{site}{suffix}")
            for stale in self.configs.glob(f"{site}.*"):
                if stale.name.removeprefix(site) not in files:  # an artifact the site no longer has
                    stale.unlink()
        if prune is not None:
            for path in self.configs.glob(f"*{SUFFIX}"):
                site = path.name.removesuffix(SUFFIX)
                if site not in prune:
                    for stale in self.configs.glob(f"{site}.*"):
                        stale.unlink()

    def snapshot_intents(self, intents: Path) -> None:
        """Keep a copy of ``intents`` as the state every site now runs (replaced in one rename)."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".intents-"))
        try:
            shutil.copytree(intents, staging / "intents", ignore=shutil.ignore_patterns(".*"))
            old = self.root / ".intents-old"
            if self.intents.exists():
                self.intents.rename(old)
            (staging / "intents").rename(self.intents)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
