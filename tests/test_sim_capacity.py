"""Consumer capacity: a lane whose consumer handles at most `rate` deliveries a second, so a
backlog grows when events arrive faster than that (and only then)."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cqrs_lab.sim import EventBus, Exponential, Faults, Fixed, VirtualClock, Zero
from tests.test_sim_bus import (
    Event,
    OnTime,
    Recorder,
    ScriptedRandom,
    assert_in_order_and_counted,
    events,
    fifo_faults,
    latencies,
)

NO_DELAY = Zero()
NO_FAULTS = Faults()


def capped(
    rate: float | None, latency: Fixed | Zero = NO_DELAY, faults: Faults = NO_FAULTS
) -> tuple[EventBus[Event], Recorder]:
    clock = VirtualClock()
    bus: EventBus[Event] = EventBus(clock, random.Random(1))
    recorder = Recorder(clock)
    bus.subscribe("orders", recorder, latency, faults, capacity=rate)
    return bus, recorder


def test_each_delivery_takes_one_service_time_after_the_consumer_is_free() -> None:
    bus, recorder = capped(2.0, Fixed(1.0))
    bus.publish(events(1, 3))
    bus.run_until_idle()
    assert recorder.log == [(1.5, 1, "first"), (2.0, 2, "first"), (2.5, 3, "first")]


def test_an_arrival_waits_in_flight_and_is_counted_as_queued() -> None:
    bus, recorder = capped(1.0, Fixed(1.0))
    bus.publish(events(1, 3))
    bus.advance(1.0)  # all three arrived at 1.0; the consumer is on the first
    assert recorder.log == []
    assert bus.queued_for("orders") == 3 and len(bus.in_flight_for("orders")) == 3
    assert all(d.arrived_at == 1.0 for d in bus.in_flight_for("orders"))
    bus.advance(1.0)
    assert recorder.positions == [1] and bus.queued_for("orders") == 2


def test_below_capacity_the_lane_keeps_up() -> None:
    """4 a second into a consumer of 5 a second: never more than one waits."""
    bus, _ = capped(5.0, Fixed(0.5))
    most = 0
    for position in range(1, 201):
        bus.publish([Event(position)])
        bus.advance(0.25)
        most = max(most, bus.queued_for("orders"))
    assert most <= 1


def test_above_capacity_the_backlog_grows_by_the_difference() -> None:
    """10 a second into a consumer of 4 a second: about 6 more wait every second."""
    bus, recorder = capped(4.0, Fixed(0.5))
    backlog = []
    for second in range(30):
        for tenth in range(10):
            bus.publish([Event(second * 10 + tenth + 1)])
            bus.advance(0.1)
        backlog.append(bus.queued_for("orders"))
    assert backlog == sorted(backlog)
    assert backlog[-1] - backlog[9] == pytest.approx(6 * 20, abs=2)
    times = [t for t, _, _ in recorder.log]
    assert all(b - a == pytest.approx(0.25) for a, b in itertools.pairwise(times))


def test_step_skips_arrivals_and_hands_over_one_delivery() -> None:
    bus, recorder = capped(1.0, Fixed(1.0))
    bus.publish(events(1, 2))
    handed = bus.step()
    assert handed is not None and handed.position == 1 and recorder.clock.now() == 2.0
    assert recorder.positions == [1]


def test_a_dropped_delivery_takes_no_service_time() -> None:
    bus, recorder = capped(1.0, Fixed(1.0), Faults(drop=0.5, lost=True))
    bus._rng = ScriptedRandom([0.9, 0.1, 0.9])  # the second is dropped on the way
    bus.publish(events(1, 3))
    bus.run_until_idle()
    assert recorder.log == [(2.0, 1, "first"), (3.0, 3, "first")]
    assert bus.stats("orders").lost == 1


def test_lifting_the_capacity_keeps_a_fifo_lane_in_order() -> None:
    bus, recorder = capped(1.0, Fixed(1.0))
    bus.publish(events(1, 2))
    bus.advance(1.0)  # both queued: handed over at 2.0 and 3.0
    bus.publish(events(3, 3))  # would arrive at 2.0
    bus.set_capacity("orders", None)
    bus.publish(events(4, 4))
    bus.run_until_idle()
    assert bus.capacity("orders") is None
    assert recorder.log == [
        (2.0, 1, "first"),
        (3.0, 2, "first"),
        (3.0, 3, "first"),
        (3.0, 4, "first"),
    ]


def test_lifting_the_capacity_of_a_reordering_lane_lets_arrivals_overtake() -> None:
    bus, recorder = capped(1.0, Fixed(1.0), Faults(reorder=True))
    bus.publish(events(1, 2))
    bus.advance(1.0)
    bus.set_capacity("orders", None)
    bus.publish(events(3, 3))
    bus.run_until_idle()
    assert recorder.log == [(2.0, 1, "first"), (2.0, 3, "first"), (3.0, 2, "first")]


@pytest.mark.parametrize("rate", [0, -1, float("inf"), float("nan")])
def test_a_capacity_is_a_positive_finite_rate(rate: float) -> None:
    bus, _ = capped(None)
    with pytest.raises(ValueError, match="positive number"):
        bus.set_capacity("orders", rate)


def test_clear_frees_the_consumer() -> None:
    bus, recorder = capped(1.0)
    bus.publish(events(1, 5))
    bus.clear()
    bus.publish(events(6, 6))
    bus.run_until_idle()
    assert recorder.log == [(1.0, 6, "first")]


def test_the_same_seed_gives_the_same_backlog() -> None:
    def run(seed: int) -> list[tuple[float, int, str]]:
        clock = VirtualClock()
        bus: EventBus[Event] = EventBus(clock, random.Random(seed))
        recorder = Recorder(clock)
        bus.subscribe("orders", recorder, Exponential(0.5), Faults(dup=0.2), capacity=3.0)
        for position in range(1, 60):
            bus.publish([Event(position)])
            bus.advance(0.2)
        bus.run_until_idle()
        return recorder.log

    assert run(7) == run(7)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    latencies,
    fifo_faults,
    st.floats(0.2, 20),
    st.lists(
        st.tuples(st.integers(0, 4), st.floats(0, 2), st.none() | st.floats(0.2, 20)),
        max_size=25,
    ),
    st.integers(0, 2**32),
)
def test_a_capped_fifo_lane_keeps_order_spacing_and_counts(
    latency: Zero | Fixed,
    faults: Faults,
    rate: float,
    script: list[tuple[int, float, float | None]],
    seed: int,
) -> None:
    """In order whatever the capacity changes, at most `rate` handed over a second while it
    holds, nothing lost that may not be."""
    clock = VirtualClock()
    bus: EventBus[Event] = EventBus(clock, random.Random(seed))
    handed = OnTime(clock)
    bus.subscribe("fifo", handed, latency, faults, capacity=rate)
    published = 0
    changed = False
    for count, pause, new_rate in script:
        bus.publish(events(published + 1, published + count))
        published += count
        bus.advance(pause)
        if new_rate != rate:
            changed = True
            bus.set_capacity("fifo", new_rate)
    bus.run_until_idle(limit=10_000)

    assert_in_order_and_counted(bus, handed, published, faults)
    if not changed:
        times = [d.due_at for d in handed]
        assert all(b - a >= 1 / rate - 1e-9 for a, b in itertools.pairwise(times))
