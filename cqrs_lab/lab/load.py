"""Running a Poisson workload on a Lab, in lab time.

`run_load` plays the whole workload at once: the lab clock jumps from arrival to
arrival, and before each arrival the bus delivers everything that fell due, so commands,
queries and deliveries interleave exactly as they would have in real time. `LoadRun` is
the same workload for the screen: each `poll` sends the arrivals that are due by the lab
clock, which runs on its own (and stands still while the lab is paused); the screen polls
from a worker thread (`lab/load_thread.py`), so arrivals keep the load's own schedule.

The workload's users are other shoppers: the load sells the shop's existing products but
never acts as an existing user, and its queries are not recorded as the learner's own.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cqrs_lab.crud.tables import USERS
from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.lab.hash_ahead import HASHERS, HashAhead, Hashed
from cqrs_lab.lab.service_performers import services_of
from cqrs_lab.read.crud_queries import query_catalog
from cqrs_lab.shop.commands import Command, RegisterUser
from cqrs_lab.shop.workload import ReadQuery, Request, Workload
from cqrs_lab.sim.arrivals import PoissonArrivals
from cqrs_lab.sim.durations import format_duration
from cqrs_lab.write.results import Accepted, CommandResult

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab

FLUSH_EVERY = 1.0
"""Lab seconds between projection flushes during `run_load` (queries flush anyway)."""
HASH_POLL = 0.005
"""Lab seconds between two looks at the registrations being hashed ahead."""


@dataclass
class LoadReport:
    """What one load did."""

    rate: float
    duration: float
    started_at: float
    ended_at: float | None = None
    stopped: bool = False
    arrivals: int = 0
    events: int = 0
    accepted: Counter[str] = field(default_factory=Counter)  # by verb
    rejected: Counter[str] = field(default_factory=Counter)  # by error code
    queries: Counter[str] = field(default_factory=Counter)  # by view
    stale: Counter[str] = field(default_factory=Counter)  # by view

    @property
    def commands(self) -> int:
        return self.accepted.total() + self.rejected.total()

    def summary(self) -> str:
        ended = self.started_at + self.duration if self.ended_at is None else self.ended_at
        head = "load stopped" if self.stopped else "load done"
        text = (
            f"{head}: {self.rate:g}/s for {format_duration(self.duration)}, "
            f"{self.arrivals:,} requests by t={ended:.3f}s: "
            f"{self.accepted.total():,} commands accepted, {self.rejected.total():,} refused"
        )
        if self.rejected:
            text += f" ({_counts(self.rejected)})"
        text += f", {self.queries.total():,} queries ({self.stale.total():,} stale)"
        return text + f", {self.events:,} events"

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "duration": self.duration,
            "started_at": round(self.started_at, 6),
            "ended_at": None if self.ended_at is None else round(self.ended_at, 6),
            "stopped": self.stopped,
            "arrivals": self.arrivals,
            "commands": self.commands,
            "events": self.events,
            "accepted": dict(sorted(self.accepted.items())),
            "rejected": dict(sorted(self.rejected.items())),
            "queries": dict(sorted(self.queries.items())),
            "stale": dict(sorted(self.stale.items())),
        }


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in counter.most_common())


class LoadObserver:
    """Hooks into a load, for measurements (`simulate`). The base class only moves time."""

    def advance_to(self, lab: Lab, t: float) -> None:
        """Bring the lab to lab time `t`, delivering what falls due on the way."""
        lab.bus.advance_to(t)

    def arrived(self, lab: Lab, request: Request) -> None:
        """A request arrived at `lab.clock.now()`, before it is sent."""

    def commanded(self, lab: Lab, result: CommandResult) -> None:
        """A command was handled (and its events, if any, published)."""

    def queried(self, lab: Lab, query: ReadQuery, answer: QueryAnswer) -> None:
        """A query was answered."""


class LoadRun:
    """A Poisson workload of `rate` requests a lab second for `duration` lab seconds."""

    def __init__(
        self,
        lab: Lab,
        rate: float,
        duration: float,
        *,
        observer: LoadObserver | None = None,
        passwords: HashAhead | None = None,
    ) -> None:
        """`passwords`: registrations are sent once their hash, started as they arrive, is
        ready (a screen's load; see `lab/hash_ahead.py`), instead of at once."""
        if not duration > 0:
            raise ValueError(f"the duration must be above zero, got {duration}")
        self.lab = lab
        self.observer = observer or LoadObserver()
        self.start = lab.clock.now()
        self.end = self.start + duration
        self.workload = Workload(
            lab.rng, new_order_id=lab.new_order_id, saga=lambda: services_of(lab) is not None
        )
        stock, names = _existing(lab)
        self.workload.adopt(stock, names)
        self.arrivals = PoissonArrivals(lab.rng, rate, self.start, self.end)
        self.report = LoadReport(rate, duration, self.start)
        self.passwords = passwords
        self._hashing: deque[tuple[RegisterUser, Future[Hashed]]] = deque()

    @property
    def done(self) -> bool:
        return self.report.ended_at is not None

    @property
    def progress(self) -> float:
        """From 0.0 (started) to 1.0 (done), by lab time."""
        if self.done:
            return 1.0
        elapsed = self.lab.clock.now() - self.start
        return min(1.0, max(0.0, elapsed / (self.end - self.start)))

    def stop(self) -> LoadReport:
        """Send nothing more."""
        if not self.done:
            self.arrivals.stop()
            self._hashing.clear()
            self.report.stopped = True
            self.report.ended_at = self.lab.clock.now()
        return self.report

    def poll(self, limit: int | None = None, until: Callable[[], bool] | None = None) -> int:
        """Send the arrivals due by the lab clock (at most `limit`, and none once `until()`
        says to stop between two of them); return how many."""
        if self.done:
            return 0
        now = self.lab.clock.now()
        sent = 0
        while (due := self.arrivals.peek()) is not None and due <= now:
            if (limit is not None and sent >= limit) or (until is not None and until()):
                break
            sent += self._send_hashed()
            self.observer.advance_to(self.lab, self.arrivals.pop())
            self._arrive()
            sent += 1
        sent += self._send_hashed()
        if self.arrivals.peek() is None and now >= self.end and not self._hashing:
            self.report.ended_at = now
        if sent or self.done:
            self.lab.flush()
        return sent

    def due_in(self) -> float | None:
        """Lab seconds until the next arrival is due, or the load's end (None: it is over)."""
        if self.done:
            return None
        due = self.arrivals.peek()
        wait = max(0.0, (self.end if due is None else due) - self.lab.clock.now())
        if self._hashing:
            return 0.0 if self._hashing[0][1].done() else min(wait, HASH_POLL)
        return wait

    def run(self) -> LoadReport:
        """Play every remaining arrival now, moving lab time to each; end at the end time."""
        lab, observer = self.lab, self.observer
        next_flush = lab.clock.now() + FLUSH_EVERY
        for arrival in self.arrivals:
            observer.advance_to(lab, arrival)
            self._arrive()
            if arrival >= next_flush:
                lab.flush()
                next_flush = arrival + FLUSH_EVERY
        if not self.done:
            observer.advance_to(lab, self.end)
            self.report.ended_at = max(self.end, lab.clock.now())
        lab.flush()
        return self.report

    def _arrive(self) -> None:
        lab, report = self.lab, self.report
        now = lab.clock.now()
        request = self.workload.next_request(now)
        report.arrivals += 1
        self.observer.arrived(lab, request)
        if (
            self.passwords is not None
            and isinstance(request, RegisterUser)
            and len(self._hashing) < HASHERS  # else hashed here: the workload waits for users
        ):
            self._hashing.append((request, self.passwords.prepare(request)))
            return
        if isinstance(request, ReadQuery):
            # counted (the metrics strip), but not the learner's answer to the view
            answer = lab.query(request.view, request.username, shopper=True)
            report.queries[request.view] += 1
            report.stale[request.view] += answer.stale
            self.observer.queried(lab, request, answer)
            return
        self._command(request, now)

    def _send_hashed(self) -> int:
        """Send the registrations whose hash is ready, in their order; how many."""
        sent = 0
        while self._hashing and self._hashing[0][1].done():
            self._command(self._hashing.popleft()[0], self.lab.clock.now())
            sent += 1
        return sent

    def _command(self, request: Command, now: float) -> None:
        lab, report = self.lab, self.report
        result = lab.send(request, fresh=True)  # its id is new: drawn by the workload
        if isinstance(result, Accepted):
            report.accepted[request.verb] += 1
            report.events += 0 if result.duplicate else len(result.events)
            self.workload.observe(result.command, now, accepted=True)
        else:
            report.rejected[result.code] += 1
            self.workload.observe(result.command, now, accepted=False, code=result.code)
        self.observer.commanded(lab, result)


def run_load(
    lab: Lab, rate: float, duration: float, *, observer: LoadObserver | None = None
) -> LoadReport:
    """Run a whole Poisson workload in lab time and report what it did."""
    return LoadRun(lab, rate, duration, observer=observer).run()


def _existing(lab: Lab) -> tuple[dict[str, int], list[str]]:
    """The shop's products with their stock, and its user names (from the CRUD twin)."""
    with lab.store.engine.connect() as connection:
        catalog = query_catalog(connection, page=None).as_dicts()
        users = list(connection.execute(sa.select(USERS.c.username)).scalars())
    return {row["sku"]: row["available"] for row in catalog}, users
