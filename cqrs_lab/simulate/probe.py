"""What a simulation measures while the load runs, in lab time.

- Lag per projection (events sent down its lane and not yet applied, and how long the
  oldest of them has waited), sampled at fixed lab-time intervals (a time-weighted
  picture), after every publish (where the count peaks) and just before every delivery
  (where the wait peaks), so the maxima are exact.
- In flight per lane, integrated exactly over time: the count changes only when events
  are published and when deliveries fall due, so the time average is a sum of rectangles.
- The time every delivery spent on the bus, and how many were scheduled (for Little's law).
- Each query's answer with the time since the asker's last write (for the stale-read model),
  and whether that write put an event on the view's lane: the model is about that event's
  delivery, so reads whose last write went down no lane of theirs are counted apart.
- Arrivals per lab second (for the Poisson comparison).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.lab.defaults import SESSION
from cqrs_lab.lab.load import LoadObserver
from cqrs_lab.read.view_specs import LANES, VIEW_LANES
from cqrs_lab.shop.workload import ReadQuery, Request
from cqrs_lab.sim.bus import Delivery, Outcome
from cqrs_lab.sim.latency import LatencyModel, Zero
from cqrs_lab.simulate.models import survival
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.write.results import Accepted, CommandResult

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab

BUCKET_EDGES = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
"""Times since the asker's write, as multiples of the lane's mean delay."""


@dataclass
class LaneMeter:
    """Raw measurements of one lane."""

    changed_at: float
    in_flight: int = 0
    area: float = 0.0  # integral of in_flight over lab time
    scheduled: int = 0  # deliveries put on the bus (firsts, duplicates, redeliveries)
    fell_due: int = 0
    time_on_bus: float = 0.0  # sum of due_at - sent_at over deliveries that fell due
    duplicates_seen: int = 0
    oldest: int | None = None  # the oldest position sent and not applied, as last observed
    lag_seconds: list[float] = field(default_factory=list)  # at fixed intervals
    lag_events: list[int] = field(default_factory=list)
    before_delivery_seconds: list[float] = field(default_factory=list)
    peak_events: int = 0

    def integrate(self, now: float) -> None:
        self.area += self.in_flight * (now - self.changed_at)
        self.changed_at = now


@dataclass
class StaleBucket:
    low: float
    high: float  # math.inf for the last
    reads: int = 0
    stale: int = 0
    expected: float = 0.0  # sum over reads of the model's P(delay > t)


@dataclass
class QueryMeter:
    """Reads of one view: how many were stale, by time since the asker's write."""

    lane: str
    model: LatencyModel
    buckets: list[StaleBucket]
    reads: int = 0
    stale: int = 0
    never_wrote: int = 0  # reads by askers with no write yet: never stale
    off_lane: int = 0  # reads whose asker's last write put nothing on this lane
    off_lane_stale: int = 0  # of those, stale (behind other askers' events on the lane)

    def add(self, since_write: float | None, stale: bool, on_lane: bool = True) -> None:
        self.reads += 1
        self.stale += stale
        if since_write is None:
            self.never_wrote += 1
            return
        if not on_lane:
            self.off_lane += 1
            self.off_lane_stale += stale
            return
        for bucket in self.buckets:
            if since_write < bucket.high:
                bucket.reads += 1
                bucket.stale += stale
                bucket.expected += survival(self.model, since_write)
                return


def stale_buckets(model: LatencyModel) -> list[StaleBucket]:
    scale = model.mean
    if isinstance(model, Zero) or scale <= 0:
        return [StaleBucket(0.0, math.inf)]
    edges = [edge * scale for edge in BUCKET_EDGES]
    return [StaleBucket(low, high) for low, high in zip(edges, [*edges[1:], math.inf], strict=True)]


