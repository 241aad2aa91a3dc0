"""The Lab: one object that wires the write side, the bus, the projections, the CRUD twin,
one clock and one seeded RNG. The screen, `cqrs-lab run`, `simulate` and the lessons checker
all drive this same object."""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from cqrs_lab.crud.twin import CrudTwin
from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.lab.defaults import RECENT_EVENTS, SESSION, WAIT_TIMEOUT
from cqrs_lab.lab.deliveries import DeliveryLog
from cqrs_lab.lab.errors import LabError
from cqrs_lab.lab.export_folder import ExportFolder, default_export_folder
from cqrs_lab.lab.ids import CommandIds
from cqrs_lab.lab.metrics import LabMetrics
from cqrs_lab.lab.outcome import Outcome
from cqrs_lab.lab.prediction import Predictions
from cqrs_lab.lab.production import reset_production
from cqrs_lab.lab.read_path import ReadPath
from cqrs_lab.lab.read_tables import open_projections
from cqrs_lab.lab.snapshot import LabSnapshot, LaneState
from cqrs_lab.read import crud_queries
from cqrs_lab.read.projection import Projection
from cqrs_lab.read.registry import create_projections
from cqrs_lab.read.subscriber import GapPolicy, Mode, Subscriber
from cqrs_lab.read.view_specs import DEFAULT_LATENCY, LANES, VIEW_LANES
from cqrs_lab.read.views import ViewRows
from cqrs_lab.script.actions import Action, Rebuild, Reset
from cqrs_lab.shop.commands import Command, PlaceOrder, RegisterUser
from cqrs_lab.shop.errors import DomainError, DuplicateOrder
from cqrs_lab.sim.bus import Delivery, EventBus, SubscriptionStats
from cqrs_lab.sim.clock import Clock, ScaledClock, VirtualClock
from cqrs_lab.sim.faults import Faults
from cqrs_lab.sim.latency import LatencyModel, parse_latency
from cqrs_lab.sim.write_cost import WRITE_COST
from cqrs_lab.store.counters import count_orders_placed, orders_placed, set_orders_placed
from cqrs_lab.store.credentials import Credentials
from cqrs_lab.store.database import open_store
from cqrs_lab.store.errors import CorruptDatabase, StoreError
from cqrs_lab.store.event_store import EventStore, RecordedEvent
from cqrs_lab.write.handler import CommandHandler
from cqrs_lab.write.results import Accepted, CommandResult, Rejected

CATCH_UP_PAGE = 5_000  # events read from the store at a time when catching up
FLUSH_RETRY_SECONDS = 1.0
"""Wall seconds between two tries of a flush that failed (a lock may take seconds to go)."""


