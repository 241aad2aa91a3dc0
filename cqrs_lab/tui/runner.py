"""Background work on the lab screen: a rebuild and a load, one job of each kind at once.

A rebuild replays one batch a frame, on the UI thread like every other use of the lab. A
load runs in a worker thread (`LoadThread`): it sends each request when the lab clock
reaches it (so a paused lab clock pauses the load too), and takes turns in the lab with the
screen through the screen's `LabGuard`, so the Lab is never used by two threads at once and
typing never waits for the load. The screen looks at the load once a frame.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from cqrs_lab.lab import Lab, RebuildProgress
from cqrs_lab.lab.errors import LabError
from cqrs_lab.lab.guard import LabGuard
from cqrs_lab.lab.hash_ahead import HashAhead
from cqrs_lab.lab.load import LoadRun
from cqrs_lab.lab.load_thread import LoadThread
from cqrs_lab.lab.rebuilds import rebuilt
from cqrs_lab.script import Rebuild
from cqrs_lab.sim.durations import format_duration

JobKind = Literal["rebuild", "load"]
REBUILD_BATCH = 2_000
"""Events a rebuild replays a frame: about 25 ms here (the lab rebuilds ~70,000 events/s)."""


@dataclass(frozen=True, slots=True)
class Ended:
    """A job is over: what to say, and whether it went well."""

    kind: JobKind
    message: str
    ok: bool


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a job has got, for the status line."""

    label: str
    done: float
    total: float | None
    """None: not known yet."""


class Job(ABC):
    kind: ClassVar[JobKind]
    note: str = ""
    """What to say when it starts (nothing: the progress row says it)."""

    @abstractmethod
    def advance(self) -> Ended | None:
        """One frame of work; what to say once it is over. Raises if the work fails."""

    @abstractmethod
    def progress(self) -> Progress: ...

    @abstractmethod
    def stop(self) -> Ended:
        """Stop at once (the stop key)."""

    @abstractmethod
    def failed(self, error: Exception) -> Ended: ...


class RebuildJob(Job):
    """Rebuild projections one after another, one batch a frame."""

    kind = "rebuild"

    def __init__(self, lab: Lab, lanes: Sequence[str]) -> None:
        self._lab = lab
        self._steps = self._rebuild(lab, lanes)
        self._rebuilt: dict[str, int] = {}
        self._last: RebuildProgress | None = None

    @staticmethod
    def _rebuild(lab: Lab, lanes: Sequence[str]) -> Iterator[RebuildProgress]:
        for lane in lanes:
            yield from lab.rebuild_steps(lane, batch=REBUILD_BATCH)

    def advance(self) -> Ended | None:
        try:
            self._last = next(self._steps)
        except StopIteration:
            done = ", ".join(rebuilt(self._lab, name, n) for name, n in self._rebuilt.items())
            return Ended(self.kind, f"rebuilt {done}", True)
        self._rebuilt[self._last.projection] = self._last.done
        return None

    def progress(self) -> Progress:
        last = self._last
        if last is None:
            return Progress("", 0, None)
        return Progress(f"rebuilding {last.projection} ", last.done, max(last.total, 1))

    def stop(self) -> Ended:
        self._steps.close()
        return Ended(self.kind, "rebuild stopped", False)

    def failed(self, error: Exception) -> Ended:
        return Ended(self.kind, f"the rebuild failed: {error}", False)


class LoadJob(Job):
    """A Poisson workload (`load RATE/s for DURATION`), sent by a worker thread as the lab
    clock runs; the screen's frames wake it and ask how it is going."""

    kind = "load"

    def __init__(self, lab: Lab, guard: LabGuard, rate: float, duration: float) -> None:
        self.run = LoadRun(lab, rate, duration, passwords=HashAhead(lab.credentials))
        self.worker = LoadThread(self.run, guard)
        self.label = f"load {rate:g}/s for {format_duration(duration)} "
        self.note = f"{self.label.strip()}: running (ctrl+x, or x off the bar, stops it)"
        self.worker.start()

    def advance(self) -> Ended | None:
        if self.worker.error is not None:
            raise self.worker.error
        self.worker.wake()
        return Ended(self.kind, self.run.report.summary(), True) if self.run.done else None

    def progress(self) -> Progress:
        return Progress(self.label, round(100 * self.run.progress, 1), 100)

    def stop(self) -> Ended:
        return Ended(self.kind, self.worker.stop().summary(), True)

    def failed(self, error: Exception) -> Ended:
        report = self.worker.stop()
        return Ended(self.kind, f"the load failed: {error} ({report.summary()})", False)


class Runner:
    """The jobs running now, at most one of each kind."""

    def __init__(self) -> None:
        self.jobs: dict[JobKind, Job] = {}

    def running(self, kind: JobKind) -> bool:
        return kind in self.jobs

    def rebuild(self, lab: Lab, lane: str) -> Job | str:
        """Start rebuilding `lane` (or `all`); or say why not."""
        if self.running("rebuild"):
            return "a rebuild is already running"
        if refusal := lab.refusal(Rebuild(lane)):
            return refusal
        try:
            lanes = lab.lanes_named(lane)
        except LabError as error:
            return str(error)
        return self._start(RebuildJob(lab, lanes))

    def load(self, lab: Lab, guard: LabGuard, rate: float, duration: float) -> Job | str:
        """Start a load of `rate` requests a second for `duration` (its worker takes turns
        with the caller, who holds `guard`); or say why not."""
        if self.running("load"):
            return "a load is already running (ctrl+x stops it)"
        try:
            job = LoadJob(lab, guard, rate, duration)
        except Exception as error:  # shown, never a traceback
            return f"the load cannot start: {error}"
        return self._start(job)

    def _start(self, job: Job) -> Job:
        self.jobs[job.kind] = job
        return job

    def advance(self, kind: JobKind) -> Ended | None:
        """One frame of the `kind` job, if one runs; what to say if it is over."""
        job = self.jobs.get(kind)
        if job is None:
            return None
        try:
            ended = job.advance()
        except Exception as error:  # shown, never a traceback
            ended = job.failed(error)
        if ended is not None:
            del self.jobs[kind]
        return ended

    def progress(self, kind: JobKind) -> Progress | None:
        job = self.jobs.get(kind)
        return job.progress() if job is not None else None

    def stop(self, kind: JobKind) -> Ended | None:
        job = self.jobs.pop(kind, None)
        return job.stop() if job is not None else None
