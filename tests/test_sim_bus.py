from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cqrs_lab.sim import (
    Delivery,
    EventBus,
    Exponential,
    Faults,
    Fixed,
    LatencyModel,
    LogNormal,
    ScaledClock,
    Uniform,
    UnknownSubscription,
    VirtualClock,
    Zero,
)


@dataclass(frozen=True)
class Event:
    position: int


def events(first: int, last: int) -> list[Event]:
    return [Event(p) for p in range(first, last + 1)]


class Recorder:
    """A handler that remembers what it got and when."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.log: list[tuple[float, int, str]] = []

    def __call__(self, delivery: Delivery[Event]) -> None:
        self.log.append((self.clock.now(), delivery.position, delivery.kind))

    @property
    def positions(self) -> list[int]:
        return [position for _, position, _ in self.log]


class OnTime(list[Delivery[Event]]):
    """A handler that keeps what it is handed, each checked to come at its due time."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self.clock = clock

    def __call__(self, delivery: Delivery[Event]) -> None:
        assert self.clock.now() == delivery.due_at
        self.append(delivery)


def assert_in_order_and_counted(
    bus: EventBus[Event], handed: OnTime, published: int, faults: Faults
) -> list[int]:
    """A FIFO lane's deliveries in position order; once idle, every event delivered, lost
    or duplicated as its stats say (all of them, unless `lost` may lose some). Their
    positions."""
    positions = [d.position for d in handed]
    assert positions == sorted(positions)
    stats = bus.stats("fifo")
    if not bus.in_flight():
        assert stats.delivered + stats.lost == published + stats.duplicated
        if not faults.lost:
            assert set(positions) == set(range(1, published + 1))
    return positions


class ScriptedRandom(random.Random):
    """An RNG whose `random()` returns the given values, for hand-made fault scenarios."""

    def __init__(self, values: Sequence[float]) -> None:
        super().__init__(0)
        self._values = iter(values)

    def random(self) -> float:
        return next(self._values)


NO_DELAY = Zero()
NO_FAULTS = Faults()


def lab(
    latency: LatencyModel = NO_DELAY, faults: Faults = NO_FAULTS, rng: random.Random | None = None
) -> tuple[VirtualClock, EventBus[Event], Recorder]:
    clock = VirtualClock()
    bus: EventBus[Event] = EventBus(clock, rng or random.Random(1))
    recorder = Recorder(clock)
    bus.subscribe("orders", recorder, latency, faults)
    return clock, bus, recorder


# Timing


def test_a_fixed_delay_delivers_exactly_at_the_due_time() -> None:
    clock, bus, recorder = lab(Fixed(2.0))
    bus.publish([Event(1)])
    assert bus.advance_to(1.999) == 0
    assert recorder.log == []
    assert clock.now() == 1.999
    assert bus.advance_to(2.0) == 1
    assert recorder.log == [(2.0, 1, "first")]


def test_step_jumps_the_clock_to_the_next_delivery() -> None:
    clock, bus, recorder = lab(Fixed(2.0))
    bus.publish([Event(1)])
    delivery = bus.step()
    assert delivery is not None
    assert delivery.position == 1
    assert clock.now() == 2.0
    assert recorder.log == [(2.0, 1, "first")]
    assert bus.step() is None
    assert clock.now() == 2.0


def test_step_delivers_one_at_a_time() -> None:
    _, bus, recorder = lab(Fixed(1.0))
    bus.publish(events(1, 3))
    bus.step()
    assert recorder.positions == [1]
    assert [d.position for d in bus.in_flight()] == [2, 3]


def test_advance_delivers_each_at_its_own_due_time_and_ends_at_the_target() -> None:
    clock = VirtualClock()
    bus: EventBus[Event] = EventBus(clock, random.Random(1))
    recorder = Recorder(clock)
    bus.subscribe("fast", recorder, Fixed(1.0))
    bus.subscribe("slow", recorder, Fixed(3.0))
    bus.publish([Event(1)])
    assert bus.next_due() == 1.0
    assert bus.advance(5.0) == 2
    assert recorder.log == [(1.0, 1, "first"), (3.0, 1, "first")]
    assert clock.now() == 5.0
    assert bus.next_due() is None