class UnknownLane(LabError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no lane '{name}' (lanes: {', '.join(LANES)}, or all)")


@dataclass(frozen=True, slots=True)
class RebuildProgress:
    projection: str
    done: int
    total: int

    @property
    def finished(self) -> bool:
        return self.done >= self.total


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
        self._generated_order_ids: set[str] = set()
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
        self.reads = ReadPath(self.seed)
        """The query cache, the replicas and their routes, the session-guarantee checker."""
        self.latencies: dict[str, LatencyModel] = {
            name: parse_latency(DEFAULT_LATENCY[name]) for name in LANES
        }
        self.faults: dict[str, Faults] = {name: Faults() for name in LANES}
        self.capacities: dict[str, float | None] = dict.fromkeys(LANES)
        """Deliveries a second each lane's consumer handles (None: no limit)."""
        self.bus: EventBus[RecordedEvent] = EventBus(self.clock, self.rng)
        for name in LANES:
            self._subscribe(name)
            self.subscribers[name].retry_later = self._retrier(name)
        self.deliveries = DeliveryLog(self.clock, self.subscribers)  # for causation traces
        self.bus.add_observer(self.deliveries.observe)
        self.bus.add_observer(self._on_delivery_outcome)
        self.predictions = Predictions()
        self.notices: list[str] = []
        """What happened to this lab that nobody asked for (the screen shows and clears it)."""
        self.flush_problems: dict[str, str] = {}
        """Projection -> why its last flush failed (cleared by the next one that works)."""
        self.flush_retry_seconds = FLUSH_RETRY_SECONDS
        self._flush_retry_at = 0.0
        self._flush_error: StoreError | None = None
        self.handler = CommandHandler(
            store,
            self.clock.now,
            hooks=[
                self._save_credentials,
                self.crud.apply,
                lambda connection, _, events: count_orders_placed(connection, events),
                self._inline,
            ],
        )
        self.head = store.head()
        self._prepare_tables()
        self._order_number = self._count_orders()
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
        started = time.perf_counter()
        with self._inline_rolled_back_on_failure():
            result = self._handle(command, correlation_id, fresh)
        self.metrics.command_cpu.add(time.perf_counter() - started)
        self._account(result)
        return result

    @contextmanager
    def _inline_rolled_back_on_failure(self) -> Iterator[None]:
        """An inline projection applies a command's events in memory inside the command's
        transaction; if that transaction fails, they were never stored: back to what is."""
        try:
            yield
        except StoreError:
            inline = [s.projection for s in self.subscribers.values() if s.mode is Mode.INLINE]
            if inline:
                with contextlib.suppress(StoreError, sa_exc.DBAPIError):
                    open_projections(self.store, inline)
            raise

    def new_order_id(self) -> str:
        """The next readable order id (o1, o2, ...) for a place-order that names none.

        Ids count accepted orders: a refused place-order gives its number back.
        """
        self._order_number += 1
        order_id = f"o{self._order_number}"
        self._generated_order_ids.add(order_id)
        return order_id

    def _give_back_order_id(self, command: Command) -> None:
        """A refused place-order's generated id is free again, if it was the last one made."""
        if not isinstance(command, PlaceOrder) or command.order_id not in self._generated_order_ids:
            return
        if command.order_id == f"o{self._order_number}":
            self._order_number -= 1

    def race(
        self, first: Command, second: Command, *, fresh: bool = False
    ) -> tuple[CommandResult, CommandResult, CommandResult | None]:
        """Decide both commands against the same state, then append one after the other.

        The second append meets the first one's new version: an optimistic concurrency
        conflict. It is then retried the way a real handler would: reload, decide again.
        `fresh` as for `send`.
        """
        if fresh:
            first, second = self._unrecorded(first), self._unrecorded(second)
        try:
            decided_first = self.handler.decide_only(first)
            decided_second = self.handler.decide_only(second)
        except DomainError:
            self._give_back_order_id(second)
            self._give_back_order_id(first)
            raise
        with self._inline_rolled_back_on_failure():
            first_result = self.handler.append_decided(first, *decided_first)
        self._account(first_result)
        with self._inline_rolled_back_on_failure():
            second_result = self.handler.append_decided(second, *decided_second)
        retry: CommandResult | None = None
        if isinstance(second_result, Rejected):
            # Not refused yet: decided again on the new state, and refused only if that fails.
            self.metrics.concurrency_conflicts += 1
            self.metrics.retries += 1
            retry = self.send(second, fresh=fresh)
        else:
            self._account(second_result)
        return first_result, second_result, retry

    def login(self, username: str, password: str) -> bool:
        return self.credentials.verify(username, password)

    def _handle(self, command: Command, correlation_id: str | None, fresh: bool) -> CommandResult:
        result = self.handler.handle(command, correlation_id=correlation_id)
        while (again := self._retry(result, fresh)) is not None:
            result = self.handler.handle(again, correlation_id=correlation_id)
        return result

    def _retry(self, result: CommandResult, fresh: bool) -> Command | None:
        """The command again, if another process took an id this lab drew for it."""
        command = result.command
        if fresh and isinstance(result, Accepted) and result.duplicate:
            return self._with_new_id(command)
        if (
            isinstance(command, PlaceOrder)
            and isinstance(result, Rejected)
            and isinstance(result.error, DuplicateOrder)
            and command.order_id in self._generated_order_ids
        ):  # another lab placed it: number on from the stored count, not one by one
            self._order_number = max(self._order_number, self._count_orders())
            return command.model_copy(update={"order_id": self.new_order_id()})
        return None

    def _with_new_id(self, command: Command) -> Command:
        """`command` under a command id no other lab draws (see `cqrs_lab.lab.ids`)."""
        self.command_ids.salt()
        return command.model_copy(update={"command_id": self.command_ids.new()})

    def _unrecorded(self, command: Command) -> Command:
        """`command`, under a new id if its fresh id is already recorded (for a race, whose
        appends do not look for the command id)."""
        if self.store.find_by_command_id(command.command_id):
            return self._with_new_id(command)
        return command

    def _account(self, result: CommandResult) -> None:
        verb = type(result.command).verb
        self.metrics.concurrency_conflicts += result.conflicts
        self.metrics.retries += result.retries
        if isinstance(result, Rejected):
            self.metrics.rejected[result.code] += 1
            self._give_back_order_id(result.command)
            return
        self.metrics.accepted[verb] += 1
        if result.duplicate:
            return
        self.metrics.count_loads(self.handler.loads.get(result.command.command_id, ()))
        events = result.events
        self._pick_up(events[0].position - 1)  # another process's events written before ours
        for event in events:
            self.metrics.events[event.type] += 1
            self.recent.appendleft(event)
            username = event.data.get("username")
            if isinstance(username, str):
                self.last_write[username] = event.position
            if event.type == "OrderPlaced":
                self.last_order_id = str(event.data["order_id"])
        self.last_write[SESSION] = events[-1].position
        self.head = max(self.head, events[-1].position)
        self.metrics.command_lab.add(self.write_seconds(events))
        self._publish(events)

    def write_seconds(self, events: Sequence[RecordedEvent]) -> float:
        """What appending `events` costs in lab time (`sim.write_cost`), with the inline
        projections that apply them in the same transaction."""
        inline = sum(
            subscriber.handles(event)
            for subscriber in self.subscribers.values()
            if subscriber.mode is Mode.INLINE
            for event in events
        )
        return WRITE_COST.seconds(len(events), inline)

    def poll_store(self) -> int:
        """Pick up events another process appended to the same database, and publish them.

        Two attendees' labs on one database see each other's events travel their lanes.
        A head below the one this lab has seen means another lab reset the database: this
        lab starts over on it too (`notices` says so).
        """
        head = self.store.head()
        if head < self.head:
            self._follow_reset()
        return self._pick_up(head)

    def _follow_reset(self) -> None:
        """Another lab reset the shared database: forget what it no longer holds (events in
        flight, read models in memory, answers, ids), keep this lab's own lane settings."""
        self.bus.clear()
        self.deliveries.clear()
        self.predictions = Predictions()
        reset_production(self)
        for subscriber in self.subscribers.values():
            subscriber.reset()
        open_projections(self.store, self.projections.values())
        self.flush_problems.clear()
        self.answers.clear()
        self.recent.clear()
        self.last_write.clear()
        self.last_order_id = None
        self.head = 0
        self._order_number = self._count_orders()
        self.notices.append("another lab reset the shared database: this lab starts over too")

    def _pick_up(self, up_to: int) -> int:
        """Publish stored events after `self.head` (the last one this lab has seen) to `up_to`."""
        if up_to <= self.head:
            return 0
        events = self.store.read_all(after=self.head, limit=up_to - self.head)
        for event in events:
            self.metrics.events[event.type] += 1
            self.recent.appendleft(event)
        self.head = up_to
        self._publish(events)
        for subscriber in self.subscribers.values():
            if subscriber.mode is Mode.INLINE:
                subscriber.catch_up(up_to)
        self.flush()
        return len(events)

    def _publish(self, events: Sequence[RecordedEvent]) -> None:
        """Send each async lane the events its projection handles (a filtered subscription)."""
        for name, subscriber in self.subscribers.items():
            if subscriber.mode is not Mode.ASYNC:
                continue
            routed = [event for event in events if subscriber.handles(event)]
            if routed:
                subscriber.expect(event.position for event in routed)
                self.deliveries.sent(name, routed)
                self.bus.publish_to(name, routed)

    def _save_credentials(
        self, connection: Connection, command: Command, events: Sequence[RecordedEvent]
    ) -> None:
        if isinstance(command, RegisterUser):
            self.credentials.set_password(
                command.username, command.password.get_secret_value(), connection=connection
            )

    def _inline(
        self, connection: Connection, command: Command, events: Sequence[RecordedEvent]
    ) -> None:
        for name, subscriber in self.subscribers.items():
            if subscriber.mode is Mode.INLINE:
                subscriber.apply_inline(events)
                self._write_projection(subscriber.projection, connection)
                subscriber.projection.committed()  # with the command's transaction
                self.deliveries.applied_inline(name, events)

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
    ) -> QueryAnswer:
        """Answer a query from its projection (or the CRUD twin), with its freshness.

        `record=False` is for the screen's own refreshes: they are not the learner's
        queries, so they count neither as queries nor as stale reads. `shopper=True` is a
        load's query: counted, but not the learner's last answer (lessons check those).
        """
        lane = VIEW_LANES[view]
        self.poll_store()
        target = self.last_write.get(username or SESSION, 0)
        subscriber = self.subscribers[lane]
        waited, timed_out = 0.0, False
        if wait and not crud and subscriber.position(self.head) < target:
            started = self.clock.now()
            timed_out = not self._wait_for(subscriber, target, timeout or WAIT_TIMEOUT)
            waited = self.clock.now() - started
            self.metrics.query_wait.add(waited)
        if not crud:
            self.flush(subscriber.projection)
        began = time.perf_counter()
        read = self.reads.read(self, view, username, crud, target, record)
        rows, checkpoint = read.rows, read.position
        head = self.head  # read by poll_store just now: once per query
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

    def _saved_position(self, subscriber: Subscriber, head: int) -> int:
        """The position the projection's tables reflect: what it applied, unless a flush
        failed, and then only what is committed (the tables are what a query reads)."""
        projection = subscriber.projection
        if projection.dirty:
            return projection.committed_checkpoint
        return subscriber.position(head)

    def _rows(
        self, connection: Connection, view: str, username: str | None, crud: bool
    ) -> ViewRows:
        if crud:
            if view in ("cart", "orders"):
                reader = crud_queries.query_cart if view == "cart" else crud_queries.query_orders
                return reader(connection, username or "")
            reader_all = (
                crud_queries.query_catalog if view == "catalog" else crud_queries.query_sales
            )
            return reader_all(connection)
        return self.projections[VIEW_LANES[view]].query(connection, username)

    def _wait_for(self, subscriber: Subscriber, target: int, timeout: float) -> bool:
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
        for event in reversed(self.recent):  # oldest first: the wanted one is usually old
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

    # -- lanes ----------------------------------------------------------------------

    def lanes_named(self, name: str) -> list[str]:
        if name == "all":
            return list(LANES)
        if name not in LANES:
            raise UnknownLane(name)
        return [name]

    def set_latency(self, lane: str, model: LatencyModel) -> None:
        for name in self.lanes_named(lane):
            self.latencies[name] = model
            if self.subscribers[name].mode is Mode.ASYNC:
                self.bus.set_latency(name, model)

    def set_faults(self, lane: str, faults: Faults | Callable[[Faults], Faults]) -> None:
        for name in self.lanes_named(lane):
            new = faults(self.faults[name]) if callable(faults) else faults
            self.faults[name] = new
            if self.subscribers[name].mode is Mode.ASYNC:
                self.bus.set_faults(name, new)

    def set_capacity(self, lane: str, rate: float | None) -> None:
        """Let a lane's consumer handle at most `rate` deliveries a second (None: no limit)."""
        for name in self.lanes_named(lane):
            self.capacities[name] = rate
            if self.subscribers[name].mode is Mode.ASYNC:
                self.bus.set_capacity(name, rate)

    def set_mode(self, lane: str, mode: Mode) -> None:
        for name in self.lanes_named(lane):
            subscriber = self.subscribers[name]
            if subscriber.mode is mode:
                continue
            subscriber.mode = mode
            if mode is Mode.INLINE:
                self.bus.unsubscribe(name)
                subscriber.catch_up(self.store.head())
            else:
                self._subscribe(name)
        self.flush()

    def set_gap_policy(self, lane: str, policy: GapPolicy) -> None:
        for name in self.lanes_named(lane):
            self.subscribers[name].set_gap_policy(policy)
            if policy is GapPolicy.CATCH_UP:
                self._fill_lost(name)
        self.flush()

    def _on_delivery_outcome(self, delivery: Delivery[RecordedEvent], outcome: str) -> None:
        """A catch-up subscription notices a lost event (the store is ahead) and reads it."""
        subscriber = self.subscribers.get(delivery.subscription)
        if outcome == "lost" and subscriber and subscriber.gap_policy is GapPolicy.CATCH_UP:
            self._fill_lost(delivery.subscription)

    def _fill_lost(self, lane: str) -> None:
        """Read from the store the events sent on `lane` that will never arrive."""
        subscriber = self.subscribers[lane]
        if subscriber.mode is not Mode.ASYNC:
            return
        travelling = {d.position for d in self.bus.in_flight_for(lane)}
        travelling.update(event.position for event in subscriber.at_door)
        lost = [p for p in subscriber.pending if p not in travelling and p not in subscriber.held]
        if lost:
            subscriber.catch_up(max(lost))

    def hold(self, lane: str) -> None:
        for name in self.lanes_named(lane):
            self.subscribers[name].holding = True

    def release(self, lane: str) -> int:
        """Let held deliveries in; then judge the predictions waiting on those lanes."""
        names = self.lanes_named(lane)
        released = sum(self.subscribers[name].release() for name in names)
        self.flush()
        self.predictions.judge(self, names)
        return released

    def _retrier(self, name: str) -> Callable[[RecordedEvent, float], bool]:
        """How lane `name`'s consumer retries a poison event: a retry on its bus lane (an
        inline lane has none: it stays stalled until its policy or the poison changes)."""

        def retry_later(event: RecordedEvent, delay: float) -> bool:
            if self.subscribers[name].mode is not Mode.ASYNC:
                return False
            self.bus.retry_later(name, event, delay)
            return True

        return retry_later

    def _subscribe(self, name: str) -> None:
        subscriber = self.subscribers[name]
        self.bus.subscribe(
            name,
            lambda delivery: (
                subscriber.retry(delivery.event)
                if delivery.kind == "retry"
                else subscriber.receive(delivery.event)
            ),
            latency=self.latencies[name],
            faults=self.faults[name],
            capacity=self.capacities[name],
        )

    # -- projections ----------------------------------------------------------------

    def flush(self, *only: Projection) -> None:
        """Commit projections' applied events together with their checkpoints (all, or `only`)."""
        self.deliveries.sweep()
        chosen = only or tuple(self.projections.values())
        for projection in chosen:
            if not projection.dirty:  # saved since (inline, say): nothing is waiting
                self.flush_problems.pop(projection.name, None)
        dirty = [p for p in chosen if p.dirty]
        if not dirty or (self.flush_problems and time.monotonic() < self._flush_retry_at):
            return  # each try may wait out the database's busy timeout: not every frame
        try:
            with self.store.transaction() as connection:
                for projection in dirty:
                    self._write_projection(projection, connection)
        except StoreError as error:  # a lock, a full disk, a lost connection: retried
            for projection in dirty:  # nothing was committed, and nothing is forgotten
                self.flush_problems[projection.name] = f"flush failed: {error}; retrying"
            self._flush_retry_at = time.monotonic() + self.flush_retry_seconds
            self._flush_error = error
            return
        self._flush_error = None
        for projection in dirty:
            projection.committed()
            self.flush_problems.pop(projection.name, None)

    def _write_projection(self, projection: Projection, connection: Connection) -> None:
        """Write, unless another process moved the shared checkpoint since we last did.

        Two labs on one database share the read tables. If the stored checkpoint is not the
        one we committed, our mirror is out of date: reload the rows the other lab wrote and
        re-apply our events after its checkpoint, so no event is applied twice or lost.
        """
        if projection.dirty and projection.write_if_current(connection):
            return  # the checkpoint was still ours: moved and written in one statement
        stored = projection.stored_checkpoint(connection)
        if stored != projection.committed_checkpoint:
            target = projection.checkpoint
            projection.open(connection, self.store.read_rows)
            if target > stored:
                limit = target - stored
                for event in self.store.read_all(stored, limit, connection=connection):
                    projection.apply(event)
        projection.write(connection)

    def catch_up_all(self) -> None:
        """Bring every projection up to the store's head (on start, after a restart)."""
        head = self.store.head()
        for subscriber in self.subscribers.values():
            subscriber.catch_up(head)
        self.flush()
        if self._flush_error is not None:  # at the start a database that cannot be written
            raise self._flush_error  # is refused, not retried: nothing has run on it yet

    def rebuild(self, lane: str, progress: Callable[[RebuildProgress], None] | None = None) -> int:
        """Clear a projection and replay the whole store into it."""
        last = RebuildProgress(lane, 0, 0)
        for last in self.rebuild_steps(lane):
            if progress:
                progress(last)
        return last.done

    def rebuild_steps(self, lane: str, batch: int = 5_000) -> Iterator[RebuildProgress]:
        """The rebuild as a generator, one batch a step, so a screen can show progress."""
        (name,) = self.lanes_named(lane)
        subscriber, projection = self.subscribers[name], self.projections[name]
        subscriber.rebuilding = True
        try:
            with self.store.transaction() as connection:
                projection.clear(connection)
            total, done = self.store.head(), 0
            yield RebuildProgress(name, 0, total)
            for event in self.store.iter_all(batch=batch):
                projection.apply(event)
                done += 1
                if done % batch == 0:
                    self.flush()
                    yield RebuildProgress(name, done, max(total, done))
            self.flush()
        finally:
            subscriber.rebuilding = False
            subscriber.after_rebuild()
        self.metrics.rebuilds[name] += 1
        yield RebuildProgress(name, done, done)

    # -- the whole lab --------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: events, credentials, read models, counters, lane settings."""
        with self.store.transaction() as connection:
            self.store.clear(connection=connection)
            set_orders_placed(connection, 0)
            self.credentials.clear(connection=connection)
            self.crud.clear(connection)
            for projection in self.projections.values():
                projection.clear(connection)
        self.bus.clear()
        self.deliveries.clear()
        self.predictions = Predictions()
        reset_production(self)
        for name, subscriber in self.subscribers.items():
            subscriber.reset()
            self.set_mode(name, Mode.ASYNC)
            subscriber.gap_policy = GapPolicy.WAIT
            self.set_latency(name, parse_latency(DEFAULT_LATENCY[name]))
            self.set_faults(name, Faults())
            self.set_capacity(name, None)
        self.metrics = LabMetrics()
        self.answers.clear()
        self.recent.clear()
        self.last_write.clear()
        self.last_order_id = None
        self.head = 0
        self._order_number = 0
        self.rng.seed(self.seed)
        self.command_ids.reseed(self.seed)

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
        snapshot = self.snapshot()
        return {
            "now": round(snapshot.now, 6),
            "head": snapshot.head,
            "seed": self.seed,
            "lanes": {lane.name: lane.to_json() for lane in snapshot.lanes},
            "metrics": self.metrics.to_json(),
        }

    def snapshot(self) -> LabSnapshot:
        lanes = tuple(self._lane_state(name) for name in LANES)
        return LabSnapshot(
            now=self.clock.now(),
            paused=self.paused,
            speed=self.speed,
            seed=self.seed,
            head=self.head,
            lanes=lanes,
            recent_events=tuple(self.recent),
        )

    def _lane_state(self, name: str) -> LaneState:
        subscriber = self.subscribers[name]
        is_async = subscriber.mode is Mode.ASYNC
        in_flight: tuple[Delivery[RecordedEvent], ...] = (
            tuple(self.bus.in_flight_for(name)) if is_async else ()
        )
        return LaneState(
            name=name,
            mode=subscriber.mode,
            gap_policy=subscriber.gap_policy,
            latency=str(self.latencies[name]) if is_async else "inline",
            faults=str(self.faults[name]),
            held=subscriber.holding,
            checkpoint=subscriber.position(self.head),
            lag_events=subscriber.behind(),
            lag_seconds=self.lag_seconds(name),
            waiting_on_gap=len(subscriber.held) + len(subscriber.at_door),
            subscriber=replace(subscriber.stats),
            bus=replace(self.bus.stats(name)) if is_async else SubscriptionStats(),
            in_flight=in_flight,
            problem=self.flush_problems.get(name),
            stalled=stall.describe(self.clock.now()) if (stall := subscriber.guard.stall) else None,
            guard=replace(subscriber.guard.stats),
            parked=len(subscriber.guard.parked),
            error_policy=str(subscriber.guard.policy),
            capacity=self.capacities[name] if is_async else None,
            queued=sum(delivery.queued for delivery in in_flight),
        )

    def _prepare_tables(self) -> None:
        with self.store.transaction() as connection:
            self.crud.create_tables(connection)
            for projection in self.projections.values():
                projection.create_tables(connection)
        open_projections(self.store, self.projections.values(), self.head)

    def _count_orders(self) -> int:
        with self.store.transaction() as connection:
            return orders_placed(connection)
