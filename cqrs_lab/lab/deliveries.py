"""Where each event went: the Lab's `DeliveryLog`, fed as things happen.

`sent` when the Lab publishes events down a lane, the bus observer when a delivery falls due
(delivered, dropped or lost, and what the subscriber did with it), `applied_inline` for a
lane updated in the command's transaction, and `sweep` (after each delivery and each flush)
to notice when a projection's checkpoint passes an event. The log keeps the last `limit`
positions only; `cqrs_lab.lab.trace` puts it together into a causation trace.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from cqrs_lab.read.subscriber import Subscriber
from cqrs_lab.sim.bus import Delivery, DeliveryKind
from cqrs_lab.sim.bus import Outcome as BusOutcome
from cqrs_lab.sim.clock import Clock
from cqrs_lab.store.event_store import RecordedEvent

DEFAULT_LIMIT = 2_000
"""Positions the delivery log remembers (the oldest are forgotten first)."""
INLINE = "inline, in the command's transaction"

Effect = Literal[
    "applied",
    "duplicate ignored",
    "held at the door",
    "waiting for a gap",
    "dropped, to be redelivered",
    "lost",
]


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One delivery that fell due: when it left, when it was due, what became of it."""

    lane: str
    kind: DeliveryKind
    sent_at: float
    due_at: float
    at: float
    """Lab time the bus handled it (its due time, or the frame after it)."""
    outcome: BusOutcome
    effect: Effect


@dataclass(frozen=True, slots=True)
class Applied:
    at: float
    how: str
    """delivered, released from the door, once the gap was filled, read from the store,
    inline (in the command's transaction)."""


class DeliveryLog:
    """Deliveries and applications per position, for the last `limit` positions."""

    def __init__(
        self, clock: Clock, subscribers: Mapping[str, Subscriber], limit: int = DEFAULT_LIMIT
    ) -> None:
        self.clock = clock
        self.subscribers = subscribers
        self.limit = limit
        self._positions: OrderedDict[int, None] = OrderedDict()
        self._records: dict[int, list[DeliveryRecord]] = {}
        self._sent: dict[tuple[int, str], float] = {}
        self._applied: dict[tuple[int, str], Applied] = {}
        self._waiting: dict[str, deque[int]] = {name: deque() for name in subscribers}

    def sent(self, lane: str, events: Iterable[RecordedEvent]) -> None:
        """The lab published these events down `lane`."""
        now = self.clock.now()
        waiting = self._waiting.setdefault(lane, deque())
        for event in events:
            self._remember(event.position)
            self._sent.setdefault((event.position, lane), now)
            waiting.append(event.position)

    def applied_inline(self, lane: str, events: Iterable[RecordedEvent]) -> None:
        """`lane`'s projection applied these events in the command's own transaction."""
        now, subscriber = self.clock.now(), self.subscribers[lane]
        for event in events:
            if subscriber.handles(event):
                self._remember(event.position)
                self._applied[event.position, lane] = Applied(now, INLINE)

    def observe(self, delivery: Delivery[RecordedEvent], outcome: BusOutcome) -> None:
        """A bus observer: one delivery fell due (the subscriber has already had it)."""
        lane, position = delivery.subscription, delivery.position
        subscriber = self.subscribers.get(lane)
        if subscriber is None:  # a lane between services (`cqrs_lab.services`): no projection
            return
        effect: Effect
        if outcome != "delivered":
            effect = "lost" if outcome == "lost" else "dropped, to be redelivered"
        elif (position, lane) in self._applied or (position, lane) not in self._sent:
            effect = "duplicate ignored"
        elif subscriber.holding:
            effect = "held at the door"
        elif position <= subscriber.checkpoint:
            effect = "applied"
        else:
            effect = "waiting for a gap"
        record = DeliveryRecord(
            lane,
            delivery.kind,
            delivery.sent_at,
            delivery.due_at,
            self.clock.now(),
            outcome,
            effect,
        )
        if position in self._positions:
            self._records.setdefault(position, []).append(record)
        self.sweep((lane,))

    def sweep(self, lanes: Iterable[str] | None = None) -> None:
        """Mark what each lane's projection has applied since the last sweep, at now."""
        now = self.clock.now()
        for lane in self._waiting if lanes is None else lanes:
            waiting = self._waiting.get(lane)
            if not waiting:
                continue
            checkpoint = self.subscribers[lane].checkpoint
            while waiting and waiting[0] <= checkpoint:
                position = waiting.popleft()
                if position in self._positions and (position, lane) not in self._applied:
                    self._applied[position, lane] = Applied(now, self._how(position, lane))

    def records(self, position: int, lane: str | None = None) -> tuple[DeliveryRecord, ...]:
        found = self._records.get(position, ())
        return tuple(r for r in found if lane is None or r.lane == lane)

    def sent_at(self, position: int, lane: str) -> float | None:
        return self._sent.get((position, lane))

    def applied(self, position: int, lane: str) -> Applied | None:
        return self._applied.get((position, lane))

    def clear(self) -> None:
        """Forget everything (the lab was reset: positions start again from 1)."""
        self._positions.clear()
        self._records.clear()
        self._sent.clear()
        self._applied.clear()
        for waiting in self._waiting.values():
            waiting.clear()

    def _how(self, position: int, lane: str) -> str:
        records = self.records(position, lane)
        if not records:
            return "read from the store"
        return {
            "applied": "delivered",
            "held at the door": "released from the door",
            "waiting for a gap": "once the gap was filled",
        }.get(records[-1].effect, "read from the store")

    def _remember(self, position: int) -> None:
        if position in self._positions:
            return
        self._positions[position] = None
        while len(self._positions) > self.limit:
            old, _ = self._positions.popitem(last=False)
            self._records.pop(old, None)
            for name in self._waiting:
                self._sent.pop((old, name), None)
                self._applied.pop((old, name), None)
