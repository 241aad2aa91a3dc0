"""The event bus: delivers every published event to every subscription, late and imperfectly.

Each subscription is a lane with its own latency model and faults. `publish` schedules one
`Delivery` per event and lane, due after a delay drawn from the lane's latency model; the
bus hands a delivery to the lane's handler once the clock reaches its due time. Nothing
waits on the wall clock: whoever owns the clock calls `deliver_due` (real time), or `step`,
`advance_to`, `advance` and `run_until_idle`, which move the clock themselves.

Faults, drawn from the injected RNG when a delivery is scheduled:

- drop: the delivery is marked `will_drop` and is not handed over when due. With `lost`
  off it is redelivered (at-least-once): a "redelivery" departs `redelivery_timeout` later
  and travels with a fresh latency sample. A redelivery may be dropped again, with the
  lane's drop probability at that moment, so `drop=1` is a total outage (and
  `run_until_idle` stops at its time limit). With `lost` on the delivery is gone
  (at-most-once).
- dup: an extra "duplicate" delivery of the same event, with its own delay and its own
  chance of being dropped.
- reorder off (FIFO, like a partitioned log consumer): a lane hands events over in the
  order they were sent; a duplicate travels right behind its original. A delivery's due
  time is at least the due time of the lane's previous one, and when a delivery is
  redelivered, the lane's later deliveries wait behind the redelivery (head-of-line
  blocking): their due time moves to the redelivery's. Reorder on: due times are
  independent and events overtake each other.

Consumer capacity (`set_capacity`, None by default: an endless supply of consumers): a
lane whose consumer handles at most `rate` deliveries a second. A delivery whose latency
has passed has *arrived*; it then waits its turn at the consumer (first come, first served)
and is handed over `1 / rate` seconds after the consumer is free, so its `due_at` moves to
that moment and it stays in flight until then (`queued_for` counts those waiting). With
deliveries arriving faster than `rate` the queue, and the lag, grow without bound: a
backlog. A dropped delivery is dropped on the way and never takes the consumer's time.

Latency and fault changes apply to deliveries scheduled afterwards; `lost` and
`redelivery_timeout` are read when a dropped delivery falls due. An exception raised by a
handler propagates to the caller; that delivery is consumed and not counted.

Counters per lane (`SubscriptionStats`) keep two invariants once nothing is in flight:
`delivered + lost == published + duplicated` and `dropped == lost + redelivered`.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Generic, Literal, Protocol, TypeVar

from cqrs_lab.sim.clock import Clock
from cqrs_lab.sim.faults import Faults
from cqrs_lab.sim.latency import LatencyModel, Zero

IDLE_LIMIT = 3600.0
"""Default lab seconds `run_until_idle` may run, a guard against endless redelivery."""
ALL = "all"
"""The name that addresses every subscription in `set_latency` and `set_faults`."""

DeliveryKind = Literal["first", "duplicate", "redelivery", "retry"]
Outcome = Literal["delivered", "dropped", "lost"]


class Positioned(Protocol):
    """What the bus needs of an event: its global position in the store."""

    @property
    def position(self) -> int: ...


E = TypeVar("E", bound=Positioned)


class UnknownSubscription(KeyError):
    """Raised for a subscription name the bus does not know."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        listed = ", ".join(known) if known else "none yet"
        super().__init__(f"no subscription named {name!r}; known subscriptions: {listed}")

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Delivery(Generic[E]):
    """One event on its way to one subscription."""

    event: E
    subscription: str
    sent_at: float
    due_at: float
    kind: DeliveryKind
    will_drop: bool
    """Decided when scheduled, so a screen can mark the delivery before it is dropped."""
    seq: int
    """Global scheduling counter; orders deliveries due at the same time."""
    arrived_at: float | None = None
    """When it reached a lane's consumer and began waiting its turn (a lane with a
    capacity), or None while it travels."""

    @property
    def queued(self) -> bool:
        """Arrived, waiting for (or being handled by) the lane's consumer."""
        return self.arrived_at is not None

    @property
    def position(self) -> int:
        return self.event.position

    def progress(self, now: float) -> float:
        """How far the delivery has travelled at `now`, from 0.0 (sent) to 1.0 (due)."""
        span = self.due_at - self.sent_at
        if span <= 0:
            return 1.0
        return min(1.0, max(0.0, (now - self.sent_at) / span))


