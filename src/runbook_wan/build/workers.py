"""Sites built on every core: worker processes forked from the parent, fed chunks of site files.

Each site is built independently of the others (:class:`runbook_wan.build.site_job.SiteJob`), so
the work splits cleanly; processes, not threads, because the work is Python (the GIL). The job is
created in the parent and inherited by fork, so the shared intents are loaded and the templates
compiled once; the parent's objects are moved out of the garbage collector's reach first
(``gc.freeze``), so the workers do not copy the parent's pages by touching their reference counts.

Results come back in file order, chunk by chunk, so memory holds the sites in flight, not the
estate: a site's files are staged on disk by the worker that rendered them.

The workers are plain forked processes, each with two pipes: chunk numbers in (two ahead, so a
worker never waits for the parent), pickled outcomes out. ``multiprocessing.Pool`` did the same
with more: importing it and starting its three threads cost the command 47 M instructions at 80
sites (a 0.5 s budget), and a worker killed mid-chunk (the OOM killer) left it waiting forever.
Here a worker that stops without answering fails the build at once, with a message that says how
it stopped; nothing is written.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import selectors
import signal
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from runbook_wan.build.site_job import SiteJob, SiteOutcome
from runbook_wan.results import Diagnostic, DiagnosticError

#: Below this many sites one process is faster than starting workers: forking them and sending the
#: results back costs about what 30 sites do (interleaved pairs of ``render --jobs 1`` and ``--jobs 2``
#: from the CLI: 0.88 of the wall time at 80 sites, 0.95 at 64, 1.0 at 32).
PARALLEL_MIN_SITES = 64
#: Sites per task: small enough to balance two workers, large enough that messages stay few.
CHUNK = 40
#: Chunks sent to a worker before it answers: the next is waiting when it finishes one.
AHEAD = 2

_TASK = struct.Struct("<I")  # a chunk's number
_ANSWER = struct.Struct("<IQ?")  # the chunk's number, the payload's length, whether it failed

_JOB: SiteJob | None = None


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
    global _JOB  # noqa: PLW0603 - inherited by the forked workers, never pickled
    _JOB = job
    alone = [[str(files[0])]] if on_first is not None and files else []
    rest = files[len(alone) :]
    size = min(CHUNK, max(1, -(-len(rest) // processes)))  # few sites: one even chunk per worker
    chunks = alone + [[str(p) for p in rest[i : i + size]] for i in range(0, len(rest), size)]
    # No collection first: it took 23-30 ms of the parent's serial time at 80 sites, and what it
    # would free is a few unreachable cycles, which the freeze keeps only until the build ends.
    gc.freeze()
    crew = _Crew(chunks)
    try:
        for _ in range(min(processes, len(chunks))):
            crew.start()
        for index, outcomes in enumerate(crew.answers()):
            if index == 0 and alone and on_first is not None:
                on_first(outcomes[0])
            yield from outcomes
    finally:
        crew.stop()
        gc.unfreeze()
        _JOB = None


@dataclass
class _Worker:
    pid: int
    tasks: int  # the parent's end of the pipe of chunk numbers
    answers: int  # the parent's end of the pipe of outcomes


class _Crew:
    """The forked workers of one build, and the chunks they were given."""

    def __init__(self, chunks: list[list[str]]) -> None:
        self.chunks = chunks
        self.workers: list[_Worker] = []
        self.sent = 0
        self.received = 0
        self.selector = selectors.DefaultSelector()

    def start(self) -> None:
        task_read, task_write = os.pipe()
        answer_read, answer_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            code = 1
            try:
                os.close(task_write)
                os.close(answer_read)
                for other in self.workers:  # else a worker would hold another's pipes open
                    os.close(other.tasks)
                    os.close(other.answers)
                _serve(self.chunks, task_read, answer_write)
                code = 0
            finally:
                os._exit(code)
        os.close(task_read)
        os.close(answer_write)
        worker = _Worker(pid, task_write, answer_read)
        self.workers.append(worker)
        self.selector.register(answer_read, selectors.EVENT_READ, worker)
        for _ in range(AHEAD):
            self._feed(worker)

    def _feed(self, worker: _Worker) -> None:
        if self.sent < len(self.chunks):
            # A worker that stopped since its last answer: the end of its answers pipe says how.
            with contextlib.suppress(BrokenPipeError):
                os.write(worker.tasks, _TASK.pack(self.sent))
            self.sent += 1

    def answers(self) -> Iterator[list[SiteOutcome]]:
        """Each chunk's outcomes, in chunk order."""
        kept: dict[int, list[SiteOutcome]] = {}
        for index in range(len(self.chunks)):
            while index not in kept:
                for key, _ in self.selector.select():
                    worker: _Worker = key.data
                    number, outcomes = self._receive(worker)
                    kept[number] = outcomes
                    self._feed(worker)
            yield kept.pop(index)

    def _receive(self, worker: _Worker) -> tuple[int, list[SiteOutcome]]:
        header = _read_exactly(worker.answers, _ANSWER.size)
        if header is None:
            raise DiagnosticError([self._lost(worker)])
        number, length, failed = _ANSWER.unpack(header)
        payload = _read_exactly(worker.answers, length)
        if payload is None:
            raise DiagnosticError([self._lost(worker)])
        self.received += 1
        try:
            found = pickle.loads(payload)  # written by our own forked worker
        except Exception as exc:  # noqa: BLE001 - an exception class that cannot be rebuilt here
            raise RuntimeError(f"a worker's answer could not be read back: {exc}") from None
        if failed:
            raise found
        outcomes: list[SiteOutcome] = found
        return number, outcomes

    def _lost(self, worker: _Worker) -> Diagnostic:
        """A worker closed its pipe without answering: how it stopped, said plainly."""
        _, status = os.waitpid(worker.pid, 0)
        worker.pid = 0
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            if number == signal.SIGINT:  # Ctrl-C reached the workers before this process
                raise KeyboardInterrupt
            how = f"was killed by signal {number} ({signal.Signals(number).name})"
        else:
            how = f"exited with status {os.waitstatus_to_exitcode(status)}"
        return Diagnostic(
            "build-worker-lost",
            f"a worker process building the sites {how} before it finished; nothing was written",
            hint="run the command again; if it happens again, see whether the system ran out of memory "
            "(dmesg), or build in one process with --jobs 1",
        )

    def stop(self) -> None:
        """Close every pipe (an idle worker then exits) and reap every worker; when the build
        stopped before every answer came, the workers are stopped."""
        finished = self.received == len(self.chunks)
        self.selector.close()
        for worker in self.workers:
            os.close(worker.tasks)
            os.close(worker.answers)
        for worker in self.workers:
            if worker.pid == 0:
                continue
            if not finished:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(worker.pid, 0)


def _serve(chunks: list[list[str]], tasks: int, answers: int) -> None:
    """A worker's loop: a chunk's number in, its outcomes out, until the parent closes the pipe."""
    assert _JOB is not None, "the job is set before the workers fork"
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports it, the workers stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while (task := _read_exactly(tasks, _TASK.size)) is not None:
        (number,) = _TASK.unpack(task)
        failed = False
        try:
            found: object = [_JOB.run(Path(name)) for name in chunks[number]]
        except Exception as exc:  # noqa: BLE001 - raised again in the parent, as a pool did
            failed, found = True, exc
        try:
            payload = pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an exception that cannot be pickled: its text
            failed, payload = True, pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))
        _write_all(answers, _ANSWER.pack(number, len(payload), failed) + payload)


def _read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes from the pipe; None at its end (the other side closed it or stopped)."""
    parts: list[bytes] = []
    left = size
    while left:
        part = os.read(fd, left)
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