class SimulationProbe(LoadObserver):
    """Collects every measurement of one simulation run."""

    def __init__(self, lab: Lab, duration: float, sample_every: float) -> None:
        if not sample_every > 0:
            raise ValueError(f"the sampling interval must be above zero, got {sample_every}")
        self.lab = lab
        self.start = lab.clock.now()
        self.end = self.start + duration
        self.sample_every = sample_every
        self._samples_taken = 0
        self.lanes = {name: LaneMeter(self.start) for name in LANES}
        for name, meter in self.lanes.items():
            meter.oldest = lab.subscribers[name].oldest_pending()
        self.queries = {
            view: QueryMeter(lane, lab.latencies[lane], stale_buckets(lab.latencies[lane]))
            for view, lane in VIEW_LANES.items()
        }
        self.per_second = [0] * max(1, math.ceil(duration))
        self._recorded_at: dict[int, float] = {}
        self._last_write: dict[str, RecordedEvent] = {}
        """Asker -> the event of theirs the lab's stale-read test compares with."""
        self._forgotten = lab.head
        lab.bus.add_observer(self._fell_due)

    # -- the load's hooks ---------------------------------------------------------------

    def advance_to(self, lab: Lab, t: float) -> None:
        """Take every sample due up to `t` on the way there."""
        while (at := self.start + (self._samples_taken + 1) * self.sample_every) <= t:
            lab.bus.advance_to(at)
            self._sample(at)
            self._samples_taken += 1
        lab.bus.advance_to(t)

    def arrived(self, lab: Lab, request: Request) -> None:
        second = int(lab.clock.now() - self.start)
        if second < len(self.per_second):
            self.per_second[second] += 1

    def commanded(self, lab: Lab, result: CommandResult) -> None:
        if not isinstance(result, Accepted) or result.duplicate:
            return
        events: tuple[RecordedEvent, ...] = result.events
        for event in events:
            self._recorded_at[event.position] = event.metadata.recorded_at
            username = event.data.get("username")
            if isinstance(username, str):  # as Lab.last_write counts an asker's writes
                self._last_write[username] = event
        self._last_write[SESSION] = events[-1]
        now, bus = lab.clock.now(), lab.bus
        for name in bus.subscriptions:  # each lane carries the events it handles
            meter = self.lanes.get(name)
            if meter is None:  # a lane between services (`simulate/checkout.py`)
                continue
            subscriber = lab.subscribers[name]
            handles, duplicated = subscriber.projection.handles, bus.duplicated(name)
            routed = sum(event.type in handles for event in events)
            added = routed + duplicated - meter.duplicates_seen
            meter.duplicates_seen = duplicated
            meter.integrate(now)
            meter.in_flight += added
            meter.scheduled += added
            meter.oldest = subscriber.oldest_pending()
            meter.peak_events = max(meter.peak_events, subscriber.behind())

    def queried(self, lab: Lab, query: ReadQuery, answer: QueryAnswer) -> None:
        meter = self.queries[query.view]
        meter.add(query.since_write, answer.stale, self._wrote_on(lab, query, meter.lane))

    def _wrote_on(self, lab: Lab, query: ReadQuery, lane: str) -> bool:
        """Whether the asker's last write (the one `answer.stale` is judged against) sent an
        event down `lane`."""
        asker = query.username or SESSION
        event = self._last_write.get(asker)
        position = lab.last_write.get(asker)
        if position is None:
            return False
        if event is None or event.position != position:  # written before the load began
            found = lab.store.read_all(after=position - 1, limit=1)
            if not found:
                return False
            event = found[0]
        return lab.subscribers[lane].handles(event)

    def finish(self) -> None:
        """Close the time integrals at the end of the run."""
        for meter in self.lanes.values():
            meter.integrate(self.end)

    # -- measuring ----------------------------------------------------------------------

    def _fell_due(self, delivery: Delivery[RecordedEvent], outcome: Outcome) -> None:
        if delivery.subscription not in self.lanes:  # a lane between services
            return
        lab = self.lab
        now = lab.clock.now()
        meter = self.lanes[delivery.subscription]
        if meter.oldest is not None:  # the lag peaks just before a delivery
            recorded = self._recorded_at.get(meter.oldest)
            if recorded is not None:
                meter.before_delivery_seconds.append(now - recorded)
        meter.oldest = lab.subscribers[delivery.subscription].oldest_pending()
        meter.integrate(now)
        meter.fell_due += 1
        meter.time_on_bus += delivery.due_at - delivery.sent_at
        if outcome == "dropped":  # a redelivery takes its place at once
            meter.scheduled += 1
        else:
            meter.in_flight -= 1

    def _sample(self, now: float) -> None:
        lab = self.lab
        for name, meter in self.lanes.items():
            subscriber = lab.subscribers[name]
            meter.oldest = oldest = subscriber.oldest_pending()
            meter.lag_events.append(subscriber.behind())
            if oldest is None:
                meter.lag_seconds.append(0.0)
            else:
                recorded = self._recorded_at.get(oldest)
                meter.lag_seconds.append(
                    lab.lag_seconds(name) if recorded is None else now - recorded
                )
        self._forget_applied()

    def _forget_applied(self) -> None:
        """Drop the record times of positions every projection has passed."""
        waiting = [meter.oldest for meter in self.lanes.values() if meter.oldest is not None]
        lowest = min(waiting) - 1 if waiting else self.lab.head
        for position in range(self._forgotten + 1, lowest + 1):
            self._recorded_at.pop(position, None)
        self._forgotten = max(self._forgotten, lowest)