@dataclass
class SubscriptionStats:
    """What happened to a subscription's deliveries so far."""

    delivered: int = 0
    """Deliveries handed to the handler (firsts, duplicates and redeliveries)."""
    dropped: int = 0
    """Deliveries that fell due marked `will_drop` and were not handed over."""
    lost: int = 0
    """Dropped deliveries that were not redelivered (lost on)."""
    duplicated: int = 0
    """Duplicate deliveries scheduled."""
    redelivered: int = 0
    """Redeliveries scheduled after a drop."""
    retried: int = 0
    """Retries the lane's consumer scheduled of an event it failed to apply (`retry_later`);
    not deliveries: they are not counted in `delivered`."""


@dataclass
class _Lane(Generic[E]):
    handler: Callable[[Delivery[E]], None]
    latency: LatencyModel
    faults: Faults
    stats: SubscriptionStats = field(default_factory=SubscriptionStats)
    tail_due: float = float("-inf")
    """The latest due time scheduled on this lane; FIFO deliveries are due no earlier."""
    capacity: float | None = None
    """Deliveries a second the lane's consumer handles; None: no limit."""
    busy_until: float = float("-inf")
    """When the consumer has handled every delivery queued for it so far."""


class EventBus(Generic[E]):
    """Delivers published events to subscriptions after simulated latency and faults."""

    def __init__(self, clock: Clock, rng: random.Random) -> None:
        self._clock = clock
        self._rng = rng
        self._lanes: dict[str, _Lane[E]] = {}
        self._pending: dict[int, Delivery[E]] = {}
        self._queue: list[tuple[float, int]] = []
        """Heap of (due_at, seq); entries whose seq is no longer pending are skipped."""
        self._next_seq = 0
        self._observers: list[Callable[[Delivery[E], Outcome], None]] = []

    # Subscriptions

    def subscribe(
        self,
        name: str,
        handler: Callable[[Delivery[E]], None],
        latency: LatencyModel = Zero(),  # noqa: B008 - immutable value
        faults: Faults = Faults(),  # noqa: B008 - immutable value
        capacity: float | None = None,
    ) -> None:
        """Add a lane; it receives events published from now on."""
        if name == ALL:
            raise ValueError(f"{ALL!r} addresses every subscription and cannot name one")
        if name in self._lanes:
            raise ValueError(f"a subscription named {name!r} already exists")
        _check_capacity(capacity)
        self._lanes[name] = _Lane(handler, latency, faults, capacity=capacity)

    def unsubscribe(self, name: str) -> None:
        """Remove a lane together with its deliveries in flight."""
        self._lane(name)
        del self._lanes[name]
        for seq in [s for s, d in self._pending.items() if d.subscription == name]:
            del self._pending[seq]

    def clear(self) -> None:
        """Forget everything in flight and every lane's counters; lanes and settings stay."""
        self._pending.clear()
        self._queue.clear()
        for lane in self._lanes.values():
            lane.stats = SubscriptionStats()
            lane.tail_due = float("-inf")
            lane.busy_until = float("-inf")

    @property
    def subscriptions(self) -> list[str]:
        return list(self._lanes)

    def latency(self, name: str) -> LatencyModel:
        return self._lane(name).latency

    def faults(self, name: str) -> Faults:
        return self._lane(name).faults

    def capacity(self, name: str) -> float | None:
        return self._lane(name).capacity

    def set_latency(self, name: str, model: LatencyModel) -> None:
        """Set the latency of one lane, or of every lane with name "all"."""
        for lane in self._addressed(name):
            lane.latency = model

    def set_faults(self, name: str, faults: Faults) -> None:
        """Set the faults of one lane, or of every lane with name "all"."""
        for lane in self._addressed(name):
            lane.faults = faults

    def set_capacity(self, name: str, rate: float | None) -> None:
        """Let the consumer of one lane (or of every lane, "all") handle at most `rate`
        deliveries a second; None lifts the limit. Deliveries already queued keep their
        turn; arrivals from now on are handled at the new rate."""
        _check_capacity(rate)
        for lane_name in self.subscriptions if name == ALL else [name]:
            lane = self._lane(lane_name)
            lifted = lane.capacity is not None and rate is None
            lane.capacity = rate
            if lifted and not lane.faults.reorder:
                self._wait_for_consumer(lane_name, lane)

    def _wait_for_consumer(self, name: str, lane: _Lane[E]) -> None:
        """A FIFO lane whose limit was lifted: deliveries still travelling are handed over no
        earlier than the last one already queued, so none overtakes it."""
        lane.tail_due = max(lane.tail_due, lane.busy_until)
        for delivery in self.in_flight_for(name):
            if not delivery.queued and delivery.due_at < lane.busy_until:
                del self._pending[delivery.seq]
                self._add(replace(delivery, due_at=lane.busy_until, seq=self._take_seq()))

    def stats(self, name: str) -> SubscriptionStats:
        """A snapshot of the lane's counters."""
        return replace(self._lane(name).stats)

    def duplicated(self, name: str) -> int:
        """Duplicate deliveries scheduled on the lane so far (`stats(name).duplicated`,
        without taking a snapshot: a probe asks after every command)."""
        return self._lane(name).stats.duplicated

    def add_observer(self, observer: Callable[[Delivery[E], Outcome], None]) -> None:
        """Call `observer(delivery, outcome)` after each delivery falls due."""
        self._observers.append(observer)

    def remove_observer(self, observer: Callable[[Delivery[E], Outcome], None]) -> None:
        """Stop calling `observer`; a no-op if it was not added."""
        if observer in self._observers:
            self._observers.remove(observer)

    # Publishing

    def publish(self, events: Sequence[E]) -> None:
        """Schedule every event, in order, on every lane."""
        for name in self._lanes:
            self.publish_to(name, events)

    def publish_to(self, name: str, events: Sequence[E]) -> None:
        """Schedule events, in order, on one lane (a subscription filtered by the publisher)."""
        lane = self._lane(name)
        now = self._clock.now()
        for event in events:
            self._schedule(name, lane, event, "first", now)
            if self._chance(lane.faults.dup):
                lane.stats.duplicated += 1
                self._schedule(name, lane, event, "duplicate", now)

    def retry_later(self, name: str, event: E, delay: float) -> None:
        """Hand `event` to the lane's handler again `delay` lab seconds from now: its consumer
        retrying an event it failed to apply (a poison event, with backoff). The retry waits
        at the consumer (it is `queued`), outside the lane's order and faults."""
        lane = self._lane(name)
        now = self._clock.now()
        lane.stats.retried += 1
        retry = Delivery(event, name, now, now + delay, "retry", False, self._take_seq(), now)
        self._add(retry)

    # Looking at the bus

    def in_flight(self) -> list[Delivery[E]]:
        """Deliveries not yet due, in the order they will be handled."""
        return sorted(self._pending.values(), key=_order)

    def in_flight_for(self, name: str) -> list[Delivery[E]]:
        self._lane(name)
        return sorted((d for d in self._pending.values() if d.subscription == name), key=_order)

    def queued_for(self, name: str) -> int:
        """Deliveries that arrived and wait for the lane's consumer (its backlog)."""
        self._lane(name)
        return sum(d.queued for d in self._pending.values() if d.subscription == name)

    def next_due(self) -> float | None:
        """The due time of the next delivery, or None when nothing is in flight."""
        queue = self._queue
        while queue and queue[0][1] not in self._pending:
            heapq.heappop(queue)
        return queue[0][0] if queue else None

    # Moving time and delivering

    def deliver_due(self) -> int:
        """Handle every delivery due by now, in order; return how many were handled."""
        return self._handle_through(self._clock.now())

    def step(self) -> Delivery[E] | None:
        """Move the clock to the next due time and handle exactly that delivery (an arrival
        at a busy consumer is not a handling: the clock moves on to the next one)."""
        while (due := self.next_due()) is not None:
            self._clock.advance_to(due)
            handled = self._handle_next()
            if handled is not None:
                return handled
        return None

    def advance_to(self, t: float) -> int:
        """Handle deliveries in time order up to `t`, each at its due time; end at `t`."""
        handled = self._handle_through(t)
        self._clock.advance_to(t)
        return handled

    def advance(self, dt: float) -> int:
        return self.advance_to(self._clock.now() + dt)

    def run_until_idle(self, limit: float | None = None) -> int:
        """Handle deliveries until none is in flight, for at most `limit` lab seconds.

        `limit` defaults to one lab hour. The clock stops at the last delivery's due time,
        or at the limit if deliveries are still in flight then.
        """
        deadline = self._clock.now() + (IDLE_LIMIT if limit is None else limit)
        handled = self._handle_through(deadline)
        if self.next_due() is not None:
            self._clock.advance_to(deadline)
        return handled

    # Internals

    def _handle_through(self, t: float) -> int:
        handled = 0
        while (due := self.next_due()) is not None and due <= t:
            self._clock.advance_to(due)
            handled += self._handle_next() is not None
        return handled

    def _handle_next(self) -> Delivery[E] | None:
        """Hand over (or drop) the next delivery; None when it only reached the consumer
        of a lane with a capacity and now waits its turn there."""
        _, seq = heapq.heappop(self._queue)
        delivery = self._pending.pop(seq)
        lane = self._lanes[delivery.subscription]
        outcome: Outcome
        if not delivery.will_drop and lane.capacity is not None and not delivery.queued:
            self._queue_at_consumer(lane, delivery)
            return None
        if not delivery.will_drop:
            lane.handler(delivery)
            lane.stats.delivered += delivery.kind != "retry"
            outcome = "delivered"
        elif lane.faults.lost:
            lane.stats.dropped += 1
            lane.stats.lost += 1
            outcome = "lost"
        else:
            lane.stats.dropped += 1
            lane.stats.redelivered += 1
            self._redeliver(lane, delivery)
            outcome = "dropped"
        for observer in self._observers:
            observer(delivery, outcome)
        return delivery

    def _schedule(
        self, name: str, lane: _Lane[E], event: E, kind: DeliveryKind, now: float
    ) -> None:
        due = now + lane.latency.sample(self._rng)
        if not lane.faults.reorder:
            due = max(due, lane.tail_due)
        lane.tail_due = max(lane.tail_due, due)
        will_drop = self._chance(lane.faults.drop)
        self._add(Delivery(event, name, now, due, kind, will_drop, self._take_seq()))

    def _queue_at_consumer(self, lane: _Lane[E], arrived: Delivery[E]) -> None:
        """The delivery waits its turn: handled one service time after the consumer is free."""
        assert lane.capacity is not None
        now = self._clock.now()
        lane.busy_until = max(now, lane.busy_until) + 1.0 / lane.capacity
        self._add(replace(arrived, due_at=lane.busy_until, arrived_at=now, seq=self._take_seq()))

    def _redeliver(self, lane: _Lane[E], dropped: Delivery[E]) -> None:
        now = self._clock.now()
        due = now + lane.faults.redelivery_timeout + lane.latency.sample(self._rng)
        will_drop = self._chance(lane.faults.drop)
        redelivery = Delivery(
            dropped.event, dropped.subscription, now, due, "redelivery", will_drop, self._take_seq()
        )
        self._add(redelivery)
        lane.tail_due = max(lane.tail_due, due)
        if not lane.faults.reorder:
            self._block_behind(redelivery)

    def _block_behind(self, head: Delivery[E]) -> None:
        """Make the lane's deliveries due by `head.due_at` wait until right after `head`.

        Those already queued at the consumer arrived before the dropped one (a FIFO lane's
        arrivals keep the sending order): they are not behind it and keep their turn."""
        waiting = [
            d
            for d in self.in_flight_for(head.subscription)
            if d.due_at <= head.due_at and d.seq != head.seq and not d.queued
        ]
        for delivery in waiting:
            del self._pending[delivery.seq]
            self._add(replace(delivery, due_at=head.due_at, seq=self._take_seq()))

    def _add(self, delivery: Delivery[E]) -> None:
        self._pending[delivery.seq] = delivery
        heapq.heappush(self._queue, (delivery.due_at, delivery.seq))

    def _take_seq(self) -> int:
        self._next_seq += 1
        return self._next_seq

    def _chance(self, probability: float) -> bool:
        """Draw from the RNG only when the outcome is in doubt, so a fault-free lane
        consumes the same random numbers whatever the other settings."""
        return probability > 0 and (probability >= 1 or self._rng.random() < probability)

    def _lane(self, name: str) -> _Lane[E]:
        try:
            return self._lanes[name]
        except KeyError:
            raise UnknownSubscription(name, list(self._lanes)) from None

    def _addressed(self, name: str) -> list[_Lane[E]]:
        return list(self._lanes.values()) if name == ALL else [self._lane(name)]


def _check_capacity(rate: float | None) -> None:
    if rate is not None and not (rate > 0 and rate < float("inf")):
        raise ValueError(f"a capacity is a positive number of deliveries a second, not {rate}")


def _order(delivery: Delivery[E]) -> tuple[float, int]:
    return (delivery.due_at, delivery.seq)
