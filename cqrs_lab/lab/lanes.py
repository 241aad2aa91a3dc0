"""A lab's lane settings: each lane's latency, faults, consumer capacity, mode (async on the
bus or inline in the command's transaction), gap policy and hold, and how an async lane is
subscribed to the bus (deliveries, poison retries, lost events read back from the store).
Each change is noted in the delivery log, so the rewind shows each lane as it was then."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from cqrs_lab.lab.deliveries import LaneSetting
from cqrs_lab.lab.errors import LabError
from cqrs_lab.read.subscriber import GapPolicy, Mode
from cqrs_lab.read.view_specs import LANES
from cqrs_lab.sim.bus import Delivery
from cqrs_lab.sim.faults import Faults
from cqrs_lab.sim.latency import LatencyModel
from cqrs_lab.store.event_store import RecordedEvent

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab


class UnknownLane(LabError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no lane '{name}' (lanes: {', '.join(LANES)}, or all)")


def lanes_named(name: str) -> list[str]:
    """The lanes `name` stands for: one lane, or every one for `all`."""
    if name == "all":
        return list(LANES)
    if name not in LANES:
        raise UnknownLane(name)
    return [name]


def setting_of(lab: Lab, name: str) -> LaneSetting:
    subscriber = lab.subscribers[name]
    return LaneSetting(
        subscriber.mode,
        str(lab.latencies[name]),
        str(lab.faults[name]),
        subscriber.holding,
        lab.capacities[name],
        subscriber.gap_policy,
    )


@contextmanager
def _noted(lab: Lab, lane: str) -> Iterator[list[str]]:
    """The lanes `lane` names; what the block changes of their settings is noted."""
    names = lanes_named(lane)
    before = {name: setting_of(lab, name) for name in names}
    try:
        yield names
    finally:
        for name in names:
            lab.deliveries.changed(name, before[name], setting_of(lab, name))


def set_latency(lab: Lab, lane: str, model: LatencyModel) -> None:
    with _noted(lab, lane) as names:
        for name in names:
            lab.latencies[name] = model
            if lab.subscribers[name].mode is Mode.ASYNC:
                lab.bus.set_latency(name, model)


def set_faults(lab: Lab, lane: str, faults: Faults | Callable[[Faults], Faults]) -> None:
    with _noted(lab, lane) as names:
        for name in names:
            new = faults(lab.faults[name]) if callable(faults) else faults
            lab.faults[name] = new
            if lab.subscribers[name].mode is Mode.ASYNC:
                lab.bus.set_faults(name, new)


def set_capacity(lab: Lab, lane: str, rate: float | None) -> None:
    """Let a lane's consumer handle at most `rate` deliveries a second (None: no limit)."""
    with _noted(lab, lane) as names:
        for name in names:
            lab.capacities[name] = rate
            if lab.subscribers[name].mode is Mode.ASYNC:
                lab.bus.set_capacity(name, rate)


def set_mode(lab: Lab, lane: str, mode: Mode) -> None:
    with _noted(lab, lane) as names:
        for name in names:
            subscriber = lab.subscribers[name]
            if subscriber.mode is mode:
                continue
            subscriber.mode = mode
            if mode is Mode.INLINE:
                lab.bus.unsubscribe(name)
                subscriber.catch_up(lab.store.head())
            else:
                subscribe(lab, name)
    lab.flush()


def set_gap_policy(lab: Lab, lane: str, policy: GapPolicy) -> None:
    with _noted(lab, lane) as names:
        for name in names:
            lab.subscribers[name].set_gap_policy(policy)
            if policy is GapPolicy.CATCH_UP:
                fill_lost(lab, name)
    lab.flush()


def on_delivery_outcome(lab: Lab, delivery: Delivery[RecordedEvent], outcome: str) -> None:
    """A catch-up subscription notices a lost event (the store is ahead) and reads it."""
    subscriber = lab.subscribers.get(delivery.subscription)
    if outcome == "lost" and subscriber and subscriber.gap_policy is GapPolicy.CATCH_UP:
        fill_lost(lab, delivery.subscription)


def fill_lost(lab: Lab, lane: str) -> None:
    """Read from the store the events sent on `lane` that will never arrive."""
    subscriber = lab.subscribers[lane]
    if subscriber.mode is not Mode.ASYNC:
        return
    travelling = {d.position for d in lab.bus.in_flight_for(lane)}
    travelling.update(event.position for event in subscriber.at_door)
    lost = [p for p in subscriber.pending if p not in travelling and p not in subscriber.held]
    if lost:
        subscriber.catch_up(max(lost))


def hold(lab: Lab, lane: str) -> None:
    with _noted(lab, lane) as names:
        for name in names:
            lab.subscribers[name].holding = True


def release(lab: Lab, lane: str) -> int:
    """Let held deliveries in; then judge the predictions waiting on those lanes."""
    with _noted(lab, lane) as names:
        released = sum(lab.subscribers[name].release() for name in names)
    lab.flush()
    lab.predictions.judge(lab, names)
    return released


def retrier(lab: Lab, name: str) -> Callable[[RecordedEvent, float], bool]:
    """How lane `name`'s consumer retries a poison event: a retry on its bus lane (an
    inline lane has none: it stays stalled until its policy or the poison changes)."""

    def retry_later(event: RecordedEvent, delay: float) -> bool:
        if lab.subscribers[name].mode is not Mode.ASYNC:
            return False
        lab.bus.retry_later(name, event, delay)
        return True

    return retry_later


def subscribe(lab: Lab, name: str) -> None:
    """Subscribe lane `name`'s consumer to the bus, with the lane's settings."""
    subscriber = lab.subscribers[name]
    lab.bus.subscribe(
        name,
        lambda delivery: (
            subscriber.retry(delivery.event)
            if delivery.kind == "retry"
            else subscriber.receive(delivery.event)
        ),
        latency=lab.latencies[name],
        faults=lab.faults[name],
        capacity=lab.capacities[name],
    )
