"""Sites built on every core: worker processes forked from the parent, fed chunks of site files.

Each site is built independently of the others (:class:`runbook_wan.build.site_job.SiteJob`), so
the work splits cleanly; processes, not threads, because the work is Python (the GIL). The job is
created in the parent and inherited by fork, so the shared intents are loaded and the templates
compiled once; the parent's objects are moved out of the garbage collector's reach first
(``gc.freeze``), so the workers do not copy the parent's pages by touching their reference counts.

Results come back in file order, chunk by chunk, so memory holds the sites in flight, not the
estate: a site's files are staged on disk by the worker that rendered them.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from runbook_wan.build.site_job import SiteJob, SiteOutcome

#: Below this many sites one process is faster than starting workers: forking them and sending the
#: results back costs about what 30 sites do (interleaved pairs of ``render --jobs 1`` and ``--jobs 2``
#: from the CLI: 0.88 of the wall time at 80 sites, 0.95 at 64, 1.0 at 32).
PARALLEL_MIN_SITES = 64
#: Sites per task: small enough to balance two workers, large enough that messages stay few.
CHUNK = 40

_JOB: SiteJob | None = None


def _build_chunk(files: list[str]) -> list[SiteOutcome]:
    assert _JOB is not None, "the job is set before the workers fork"
    return [_JOB.run(Path(name)) for name in files]


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def processes_for(sites: int, jobs: int | None) -> int:
    """Worker processes for ``sites`` sites: ``jobs`` if given, else one per core (1 for few sites)."""
    if jobs is not None:
        return max(1, min(jobs, sites))
    if sites < PARALLEL_MIN_SITES:
        return 1
    return max(1, min(available_cores(), sites // (PARALLEL_MIN_SITES // 2)))


def build_sites(
    job: SiteJob, files: Sequence[Path], processes: int, on_first: Callable[[SiteOutcome], None] | None = None
) -> Iterator[SiteOutcome]:
    """Each file's outcome, in order; in this process, or in ``processes`` forked workers.

    ``on_first``: with workers, the first file is sent alone, and its outcome is given to
    ``on_first`` as soon as it is back, while the workers build the rest (the parent's work for the
    whole estate then runs beside theirs)."""
    if processes <= 1 or not hasattr(os, "fork"):
        for path in files:
            yield job.run(path)
        return
    import multiprocessing  # noqa: PLC0415 - 5-10 ms of every fresh process that builds few sites

    global _JOB  # noqa: PLW0603 - inherited by the forked workers, never pickled
    _JOB = job
    alone = [[str(files[0])]] if on_first is not None and files else []
    rest = files[len(alone) :]
    size = min(CHUNK, max(1, -(-len(rest) // processes)))  # few sites: one even chunk per worker
    chunks = alone + [[str(p) for p in rest[i : i + size]] for i in range(0, len(rest), size)]
    # No collection first: it took 23-30 ms of the parent's serial time at 80 sites, and what it
    # would free is a few unreachable cycles, which the freeze keeps only until the build ends.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            for index, outcomes in enumerate(pool.imap(_build_chunk, chunks)):
                if index == 0 and alone and on_first is not None:
                    on_first(outcomes[0])
                yield from outcomes
    finally:
        gc.unfreeze()
        _JOB = None
