"""A read-only picture of the lab, for the screen and the lessons checker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cqrs_lab.read.poison import GuardStats
from cqrs_lab.read.subscriber import GapPolicy, Mode, SubscriberStats
from cqrs_lab.sim.bus import Delivery, SubscriptionStats
from cqrs_lab.store.event_store import RecordedEvent


@dataclass(frozen=True, slots=True)
class LaneState:
    name: str
    mode: Mode
    gap_policy: GapPolicy
    latency: str
    faults: str
    held: bool  # the presenter holds deliveries on this lane
    checkpoint: int
    lag_events: int
    lag_seconds: float
    waiting_on_gap: int  # events held by the subscriber until a missing one arrives
    subscriber: SubscriberStats
    bus: SubscriptionStats
    in_flight: tuple[Delivery[RecordedEvent], ...]
    problem: str | None = None
    """What keeps the projection from saving (a failed flush that will be retried)."""
    capacity: float | None = None
    """Deliveries a second the lane's consumer handles (None: no limit)."""
    queued: int = 0
    """Deliveries in flight that arrived and wait for the consumer (its backlog)."""
    stalled: str | None = None
    """Why the lane is stuck on a poison event (None: it is not)."""
    guard: GuardStats = field(default_factory=GuardStats)
    """Its poison events: failures, retries, parked, skipped, replayed, discarded."""
    parked: int = 0
    """Events parked now (its dead-letter queue)."""
    error_policy: str = "retry"

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": str(self.mode),
            "gap_policy": str(self.gap_policy),
            "latency": self.latency,
            "faults": self.faults,
            "checkpoint": self.checkpoint,
            "lag_events": self.lag_events,
            "lag_seconds": round(self.lag_seconds, 6),
            "in_flight": len(self.in_flight),
            "waiting_on_gap": self.waiting_on_gap,
            "deliveries": self.subscriber.deliveries,
            "applied": self.subscriber.applied,
            "duplicates_ignored": self.subscriber.duplicates,
            "gaps": self.subscriber.gaps,
            "caught_up": self.subscriber.caught_up,
            "dropped": self.bus.dropped,
            "lost": self.bus.lost,
            "duplicated": self.bus.duplicated,
            "redelivered": self.bus.redelivered,
            "capacity": "none" if self.capacity is None else self.capacity,
            "queued": self.queued,
            "error_policy": self.error_policy,
            "stalled": 1 if self.stalled else 0,
            "parked": self.parked,
            "parked_total": self.guard.parked,
            "apply_failures": self.guard.failures,
            "retries": self.guard.retries,
            "skipped": self.guard.skipped,
            "replayed": self.guard.replayed,
            "discarded": self.guard.discarded,
            **({"stalled_reason": self.stalled} if self.stalled else {}),
            **({"problem": self.problem} if self.problem else {}),
        }


@dataclass(frozen=True, slots=True)
class LabSnapshot:
    now: float
    paused: bool
    speed: float
    seed: int
    head: int
    lanes: tuple[LaneState, ...]
    recent_events: tuple[RecordedEvent, ...]  # newest first

    def lane(self, name: str) -> LaneState:
        return next(lane for lane in self.lanes if lane.name == name)

    @property
    def in_flight(self) -> int:
        return sum(len(lane.in_flight) for lane in self.lanes)
