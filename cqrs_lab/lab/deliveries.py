"""Where each event went: the Lab's `DeliveryLog`, fed as things happen.

`sent` when the Lab publishes events down a lane, the bus observer when a delivery falls due
(delivered, dropped or lost, and what the subscriber did with it), `applied_inline` for a
lane updated in the command's transaction, `sweep` (after each delivery and each flush) to
notice when a projection's checkpoint passes an event, and `changed` when a lane's settings
change (`lab/lanes.py`). `cqrs_lab.lab.trace` puts it together into a causation trace,
`cqrs_lab.lab.rewind` into the bus as it was at any time.

The log keeps the session, compactly: per lane, flat arrays of numbers (about 25 bytes an
event sent down the lane, 33 a delivery), not an object each, up to `limit` positions a
lane (a few hours of a busy lab: at most some tens of MB); past that the oldest tenth is
forgotten, every lane at once. Its record starts at `first`: events stored before the lab
opened were caught up from the store at times nobody noted, and forgotten ones have no
times any more either.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from cqrs_lab.read.subscriber import GapPolicy, Mode, Subscriber
from cqrs_lab.sim.bus import Delivery, DeliveryKind
from cqrs_lab.sim.bus import Outcome as BusOutcome
from cqrs_lab.sim.clock import Clock
from cqrs_lab.store.event_store import RecordedEvent

INLINE = "inline, in the command's transaction"

Effect = Literal[
    "applied",
    "duplicate ignored",
    "held at the door",
    "waiting for a gap",
    "dropped, to be redelivered",
    "lost",
    "parked",
    "skipped",
]
EFFECTS: tuple[Effect, ...] = get_args(Effect)
KINDS: tuple[DeliveryKind, ...] = get_args(DeliveryKind)
OUTCOMES: tuple[BusOutcome, ...] = get_args(BusOutcome)
HOWS = ("delivered", "released from the door", "once the gap was filled", "read from the store")
"""How an event sent down a lane came to be applied (`INLINE` is the last code)."""
_HOW_AFTER = {"applied": 0, "held at the door": 1, "waiting for a gap": 2}
"""The last delivery's effect -> how the event was applied (any other: read from the store)."""
_NONE = math.nan
DEFAULT_LIMIT = 100_000
"""Positions a lane's record holds before its oldest tenth is forgotten."""


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


@dataclass(frozen=True, slots=True)
class LaneSetting:
    """What a lane is set to: the rewind draws each lane as it was then."""

    mode: Mode
    latency: str
    """Its latency model (kept while the lane is inline, for when it goes async again)."""
    faults: str
    held: bool
    capacity: float | None
    gap_policy: GapPolicy


SettingChange = tuple[float, LaneSetting, LaneSetting]
"""(lab time, the lane's settings before, after)."""


class _LaneLog:
    """One lane's record, in flat arrays: every position sent down it (or applied inline),
    ascending, with its send and application times; and every delivery, in the order the
    bus handled them (so by `at`)."""

    def __init__(self) -> None:
        self.positions = array("q")
        self.sent = array("d")
        self.applied = array("d")
        self.how = array("b")
        self.d_position = array("q")
        self.d_sent = array("d")
        self.d_due = array("d")
        self.d_at = array("d")
        self.d_code = array("B")
        """Kind, outcome and effect of each delivery in one byte (see `pack`)."""
        self.changes: list[SettingChange] = []
        self.waiting: deque[int] = deque()
        self.last_effect: dict[int, str] = {}
        """Position -> the effect of its last delivery, while it waits to be applied."""

    def find(self, position: int) -> int | None:
        i = bisect_left(self.positions, position)
        return i if i < len(self.positions) and self.positions[i] == position else None

    def slot(self, position: int) -> int:
        """The index of `position`, added (without times) if it is new."""
        positions = self.positions
        if not positions or position > positions[-1]:
            i = len(positions)
        elif (found := self.find(position)) is not None:
            return found
        else:  # never seen: sends go in position order, but keep the arrays sorted anyway
            i = bisect_left(positions, position)
        positions.insert(i, position)
        self.sent.insert(i, _NONE)
        self.applied.insert(i, _NONE)
        self.how.insert(i, -1)
        return i

    def forget_before(self, cutoff: int) -> None:
        """Drop every position below `cutoff`, and its deliveries."""
        i = bisect_left(self.positions, cutoff)
        for column in (self.positions, self.sent, self.applied, self.how):
            del column[:i]
        kept = [d for d, position in enumerate(self.d_position) if position >= cutoff]
        for name in ("d_position", "d_sent", "d_due", "d_at", "d_code"):
            column = getattr(self, name)
            setattr(self, name, array(column.typecode, (column[d] for d in kept)))
        while self.waiting and self.waiting[0] < cutoff:
            self.last_effect.pop(self.waiting.popleft(), None)

    def deliveries(self, position: int | None = None) -> Iterator[int]:
        """Indices of the deliveries (of `position`, or all), in the order they fell due."""
        if position is None:
            yield from range(len(self.d_position))
            return
        i = self.find(position)
        sent = self.sent[i] if i is not None else _NONE
        start = bisect_left(self.d_at, sent) if not math.isnan(sent) else 0
        column = self.d_position
        while True:
            try:
                start = column.index(position, start)
            except ValueError:
                return
            yield start
            start += 1

    def add_delivery(self, delivery: Delivery[RecordedEvent], at: float, code: int) -> None:
        self.d_position.append(delivery.position)
        self.d_sent.append(delivery.sent_at)
        self.d_due.append(delivery.due_at)
        self.d_at.append(at)
        self.d_code.append(code)

    def record(self, lane: str, d: int) -> DeliveryRecord:
        code = self.d_code[d]
        return DeliveryRecord(
            lane,
            KINDS[code >> 5],
            self.d_sent[d],
            self.d_due[d],
            self.d_at[d],
            OUTCOMES[(code >> 3) & 3],
            EFFECTS[code & 7],
        )