def test_deliver_due_follows_a_scaled_clock() -> None:
    wall = [100.0]
    clock = ScaledClock(speed=2.0, wall=lambda: wall[0])
    bus: EventBus[Event] = EventBus(clock, random.Random(1))
    got: list[int] = []
    bus.subscribe("orders", lambda d: got.append(d.position), Fixed(2.0))
    bus.publish([Event(1)])
    wall[0] += 0.9
    assert bus.deliver_due() == 0
    wall[0] += 0.1
    assert bus.deliver_due() == 1
    assert got == [1]


def test_step_works_while_a_scaled_clock_is_paused() -> None:
    clock = ScaledClock(wall=lambda: 0.0)
    bus: EventBus[Event] = EventBus(clock, random.Random(1))
    got: list[int] = []
    bus.subscribe("orders", lambda d: got.append(d.position), Fixed(1.5))
    clock.pause()
    bus.publish([Event(1)])
    bus.step()
    assert got == [1]
    assert clock.now() == 1.5
    assert clock.paused


def test_progress_runs_from_sent_to_due() -> None:
    _, bus, _ = lab(Fixed(2.0))
    bus.publish([Event(1)])
    (delivery,) = bus.in_flight()
    assert (delivery.progress(0.0), delivery.progress(0.5), delivery.progress(9.0)) == (
        0.0,
        0.25,
        1.0,
    )
    _, bus, _ = lab(Zero())
    bus.publish([Event(1)])
    assert bus.in_flight()[0].progress(0.0) == 1.0


# Subscriptions


def test_every_subscription_gets_every_event() -> None:
    clock = VirtualClock()
    bus: EventBus[Event] = EventBus(clock, random.Random(1))
    a, b = Recorder(clock), Recorder(clock)
    bus.subscribe("a", a)
    bus.subscribe("b", b, Exponential(0.5))
    bus.publish(events(1, 5))
    bus.run_until_idle()
    assert a.positions == b.positions == [1, 2, 3, 4, 5]
    assert bus.subscriptions == ["a", "b"]


def test_settings_per_subscription_or_all() -> None:
    clock = VirtualClock()
    bus: EventBus[Event] = EventBus(clock, random.Random(1))
    bus.subscribe("a", Recorder(clock))
    bus.subscribe("b", Recorder(clock), Fixed(1.0), Faults(dup=0.5))
    assert bus.latency("b") == Fixed(1.0)
    assert bus.faults("b") == Faults(dup=0.5)
    bus.set_latency("all", Exponential(0.8))
    bus.set_faults("a", Faults(reorder=True))
    assert bus.latency("a") == bus.latency("b") == Exponential(0.8)
    assert bus.faults("a") == Faults(reorder=True)
    assert bus.faults("b") == Faults(dup=0.5)


def test_unknown_names_raise_a_key_error_listing_the_known_ones() -> None:
    _, bus, _ = lab()
    for call in (bus.latency, bus.faults, bus.stats, bus.in_flight_for, bus.unsubscribe):
        with pytest.raises(UnknownSubscription, match=r"'carts'.*known subscriptions: orders"):
            call("carts")
    with pytest.raises(KeyError):
        bus.set_latency("carts", Zero())


def test_subscription_names_are_unique_and_all_is_reserved() -> None:
    _, bus, recorder = lab()
    with pytest.raises(ValueError, match="already exists"):
        bus.subscribe("orders", recorder)
    with pytest.raises(ValueError, match="every subscription"):
        bus.subscribe("all", recorder)


def test_unsubscribe_removes_the_lane_and_its_deliveries() -> None:
    clock, bus, recorder = lab(Fixed(1.0))
    bus.subscribe("carts", Recorder(clock), Fixed(1.0))
    bus.publish(events(1, 2))
    bus.unsubscribe("orders")
    assert {d.subscription for d in bus.in_flight()} == {"carts"}
    bus.run_until_idle()
    assert recorder.log == []
    assert bus.subscriptions == ["carts"]


