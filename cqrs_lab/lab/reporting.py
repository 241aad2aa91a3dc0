"""What a lab reports about itself: the snapshot the screen and the lessons checker read
(each lane's state), and the final report of `cqrs-lab run --json`."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cqrs_lab.lab.services_report import services_report
from cqrs_lab.lab.snapshot import LabSnapshot, LaneState
from cqrs_lab.read.subscriber import Mode
from cqrs_lab.read.view_specs import LANES
from cqrs_lab.sim.bus import Delivery, SubscriptionStats
from cqrs_lab.store.event_store import RecordedEvent

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab


def report(lab: Lab) -> dict[str, Any]:
    """Final lag and metrics."""
    snapshot = take_snapshot(lab)
    report = {
        "now": round(snapshot.now, 6),
        "head": snapshot.head,
        "seed": lab.seed,
        "lanes": {lane.name: lane.to_json() for lane in snapshot.lanes},
        "metrics": lab.metrics.to_json(),
    }
    services = services_report(lab)  # only while services are on
    return report if services is None else {**report, "services": services}


def take_snapshot(lab: Lab) -> LabSnapshot:
    lanes = tuple(lane_state(lab, name) for name in LANES)
    return LabSnapshot(
        now=lab.clock.now(),
        paused=lab.paused,
        speed=lab.speed,
        seed=lab.seed,
        head=lab.head,
        lanes=lanes,
        recent_events=tuple(lab.recent),
    )


def lane_state(lab: Lab, name: str) -> LaneState:
    subscriber = lab.subscribers[name]
    is_async = subscriber.mode is Mode.ASYNC
    in_flight: tuple[Delivery[RecordedEvent], ...] = (
        tuple(lab.bus.in_flight_for(name)) if is_async else ()
    )
    return LaneState(
        name=name,
        mode=subscriber.mode,
        gap_policy=subscriber.gap_policy,
        latency=str(lab.latencies[name]) if is_async else "inline",
        faults=str(lab.faults[name]),
        held=subscriber.holding,
        checkpoint=subscriber.position(lab.head),
        lag_events=subscriber.behind(),
        lag_seconds=lab.lag_seconds(name),
        waiting_on_gap=len(subscriber.held) + len(subscriber.at_door),
        subscriber=replace(subscriber.stats),
        bus=replace(lab.bus.stats(name)) if is_async else SubscriptionStats(),
        in_flight=in_flight,
        problem=lab.flush_problems.get(name),
        stalled=stall.describe(lab.clock.now()) if (stall := subscriber.guard.stall) else None,
        guard=replace(subscriber.guard.stats),
        parked=len(subscriber.guard.parked),
        error_policy=str(subscriber.guard.policy),
        capacity=lab.capacities[name] if is_async else None,
        queued=sum(delivery.queued for delivery in in_flight),
    )
