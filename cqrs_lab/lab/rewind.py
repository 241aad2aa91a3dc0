"""The bus as it was: at any lab time, which events were in flight on which lane, where on
their way, and how far each projection had got.

A `BusHistory` is read once from the live lab's `DeliveryLog` (when each event was sent down
each lane, when each delivery fell due and what became of it, when each projection's
checkpoint passed it) and its bus (the deliveries still in flight). `at(t)` answers for any
lab time `t` without touching the lab again, in logarithmic time:

- the head then: the last event recorded at or before `t`;
- per lane, the events sent and not yet applied then (`behind`), and the checkpoint they
  leave (the last position before the oldest of them, the head when none: what
  `Subscriber.position` says live);
- per lane, the deliveries travelling then, with their own sent and due times, so the bus
  widget draws each one where it was on its lane.

`moments` are the lab times at which something happened (an event appended, a delivery fell
due, a checkpoint moved): the scrubber steps through them. The delivery log keeps the whole
session, but events the lab found stored when it opened were caught up at times nobody
noted: `record_from` is the first position it holds, and a moment before that event's
append is not `recorded` (the screen says so rather than show a guess as fact).
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from cqrs_lab.lab.deliveries import LaneSetting, SettingChange
from cqrs_lab.lab.snapshot import LabSnapshot
from cqrs_lab.read.subscriber import Mode
from cqrs_lab.sim.bus import Delivery, DeliveryKind
from cqrs_lab.store.event_store import RecordedEvent

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab

LaneLog = tuple[Sequence["Trip"], Sequence[tuple[float, int]], Sequence[tuple[float, int]]]
"""One lane's trips, sends (lab time, position) and applications (lab time, position)."""


@dataclass(frozen=True, slots=True)
class Trip:
    """One delivery on one lane: when it left, when it was due, when the bus handled it
    (infinity: still travelling when the history was read)."""

    event: RecordedEvent
    sent_at: float
    due_at: float
    ended_at: float
    kind: DeliveryKind = "first"
    will_drop: bool = False

    def delivery(self, lane: str, seq: int) -> Delivery[RecordedEvent]:
        """As the bus would show it in flight (for the bus widget)."""
        return Delivery(self.event, lane, self.sent_at, self.due_at, self.kind, self.will_drop, seq)


@dataclass(frozen=True, slots=True)
class LaneThen:
    name: str
    checkpoint: int
    behind: int
    """Events sent down the lane and not applied yet."""
    in_flight: tuple[Delivery[RecordedEvent], ...]
    delivered: int
    """Deliveries that had fallen due and were handed over, so far."""
    oldest: int | None = None
    """The oldest event sent and not applied (None: caught up)."""
    setting: LaneSetting | None = None
    """Its settings then (None: never changed, so as they are now)."""


@dataclass(frozen=True, slots=True)
class Moment:
    at: float
    head: int
    lanes: tuple[LaneThen, ...]
    recorded: bool = True
    """False: before the delivery record starts; the lanes are shown caught up, unknown."""

    def lane(self, name: str) -> LaneThen:
        return next(lane for lane in self.lanes if lane.name == name)

    def snapshot(self, live: LabSnapshot, history: BusHistory, *, paused: bool) -> LabSnapshot:
        """`live` (the lab when the history was read) as it was at this moment, for the
        screen's bus: each lane's settings and traffic as they were then."""
        lanes = []
        for state in live.lanes:
            then = self.lane(state.name)
            oldest = then.oldest
            if (setting := then.setting) is not None:
                state = replace(
                    state,
                    mode=setting.mode,
                    latency=setting.latency if setting.mode is Mode.ASYNC else "inline",
                    faults=setting.faults,
                    held=setting.held,
                    capacity=setting.capacity,
                    gap_policy=setting.gap_policy,
                )
            lanes.append(
                replace(
                    state,
                    checkpoint=then.checkpoint,
                    lag_events=then.behind,
                    lag_seconds=0.0 if oldest is None else self.at - history.moment_of(oldest),
                    waiting_on_gap=0,
                    bus=replace(state.bus, delivered=then.delivered),
                    in_flight=then.in_flight,
                    problem=None,
                    queued=0,
                    stalled=None,
                )
            )
        recent = history.events[: bisect_right(history.positions, self.head)][::-1]
        shown = {"now": self.at, "paused": paused, "head": self.head, "recent_events": recent}
        return replace(live, lanes=tuple(lanes), **shown)