def test_observers_see_every_outcome() -> None:
    _, bus, _ = lab(Fixed(1.0), Faults(drop=0.5, lost=True), ScriptedRandom([0.1, 0.9]))
    seen: list[tuple[int, str]] = []
    bus.add_observer(lambda d, outcome: seen.append((d.position, outcome)))
    bus.publish(events(1, 2))
    bus.run_until_idle()
    assert seen == [(1, "lost"), (2, "delivered")]


# Faults


def test_a_dropped_delivery_is_redelivered_after_the_timeout() -> None:
    # draws: event 1 dropped, event 2 kept, the redelivery kept
    _, bus, recorder = lab(
        Fixed(1.0), Faults(drop=0.5, reorder=True), ScriptedRandom([0.1, 0.9, 0.9])
    )
    bus.publish(events(1, 2))
    first = bus.in_flight()[0]
    assert first.will_drop
    bus.run_until_idle()
    assert recorder.log == [(1.0, 2, "first"), (3.0, 1, "redelivery")]
    stats = bus.stats("orders")
    assert (stats.delivered, stats.dropped, stats.redelivered, stats.lost) == (2, 1, 1, 0)


def test_fifo_lanes_block_behind_a_redelivery() -> None:
    _, bus, recorder = lab(Fixed(1.0), Faults(drop=0.5), ScriptedRandom([0.1, 0.9, 0.9]))
    bus.publish(events(1, 2))
    bus.step()  # event 1 is dropped at t=1; event 2 now waits behind its redelivery
    assert [(d.position, d.kind, d.due_at) for d in bus.in_flight()] == [
        (1, "redelivery", 3.0),
        (2, "first", 3.0),
    ]
    bus.run_until_idle()
    assert recorder.log == [(3.0, 1, "redelivery"), (3.0, 2, "first")]


def test_a_redelivery_can_be_dropped_again() -> None:
    _, bus, recorder = lab(Fixed(1.0), Faults(drop=0.5), ScriptedRandom([0.1, 0.1, 0.9]))
    bus.publish([Event(1)])
    bus.run_until_idle()
    assert recorder.log == [(5.0, 1, "redelivery")]
    assert bus.stats("orders").dropped == 2


def test_duplicates_travel_right_behind_their_original_on_a_fifo_lane() -> None:
    _, bus, recorder = lab(Uniform(0.0, 2.0), Faults(dup=1.0), random.Random(3))
    bus.publish(events(1, 3))
    bus.run_until_idle()
    assert recorder.positions == [1, 1, 2, 2, 3, 3]
    assert [kind for _, _, kind in recorder.log] == ["first", "duplicate"] * 3
    assert bus.stats("orders").duplicated == 3


def test_at_least_once_delivers_every_event_despite_drops() -> None:
    _, bus, recorder = lab(Exponential(0.5), Faults(drop=0.3), random.Random(11))
    published = events(1, 500)
    bus.publish(published)
    bus.run_until_idle()
    assert not bus.in_flight()
    assert set(recorder.positions) == {e.position for e in published}
    assert recorder.positions == sorted(recorder.positions)
    stats = bus.stats("orders")
    assert stats.dropped > 100
    assert stats.redelivered == stats.dropped
    assert stats.lost == 0
    assert stats.delivered == len(published)


def test_at_most_once_loses_dropped_events_and_reports_them() -> None:
    _, bus, recorder = lab(Exponential(0.5), Faults(drop=0.3, lost=True), random.Random(11))
    bus.publish(events(1, 500))
    bus.run_until_idle()
    stats = bus.stats("orders")
    assert stats.lost > 100
    assert stats.delivered + stats.lost == 500
    assert stats.dropped == stats.lost
    assert len(set(recorder.positions)) == stats.delivered


def test_reorder_lets_events_overtake_each_other() -> None:
    _, bus, recorder = lab(Uniform(0.0, 2.0), Faults(reorder=True), random.Random(5))
    bus.publish(events(1, 200))
    bus.run_until_idle()
    assert sorted(recorder.positions) == list(range(1, 201))
    assert recorder.positions != sorted(recorder.positions)


