"""Which sites may start now: waves that overlap only where the failure policy allows it.

A wave's sites start as workers free up, before the previous wave's last gates have finished,
but only when that can no longer change a halt decision: a site of wave *W* starts only if every
earlier wave has started all its sites and, for each earlier wave still running,

    failures so far + sites still running <= failures it may have

so even if every site still running there failed, that wave would not halt the rollout. The
canary may have no failure, so nothing after it starts before every canary site is confirmed
(or unchanged). At most ``concurrency`` sites run at once: one wave's worth.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class WaveProgress:
    index: int
    sites: list[str]
    #: failures the wave may have without halting the rollout
    allowed: int
    started: set[str] = field(default_factory=set)
    running: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    done: int = 0

    @property
    def all_started(self) -> bool:
        return len(self.started) == len(self.sites)

    @property
    def finished(self) -> bool:
        return self.done == len(self.sites)

    @property
    def exceeded(self) -> bool:
        return len(self.failures) > self.allowed

    def cannot_halt(self) -> bool:
        """Even if every running (or unstarted) site failed, the wave would stay within its limit."""
        unsettled = len(self.running) + len(self.sites) - len(self.started)
        return len(self.failures) + unsettled <= self.allowed


@dataclass
class WaveScheduler:
    """Start/finish bookkeeping of one rollout; ``halting=False`` for ``--check`` (never halts)."""

    waves: list[WaveProgress]
    concurrency: int
    halting: bool = True
    halted_by: WaveProgress | None = None

    @classmethod
    def plan(cls, waves: list[list[str]], allowed: list[int], concurrency: int, halting: bool) -> WaveScheduler:
        progress = [WaveProgress(i, list(sites), allowed[i]) for i, sites in enumerate(waves) if sites]
        return cls(progress, max(1, concurrency), halting)

    @property
    def running(self) -> int:
        return sum(len(w.running) for w in self.waves)

    def wave_of(self, site: str) -> WaveProgress:
        return next(w for w in self.waves if site in w.sites)

    def next_sites(self) -> list[str]:
        """Sites to start now, in wave order (marked as started)."""
        chosen: list[str] = []
        if self.halted_by is not None:
            return chosen
        for position, wave in enumerate(self.waves):
            earlier = self.waves[:position]
            if any(not w.all_started for w in earlier):
                break
            if self.halting and any(not w.finished and not w.cannot_halt() for w in earlier):
                break
            for site in wave.sites:
                if self.running >= self.concurrency:
                    return chosen
                if site not in wave.started:
                    wave.started.add(site)
                    wave.running.add(site)
                    chosen.append(site)
        return chosen

    def finish(self, site: str, failed: bool) -> WaveProgress | None:
        """Record a finished site; returns its wave if that wave is now complete."""
        wave = self.wave_of(site)
        wave.running.discard(site)
        wave.done += 1
        if failed:
            wave.failures.append(site)
        if not wave.finished:
            return None
        if self.halting and wave.exceeded and self.halted_by is None:
            self.halted_by = wave
        return wave

    def not_started(self) -> list[str]:
        return [s for w in self.waves for s in w.sites if s not in w.started]