@dataclass(slots=True)
class _Lane:
    """One lane's history, indexed for `at`."""

    name: str
    trips: list[Trip] = field(default_factory=list)
    open_trips: list[Trip] = field(default_factory=list)
    changes: list[float] = field(default_factory=list)
    oldest: list[int | None] = field(default_factory=list)
    behind: list[int] = field(default_factory=list)
    delivered_at: list[float] = field(default_factory=list)
    longest: float = 0.0
    sent: list[float] = field(default_factory=list)
    setting_times: list[float] = field(default_factory=list)
    settings: list[LaneSetting] = field(default_factory=list)
    """Its settings from each of `setting_times` on; before the first, `first_setting`."""
    first_setting: LaneSetting | None = None

    def index(
        self, sends: Iterable[tuple[float, int]], applies: Iterable[tuple[float, int]]
    ) -> None:
        """Sweep sends and applications in time order (sends first at equal times), keeping
        the oldest pending position and the count after each time."""
        steps = sorted(
            [(at, 0, position) for at, position in sends]
            + [(at, 1, position) for at, position in applies]
        )
        pending: list[int] = []
        done: set[int] = set()
        count = 0
        for at, applied, position in steps:
            if applied:
                done.add(position)
                count -= 1
            else:
                heapq.heappush(pending, position)
                count += 1
            while pending and pending[0] in done:
                heapq.heappop(pending)
            if self.changes and self.changes[-1] == at:
                self.oldest[-1], self.behind[-1] = (pending[0] if pending else None), count
            else:
                self.changes.append(at)
                self.oldest.append(pending[0] if pending else None)
                self.behind.append(count)
        self.trips.sort(key=lambda trip: trip.sent_at)
        finite = [trip.ended_at - trip.sent_at for trip in self.trips]
        self.longest = max(finite, default=0.0)
        self.sent = [trip.sent_at for trip in self.trips]

    def at(self, t: float, head: int) -> LaneThen:
        i = bisect_right(self.changes, t) - 1
        oldest = self.oldest[i] if i >= 0 else None
        behind = self.behind[i] if i >= 0 else 0
        first = bisect_left(self.sent, t - self.longest)
        last = bisect_right(self.sent, t)
        travelling = [trip for trip in self.trips[first:last] if trip.ended_at > t]
        travelling += [trip for trip in self.open_trips if trip.sent_at <= t]
        travelling.sort(key=lambda trip: (trip.due_at, trip.event.position))
        i = bisect_right(self.setting_times, t)
        return LaneThen(
            self.name,
            head if oldest is None else min(head, oldest - 1),
            behind,
            tuple(trip.delivery(self.name, seq) for seq, trip in enumerate(travelling)),
            bisect_right(self.delivered_at, t),
            oldest,
            self.settings[i - 1] if i else self.first_setting,
        )