def test_the_same_lane_without_reorder_stays_in_order() -> None:
    _, bus, recorder = lab(Uniform(0.0, 2.0), Faults(), random.Random(5))
    bus.publish(events(1, 200))
    bus.run_until_idle()
    assert recorder.positions == list(range(1, 201))


def test_run_until_idle_stops_at_its_limit_during_an_outage() -> None:
    clock, bus, recorder = lab(Fixed(1.0), Faults(drop=1.0))
    bus.publish([Event(1)])
    bus.run_until_idle(limit=10.0)
    assert clock.now() == 10.0
    assert recorder.log == []
    assert len(bus.in_flight()) == 1
    assert bus.stats("orders").dropped == 5  # at t = 1, 3, 5, 7 and 9; the next is due at 11


def test_latency_changes_apply_to_later_deliveries() -> None:
    _, bus, recorder = lab(Fixed(5.0))
    bus.publish([Event(1)])
    bus.set_latency("orders", Zero())
    bus.publish([Event(2)])  # a FIFO lane: event 2 may not overtake event 1
    bus.run_until_idle()
    assert recorder.log == [(5.0, 1, "first"), (5.0, 2, "first")]


# Determinism


def run_log(seed: int) -> list[tuple[float, str, int, str, str]]:
    clock = VirtualClock()
    bus: EventBus[Event] = EventBus(clock, random.Random(seed))
    log: list[tuple[float, str, int, str, str]] = []
    bus.add_observer(
        lambda d, outcome: log.append((clock.now(), d.subscription, d.position, d.kind, outcome))
    )
    bus.subscribe("catalog", lambda d: None, Exponential(0.8), Faults(drop=0.2, dup=0.1))
    bus.subscribe("orders", lambda d: None, LogNormal(0.3, 0.8), Faults(reorder=True, dup=0.2))
    for batch in range(20):
        bus.publish(events(batch * 5 + 1, batch * 5 + 5))
        bus.advance(0.7)
    bus.run_until_idle()
    return log


def test_the_same_seed_gives_the_same_deliveries() -> None:
    assert run_log(42) == run_log(42)


def test_another_seed_gives_other_deliveries() -> None:
    assert run_log(42) != run_log(43)


# Properties

latencies = st.one_of(
    st.just(Zero()),
    st.builds(Fixed, st.floats(0, 3)),
    st.tuples(st.floats(0, 3), st.floats(0, 3)).map(lambda pair: Uniform(*sorted(pair))),
    st.builds(Exponential, st.floats(0.001, 3)),
    st.builds(LogNormal, st.floats(0.001, 2), st.floats(0.01, 2)),
)
fifo_faults = st.builds(
    Faults,
    drop=st.floats(0, 0.6),
    lost=st.booleans(),
    dup=st.floats(0, 0.5),
    redelivery_timeout=st.floats(0.001, 3),
)
actions = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.integers(1, 6)),
        st.tuples(st.just("advance"), st.floats(0, 3)),
        st.tuples(st.just("step"), st.none()),
        st.tuples(st.just("latency"), latencies),
    ),
    max_size=25,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(latencies, fifo_faults, actions, st.integers(0, 2**32))
def test_fifo_lanes_never_deliver_out_of_order(
    latency: LatencyModel, faults: Faults, script: list[tuple[str, object]], seed: int
) -> None:
    clock = VirtualClock()
    bus: EventBus[Event] = EventBus(clock, random.Random(seed))
    handed = OnTime(clock)
    bus.subscribe("fifo", handed, latency, faults)
    published = 0
    for action, arg in script:
        if action == "publish":
            assert isinstance(arg, int)
            bus.publish(events(published + 1, published + arg))
            published += arg
        elif action == "advance":
            assert isinstance(arg, float)
            bus.advance(arg)
        elif action == "step":
            bus.step()
        else:
            assert isinstance(arg, Zero | Fixed | Uniform | Exponential | LogNormal)
            bus.set_latency("fifo", arg)
    bus.run_until_idle()

    assert_in_order_and_counted(bus, handed, published, faults)
    stats = bus.stats("fifo")
    if not bus.in_flight():
        assert stats.dropped == stats.lost + stats.redelivered
