"""The Lab: one object that wires the write side, the bus, the projections, the CRUD twin,
one clock and one seeded RNG. The screen, `cqrs-lab run`, `simulate` and the lessons checker
all drive this same object.

Its work is done by collaborators in their own modules: sending commands (`sending`), what
becomes of recorded events (`publishing`), the lanes' settings (`lanes`), flushes
(`flushing`), rebuilds (`rebuilds`), resets (`resets`), order ids (`order_ids`), the read
path (`read_path`) and the snapshot and report (`reporting`).
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from sqlalchemy import exc as sa_exc

from cqrs_lab.crud.twin import CrudTwin
from cqrs_lab.lab import lanes, publishing, reporting, resets, sending
from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.lab.defaults import RECENT_EVENTS, SESSION, WAIT_TIMEOUT
from cqrs_lab.lab.deliveries import DeliveryLog
from cqrs_lab.lab.export_folder import ExportFolder, default_export_folder
from cqrs_lab.lab.flushing import Flushes
from cqrs_lab.lab.ids import CommandIds
from cqrs_lab.lab.metrics import LabMetrics
from cqrs_lab.lab.order_ids import OrderIds
from cqrs_lab.lab.outcome import Outcome
from cqrs_lab.lab.prediction import Predictions
from cqrs_lab.lab.read_path import ReadPath, private_store
from cqrs_lab.lab.read_tables import create_read_tables, open_projections
from cqrs_lab.lab.rebuilds import RebuildProgress, rebuild_steps
from cqrs_lab.lab.snapshot import LabSnapshot
from cqrs_lab.read.projection import Projection
from cqrs_lab.read.registry import create_projections
from cqrs_lab.read.subscriber import GapPolicy, Mode, Subscriber
from cqrs_lab.read.view_specs import DEFAULT_LATENCY, LANES, VIEW_LANES
from cqrs_lab.script.actions import Action, Rebuild, Reset
from cqrs_lab.shop.commands import Command
from cqrs_lab.sim.bus import EventBus
from cqrs_lab.sim.clock import Clock, ScaledClock, VirtualClock
from cqrs_lab.sim.faults import Faults
from cqrs_lab.sim.latency import LatencyModel, parse_latency
from cqrs_lab.store.counters import count_orders_placed
from cqrs_lab.store.credentials import Credentials
from cqrs_lab.store.database import open_store
from cqrs_lab.store.errors import CorruptDatabase
from cqrs_lab.store.event_store import EventStore, RecordedEvent
from cqrs_lab.write.handler import CommandHandler, TransactionHook
from cqrs_lab.write.results import CommandResult

CATCH_UP_PAGE = 5_000  # events read from the store at a time when catching up


class Lab:
    """A whole CQRS lab. Not thread-safe: drive it from one thread (the TUI's event loop)."""

    def __init__(
        self,
        store: EventStore,
        *,
        seed: int | None = None,
        clock: Clock | None = None,
        password_cost: int = 2**14,
        exports: ExportFolder | None = None,
        visitor: bool = False,
    ) -> None:
        self.store = store
        self.exports = exports or default_export_folder()
        """Where `export` lines write: nowhere else."""
        self.visitor = visitor
        """A `serve` visitor on a database others share: lines that change everyone's data
        (reset, rebuild) are the instructor's."""
        self.seed = seed if seed is not None else random.SystemRandom().randrange(1, 1_000_000)
        self.rng = random.Random(self.seed)
        self.command_ids = CommandIds(self.seed)
        """Fresh command ids, from the seed too (see `cqrs_lab.lab.ids`)."""
        self.clock: Clock = clock or VirtualClock()
        self.credentials = Credentials(store.engine, cost_n=password_cost)
        self.crud = CrudTwin()
        self.metrics = LabMetrics()
        self.recent: deque[RecordedEvent] = deque(maxlen=RECENT_EVENTS)
        self.last_write: dict[str, int] = {}
        self.last_order_id: str | None = None
        self.history: list[str] = []
        """The lines run, passwords masked (for export and time travel): the interpreter
        keeps it."""
        self.line_observers: list[Callable[[Outcome], None]] = []
        """Told the outcome of every line the interpreter runs (an open lesson's check)."""
        self.answers: dict[tuple[str, str], QueryAnswer] = {}
        """The last answer per (view, source)."""
        self._paused = False
        self._speed = 1.0
        self.projections: dict[str, Projection] = create_projections()
        self.subscribers = {
            name: Subscriber(projection, self._read_range, now=self.clock.now)
            for name, projection in self.projections.items()
        }
        self.reads = ReadPath(self.seed, private=private_store(store))
        """The query cache, the replicas and their routes, the session-guarantee checker."""
        self.latencies: dict[str, LatencyModel] = {
            name: parse_latency(DEFAULT_LATENCY[name]) for name in LANES
        }
        self.faults: dict[str, Faults] = {name: Faults() for name in LANES}
        self.capacities: dict[str, float | None] = dict.fromkeys(LANES)
        """Deliveries a second each lane's consumer handles (None: no limit)."""
        self.bus: EventBus[RecordedEvent] = EventBus(self.clock, self.rng)
        for name in LANES:
            lanes.subscribe(self, name)
            self.subscribers[name].retry_later = lanes.retrier(self, name)
        self.deliveries = DeliveryLog(self.clock, self.subscribers)  # for causation traces
        self.bus.add_observer(self.deliveries.observe)
        self.bus.add_observer(partial(lanes.on_delivery_outcome, self))
        self.predictions = Predictions()
        self.notices: list[str] = []
        """What happened to this lab that nobody asked for (the screen shows and clears it)."""
        self.flushing = Flushes(store)
        own_hooks = [
            partial(sending.save_credentials, self),
            self.crud.apply,
            lambda connection, _, events: count_orders_placed(connection, events),
            partial(publishing.apply_inline, self),
        ]
        self.handler = CommandHandler(
            store, self.clock.now, hooks=own_hooks, may_guess=lambda: self._may_guess(own_hooks)
        )
        self.head = store.head()
        self._prepare_tables()
        self.order_ids = OrderIds(store)
        self.catch_up_all()

    @classmethod
    def open(cls, db: str | None = None, **options: object) -> Lab:
        """Open (or create) the lab database `db`: a path, ':memory:' or a SQLAlchemy URL.

        Damage found past the store's own checks (in a read-model table, say) is reported as
        a `CorruptDatabase` naming the file; the file is left as it is.
        """
        store = open_store(db)
        try:
            return cls(store, **options)  # type: ignore[arg-type]
        except (sa_exc.DatabaseError, sqlite3.DatabaseError) as error:
            store.engine.dispose()
            reason = str(getattr(error, "orig", error)).splitlines()[0]
            raise CorruptDatabase(store.where, reason) from None

    def close(self) -> None:
        self.flush()
        self.store.engine.dispose()

    # -- the write side -------------------------------------------------------------

    def send(
        self, command: Command, *, correlation_id: str | None = None, fresh: bool = False
    ) -> CommandResult:
        """Handle one command; publish what it recorded to the bus.

        `fresh`: the command is new and its id was just drawn (a lab line, the workload), so
        that id found already recorded is a collision with another lab of the same seed,
        not a resend: the command goes again under an id of `command_ids`, salted.
        """
        return sending.send(self, command, correlation_id, fresh)

    def race(
        self, first: Command, second: Command, *, fresh: bool = False
    ) -> tuple[CommandResult, CommandResult, CommandResult | None]:
        """Decide both commands against the same state, then append one after the other.

        The second append meets the first one's new version: an optimistic concurrency
        conflict. It is then retried the way a real handler would: reload, decide again.
        `fresh` as for `send`.
        """
        return sending.race(self, first, second, fresh)

    def new_order_id(self) -> str:
        """The next readable order id (o1, o2, ...) for a place-order that names none.

        Ids count accepted orders: a refused place-order gives its number back.
        """
        return self.order_ids.new()

    def login(self, username: str, password: str) -> bool:
        return self.credentials.verify(username, password)

    def _may_guess(self, own_hooks: list[TransactionHook]) -> bool:
        """Whether a command's unit may begin on a guessed head (`store/pg_guess.py`): only
        this lab's own hooks, which send with the COMMIT and keep nothing in memory before
        it (a service's saga step does), and no inline lane (it applies in memory first)."""
        inline = any(s.mode is Mode.INLINE for s in self.subscribers.values())
        return not inline and self.handler.hooks == own_hooks

    def poll_store(self) -> int:
        """Pick up events another process appended to the same database, and publish them.

        Two attendees' labs on one database see each other's events travel their lanes.
        A head below the one this lab has seen means another lab reset the database: this
        lab starts over on it too (`notices` says so).
        """
        head = self.store.head()
        if head < self.head:
            resets.follow_reset(self)
        return publishing.pick_up(self, head)

    # -- the read side --------------------------------------------------------------

    def query(
        self,
        view: str,
        username: str | None = None,
        *,
        crud: bool = False,
        wait: bool = False,
        timeout: float | None = None,
        record: bool = True,
        shopper: bool = False,
        page: int = 1,
    ) -> QueryAnswer:
        """Answer a query from its projection (or the CRUD twin), with its freshness.

        `record=False` is for the screen's own refreshes: they are not the learner's
        queries, so they count neither as queries nor as stale reads. `shopper=True` is a
        load's query: counted, but not the learner's last answer (lessons check those).
        `page`: the catalog's page (every view answers a bounded page; see `catalog_page.py`).
        """
        lane = VIEW_LANES[view]
        if not self.reads.private:  # else nobody else appends: the head is this lab's
            self.poll_store()
        target = self.last_write.get(username or SESSION, 0)
        subscriber = self.subscribers[lane]
        waited, timed_out = 0.0, False
        if wait and not crud and subscriber.position(self.head) < target:
            started = self.clock.now()
            timed_out = not self.wait_for(subscriber, target, timeout or WAIT_TIMEOUT)
            waited = self.clock.now() - started
            self.metrics.query_wait.add(waited)
        if not crud and self.reads.from_memory(self, subscriber):
            self.deliveries.sweep()  # what a flush does besides writing: its rows are held
        elif not crud:
            self.flush(subscriber.projection)
        began = time.perf_counter()
        read = self.reads.read(self, view, username, crud, target, record, page)
        rows, checkpoint = read.rows, read.position
        head = self.head  # read by poll_store just now (if at all): once per query
        cpu_seconds = time.perf_counter() - began
        stale = checkpoint < target
        if record:
            self.metrics.query_cpu.add(cpu_seconds)
            self.metrics.queries[view] += 1
            if stale:
                self.metrics.stale_reads[view] += 1
        answer = QueryAnswer(
            view=view,
            username=username,
            source="crud" if crud else "projection",
            rows=rows,
            checkpoint=checkpoint,
            head=head,
            behind_events=0 if crud else subscriber.behind(),
            behind_seconds=0.0 if crud else self.lag_seconds(lane),
            stale=stale,
            waited=waited,
            timed_out=timed_out,
            cpu_seconds=cpu_seconds,
            served_by=read.served_by,
            cache_age=read.cache_age,
            stale_cache=read.stale_cache,
            stalled=read.stalled,
            violations=read.violations,
        )
        if record and not shopper:
            self.answers[view, answer.source] = answer
        return answer

    def wait_for(self, subscriber: Subscriber, target: int, timeout: float) -> bool:
        """Let lab time pass until the subscriber reaches `target`, or the timeout."""
        deadline = self.clock.now() + timeout
        while subscriber.position(self.head) < target:
            due = self.bus.next_due()
            if due is None or due > deadline:
                self.clock.advance_to(deadline)
                return False
            self.bus.advance_to(due)
        return True

    def lag_seconds(self, lane: str) -> float:
        """How long the oldest event the projection has not applied has been waiting."""
        oldest = self.subscribers[lane].oldest_pending()
        if oldest is None:
            return 0.0
        return max(0.0, self.clock.now() - self._recorded_at(oldest))

    def _recorded_at(self, position: int) -> float:
        recent = self.recent  # newest first, one event a position unless others wrote
        at = recent[0].position - position if recent else -1
        if 0 <= at < len(recent) and recent[at].position == position:
            return recent[at].metadata.recorded_at
        for event in reversed(recent):  # oldest first: the wanted one is usually old
            if event.position == position:
                return event.metadata.recorded_at
        found = self.store.read_all(after=position - 1, limit=1)
        return found[0].metadata.recorded_at if found else self.clock.now()

    def _read_range(self, after: int, up_to: int) -> Iterator[RecordedEvent]:
        """Stored events in (after, up_to], read a page at a time to bound memory."""
        while after < up_to:
            page = self.store.read_all(after=after, limit=min(CATCH_UP_PAGE, up_to - after))
            if not page:
                return
            yield from page
            after = page[-1].position

    # -- time -----------------------------------------------------------------------

    def advance(self, seconds: float) -> int:
        """Let `seconds` of lab time pass, delivering everything that falls due."""
        return self.advance_to(self.clock.now() + seconds)

    def advance_to(self, t: float) -> int:
        delivered = self.bus.advance_to(t)
        self.flush()
        return delivered

    def tick(self) -> int:
        """Deliver what is due by the clock's own time (the TUI calls this every frame).

        A paused lab delivers nothing here: only `step`, `advance` and `settle` move it, so
        a `step` delivers one event even when others fall due at the same instant.
        """
        self.poll_store()
        if self.flush_problems:  # a failed flush is tried again (backing off), paused or not
            self.flush()
        if self.paused:
            return 0
        delivered = self.bus.deliver_due()
        if delivered:
            self.flush()
        return delivered

    def step(self, count: int = 1) -> int:
        """Deliver the next `count` deliveries at once, moving lab time to each."""
        done = 0
        for _ in range(count):
            if self.bus.step() is None:
                break
            done += 1
        self.flush()
        return done

    def settle(self) -> int:
        """Run until nothing is in flight."""
        delivered = self.bus.run_until_idle()
        self.flush()
        return delivered

    @property
    def paused(self) -> bool:
        return self.clock.paused if isinstance(self.clock, ScaledClock) else self._paused

    def pause(self) -> None:
        if isinstance(self.clock, ScaledClock):
            self.clock.pause()
        self._paused = True

    def resume(self) -> None:
        if isinstance(self.clock, ScaledClock):
            self.clock.resume()
        self._paused = False

    @property
    def speed(self) -> float:
        return self.clock.speed if isinstance(self.clock, ScaledClock) else self._speed

    def set_speed(self, factor: float) -> None:
        if isinstance(self.clock, ScaledClock):
            self.clock.speed = factor
        self._speed = factor

    # -- lanes (see `cqrs_lab.lab.lanes`) -------------------------------------------

    def lanes_named(self, name: str) -> list[str]:
        return lanes.lanes_named(name)

    def set_latency(self, lane: str, model: LatencyModel) -> None:
        lanes.set_latency(self, lane, model)

    def set_faults(self, lane: str, faults: Faults | Callable[[Faults], Faults]) -> None:
        lanes.set_faults(self, lane, faults)

    def set_capacity(self, lane: str, rate: float | None) -> None:
        """Let a lane's consumer handle at most `rate` deliveries a second (None: no limit)."""
        lanes.set_capacity(self, lane, rate)

    def set_mode(self, lane: str, mode: Mode) -> None:
        lanes.set_mode(self, lane, mode)

    def set_gap_policy(self, lane: str, policy: GapPolicy) -> None:
        lanes.set_gap_policy(self, lane, policy)

    def hold(self, lane: str) -> None:
        lanes.hold(self, lane)

    def release(self, lane: str) -> int:
        """Let held deliveries in; then judge the predictions waiting on those lanes."""
        return lanes.release(self, lane)

    # -- projections ----------------------------------------------------------------

    def flush(self, *only: Projection) -> None:
        """Commit projections' applied events together with their checkpoints (all, or `only`)."""
        self.deliveries.sweep()
        self.flushing.flush(only or self.projections.values())

    @property
    def flush_problems(self) -> dict[str, str]:
        """Projection -> why its last flush failed (cleared by the next one that works)."""
        return self.flushing.problems

    @property
    def flush_retry_seconds(self) -> float:
        """Wall seconds between two tries of a flush that failed."""
        return self.flushing.retry_seconds

    @flush_retry_seconds.setter
    def flush_retry_seconds(self, seconds: float) -> None:
        self.flushing.retry_seconds = seconds

    def catch_up_all(self) -> None:
        """Bring every projection up to the store's head (on start, after a restart)."""
        head = self.store.head()
        for subscriber in self.subscribers.values():
            subscriber.catch_up(head)
        self.flush()
        if self.flushing.error is not None:  # at the start a database that cannot be written
            raise self.flushing.error  # is refused, not retried: nothing has run on it yet

    def rebuild(self, lane: str, progress: Callable[[RebuildProgress], None] | None = None) -> int:
        """Clear a projection and replay the whole store into it."""
        last = RebuildProgress(lane, 0, 0)
        for last in self.rebuild_steps(lane):
            if progress:
                progress(last)
        return last.done

    def rebuild_steps(self, lane: str, batch: int = 5_000) -> Iterator[RebuildProgress]:
        """The rebuild as a generator, one batch a step, so a screen can show progress."""
        return rebuild_steps(self, lane, batch)

    # -- the whole lab --------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: events, credentials, read models, counters, lane settings."""
        resets.reset(self)

    def refusal(self, action: Action) -> str | None:
        """Why this lab will not run `action`, or None: a visitor of a shared database may
        not reset or rebuild what every other lab reads."""
        if self.visitor and isinstance(action, Reset | Rebuild):
            word = "reset" if isinstance(action, Reset) else "rebuild"
            return (
                f"{word} is for the instructor: this lab shares its database with the other"
                " visitors, and it would change what all of them see"
            )
        return None

    def reseed(self, seed: int) -> None:
        self.seed = seed
        self.rng.seed(seed)
        self.command_ids.reseed(seed)
        self.reads.replicas.reseed(seed)

    def report(self) -> dict[str, Any]:
        """Final lag and metrics, for `cqrs-lab run --json` and reports."""
        return reporting.report(self)

    def snapshot(self) -> LabSnapshot:
        return reporting.take_snapshot(self)

    def _prepare_tables(self) -> None:
        create_read_tables(self.store, self.crud, list(self.projections.values()))
        open_projections(self.store, self.projections.values(), self.head)