class BusHistory:
    """Every lane's sends, deliveries and applications, for `at(t)`."""

    def __init__(
        self,
        events: Sequence[RecordedEvent],
        lanes: Mapping[str, LaneLog],
        *,
        now: float,
        settings: Mapping[str, Sequence[SettingChange]] | None = None,
        record_from: int = 1,
    ) -> None:
        """`now`: the lab time the history was read at; `settings`: per lane, the changes
        of its settings, in time order; `record_from`: the first position the lanes' logs
        hold (after the head: none)."""
        self.events = tuple(events)
        self.positions = [event.position for event in self.events]
        self.now = now
        self._writes: dict[str | None, list[int]] = {}
        self._recorded: list[float] = []
        latest = -math.inf
        for event in self.events:  # one clock: never earlier, but keep it monotonic anyway
            latest = max(latest, event.metadata.recorded_at)
            self._recorded.append(latest)
        self._lanes: list[_Lane] = []
        happened = set(self._recorded)
        for name, (trips, sends, applies) in lanes.items():
            lane = _Lane(name)
            for trip in trips:
                (lane.open_trips if math.isinf(trip.ended_at) else lane.trips).append(trip)
            happened.update(trip.ended_at for trip in lane.trips)
            lane.delivered_at = sorted(trip.ended_at for trip in lane.trips if not trip.will_drop)
            changes = (settings or {}).get(name, ())
            lane.setting_times = [at for at, _, _ in changes]
            lane.settings = [after for _, _, after in changes]
            lane.first_setting = changes[0][1] if changes else None
            happened.update(lane.setting_times)
            sent = {position: at for at, position in sends}
            # an application is never before its send (a catch-up read may be noted late)
            applied = [
                (max(at, sent[position]), position) for at, position in applies if position in sent
            ]
            lane.index(sends, applied)
            happened.update(at for at, _ in applies)
            self._lanes.append(lane)
        happened.add(now)
        self.moments = tuple(sorted(t for t in happened if t <= now))
        """Every lab time something happened, in order, ending with `now`."""
        self.record_from = record_from
        head = self.positions[-1] if self.positions else 0
        self.record_starts = (
            -math.inf
            if record_from <= 1
            else math.inf
            if record_from > head
            else self.moment_of(record_from)
        )
        """The lab time the delivery record starts (minus infinity: from the start)."""

    @property
    def lanes(self) -> tuple[str, ...]:
        return tuple(lane.name for lane in self._lanes)

    def head_at(self, t: float) -> int:
        i = bisect_right(self._recorded, t)
        return self.events[i - 1].position if i else 0

    def at(self, t: float) -> Moment:
        head = self.head_at(t)
        lanes = tuple(lane.at(t, head) for lane in self._lanes)
        return Moment(t, head, lanes, t >= self.record_starts)

    def moment_of(self, position: int) -> float:
        """The lab time event `position` was appended (0: the start)."""
        i = bisect_left(self.positions, position)
        return self._recorded[i] if position > 0 and i < len(self.events) else 0.0

    def last_write(self, username: str | None, head: int) -> int:
        """What read-your-writes asks of a query by `username` (None: the session) when the
        head was `head`: the last event of theirs up to it, as `Lab.last_write` keeps."""
        if not self._writes:
            for event in self.events:
                user = event.data.get("username")
                if isinstance(user, str):
                    self._writes.setdefault(user, []).append(event.position)
            self._writes[None] = self.positions
        writes = self._writes.get(username, [])
        i = bisect_right(writes, head)
        return writes[i - 1] if i else 0

    def step(self, t: float, steps: int) -> float:
        """The moment `steps` moments after (before, when negative) the one at or before `t`."""
        i = max(0, bisect_right(self.moments, t) - 1)
        if steps < 0 and self.moments[i] < t:  # between two moments: the one before is 1 back
            steps += 1
        return self.moments[max(0, min(len(self.moments) - 1, i + steps))]

    @classmethod
    def of(cls, lab: Lab, events: Sequence[RecordedEvent]) -> BusHistory:
        """Read the lab's delivery log and bus (on the lab's thread)."""
        by_position = {event.position: event for event in events}
        lanes: dict[str, LaneLog] = {}
        settings: dict[str, list[SettingChange]] = {}
        for name, subscriber in lab.subscribers.items():
            log = lab.deliveries.lane_history(name)
            sends = [(at, p) for at, p in log.sends if p in by_position]
            applies = [(at, p) for at, p in log.applies if p in by_position]
            settings[name] = log.changes
            trips = [
                Trip(by_position[trip[0]], *trip[1:])
                for trip in log.trips
                if trip[0] in by_position
            ]
            if subscriber.mode is Mode.ASYNC:  # still travelling
                trips += (
                    Trip(d.event, d.sent_at, d.due_at, math.inf, d.kind, d.will_drop)
                    for d in lab.bus.in_flight_for(name)
                )
            lanes[name] = (trips, sends, applies)
        start = _record_from(lab, events)
        return cls(events, lanes, now=lab.clock.now(), settings=settings, record_from=start)


def _record_from(lab: Lab, events: Sequence[RecordedEvent]) -> int:
    """The first position of the delivery record, counting back over the events before it
    that no lane carries (nothing of them to show): 1 when it holds the whole log."""
    first = lab.deliveries.first
    i = len(events) if first is None else bisect_left(events, first, key=_position)
    carried = lab.subscribers.values()
    while i > 0 and not any(subscriber.handles(events[i - 1]) for subscriber in carried):
        i -= 1
    return events[i].position if i < len(events) else (events[-1].position + 1 if events else 1)


def _position(event: RecordedEvent) -> int:
    return event.position