class DeliveryLog:
    """Deliveries and applications per lane, for the whole session."""

    def __init__(
        self, clock: Clock, subscribers: Mapping[str, Subscriber], limit: int = DEFAULT_LIMIT
    ) -> None:
        self.clock = clock
        self.subscribers = subscribers
        self.limit = limit
        self._lanes: dict[str, _LaneLog] = {name: _LaneLog() for name in subscribers}
        self._forgotten = 0
        """Every position up to this one was forgotten (0: none)."""

    @property
    def first(self) -> int | None:
        """The first position the record holds (None: none yet)."""
        firsts = [lane.positions[0] for lane in self._lanes.values() if lane.positions]
        if not firsts:
            return self._forgotten + 1 if self._forgotten else None
        return max(min(firsts), self._forgotten + 1)

    def sent(self, lane: str, events: Iterable[RecordedEvent]) -> None:
        """The lab published these events down `lane`."""
        now, log = self.clock.now(), self._lane(lane)
        for event in events:
            i = log.slot(event.position)
            if math.isnan(log.sent[i]):
                log.sent[i] = now
                log.waiting.append(event.position)
        self._bound(log)

    def _bound(self, log: _LaneLog) -> None:
        """Past `limit` positions, forget every lane's oldest tenth: the record starts later."""
        if len(log.positions) <= self.limit:
            return
        cutoff = log.positions[len(log.positions) // 10]
        self._forgotten = max(self._forgotten, cutoff - 1)
        for each in self._lanes.values():
            each.forget_before(cutoff)

    def changed(self, lane: str, before: LaneSetting, after: LaneSetting) -> None:
        """`lane`'s settings changed from `before` to `after`, now."""
        if before != after:
            self._lane(lane).changes.append((self.clock.now(), before, after))

    def applied_inline(self, lane: str, events: Iterable[RecordedEvent]) -> None:
        """`lane`'s projection applied these events in the command's own transaction."""
        now, subscriber, log = self.clock.now(), self.subscribers[lane], self._lane(lane)
        for event in events:
            if subscriber.handles(event):
                i = log.slot(event.position)
                log.applied[i], log.how[i] = now, len(HOWS)
        self._bound(log)

    def observe(self, delivery: Delivery[RecordedEvent], outcome: BusOutcome) -> None:
        """A bus observer: one delivery fell due (the subscriber has already had it)."""
        lane, position = delivery.subscription, delivery.position
        subscriber = self.subscribers.get(lane)
        if subscriber is None:  # a lane between services (`cqrs_lab.services`): no projection
            return
        log = self._lane(lane)
        i = log.find(position)
        if i is not None:
            self._note(log, i, delivery, outcome, subscriber)
        self.sweep((lane,))

    def _note(
        self,
        log: _LaneLog,
        i: int,
        delivery: Delivery[RecordedEvent],
        outcome: BusOutcome,
        subscriber: Subscriber,
    ) -> None:
        position = delivery.position
        effect: Effect
        if outcome != "delivered":
            effect = "lost" if outcome == "lost" else "dropped, to be redelivered"
        elif not math.isnan(log.applied[i]) or math.isnan(log.sent[i]):
            effect = "duplicate ignored"
        elif subscriber.holding:
            effect = "held at the door"
        elif position <= subscriber.checkpoint:  # passed: applied, unless the guard took it
            guard = subscriber.guard
            effect = "applied"
            if any(parked.event.position == position for parked in guard.parked):
                effect = "parked"
            elif position in guard.skipped:
                effect = "skipped"
        else:
            effect = "waiting for a gap"
        log.add_delivery(delivery, self.clock.now(), pack(delivery.kind, outcome, effect))
        if math.isnan(log.applied[i]):
            log.last_effect[position] = effect

    def sweep(self, lanes: Iterable[str] | None = None) -> None:
        """Mark what each lane's projection has applied since the last sweep, at now."""
        now = self.clock.now()
        for lane in self._lanes if lanes is None else lanes:
            log = self._lanes.get(lane)
            if log is None or not log.waiting:
                continue
            waiting, checkpoint = log.waiting, self.subscribers[lane].checkpoint
            while waiting and waiting[0] <= checkpoint:
                position = waiting.popleft()
                effect = log.last_effect.pop(position, "")
                i = log.find(position)
                if i is not None and math.isnan(log.applied[i]):
                    log.applied[i], log.how[i] = now, _HOW_AFTER.get(effect, 3)

    def records(self, position: int, lane: str | None = None) -> tuple[DeliveryRecord, ...]:
        lanes = self._lanes.items() if lane is None else [(lane, self._lane(lane))]
        found = [log.record(name, d) for name, log in lanes for d in log.deliveries(position)]
        return tuple(sorted(found, key=_at))  # stable: a lane's own order at equal times

    def sent_at(self, position: int, lane: str) -> float | None:
        log = self._lane(lane)
        i = log.find(position)
        return None if i is None or math.isnan(log.sent[i]) else log.sent[i]

    def applied(self, position: int, lane: str) -> Applied | None:
        log = self._lane(lane)
        i = log.find(position)
        if i is None or math.isnan(log.applied[i]):
            return None
        how = log.how[i]
        return Applied(log.applied[i], INLINE if how == len(HOWS) else HOWS[how])

    def lane_history(self, lane: str) -> LaneHistory:
        """Everything the log holds of `lane`, for `rewind.BusHistory`."""
        log = self._lane(lane)
        rows = zip(log.positions, log.sent, log.applied, strict=True)
        sends, applies = [], []
        for position, sent, applied in rows:
            if not math.isnan(sent):
                sends.append((sent, position))
            if not math.isnan(applied):
                applies.append((applied, position))
        lost = OUTCOMES.index("delivered") << 3
        trips = [
            (position, sent, due, at, KINDS[code >> 5], (code & 0b11000) != lost)
            for position, sent, due, at, code in zip(
                log.d_position, log.d_sent, log.d_due, log.d_at, log.d_code, strict=True
            )
        ]
        return LaneHistory(sends, applies, trips, list(log.changes))

    def clear(self) -> None:
        """Forget everything (the lab was reset: positions start again from 1)."""
        self._lanes = {name: _LaneLog() for name in self._lanes}
        self._forgotten = 0

    def _lane(self, lane: str) -> _LaneLog:
        log = self._lanes.get(lane)
        if log is None:
            log = self._lanes[lane] = _LaneLog()
        return log


@dataclass(frozen=True, slots=True)
class LaneHistory:
    sends: list[tuple[float, int]]
    """(lab time, position) of each event sent down the lane."""
    applies: list[tuple[float, int]]
    """(lab time, position) of each event its projection applied."""
    trips: list[tuple[int, float, float, float, DeliveryKind, bool]]
    """(position, sent at, due at, handled at, kind, not delivered) of each delivery, in the
    order the bus handled them."""
    changes: list[SettingChange]
    """Its settings' changes, in time order."""


def pack(kind: DeliveryKind, outcome: BusOutcome, effect: Effect) -> int:
    """A delivery's kind (2 bits), outcome (2) and effect (3) in one byte."""
    return KINDS.index(kind) << 5 | OUTCOMES.index(outcome) << 3 | EFFECTS.index(effect)


def _at(record: DeliveryRecord) -> float:
    return record.at
