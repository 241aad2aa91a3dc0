"""The lab at moment t: the bus as it was (`rewind.BusHistory`) and the views as they were
(`rewind_views.ViewsThen`), checked against a brute-force reading and against a full replay."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cqrs_lab.bench.rewind import measure
from cqrs_lab.lab import Lab, rewind_views
from cqrs_lab.lab.rewind import BusHistory, Trip
from cqrs_lab.lab.rewind_views import ViewsThen
from cqrs_lab.lab.time_travel import Timeline
from cqrs_lab.read.subscriber import Mode
from cqrs_lab.read.view_specs import VIEW_NAMES
from cqrs_lab.store.event_store import EventMetadata, RecordedEvent
from tests.lab_helpers import SHOP_SETUP, new_lab, run

STALE = """
register alice alice@example.com s3cret-pass
add-product sku-1 "Blue mug" 12.50 10
settle
latency orders fixed:5s
add-to-cart alice sku-1 2
place-order alice
query orders alice
advance 1s
"""


def event(position: int, at: float) -> RecordedEvent:
    metadata = EventMetadata(f"c{position}", f"c{position}", f"c{position}", at)
    return RecordedEvent(position, f"s-{position}", 1, "ProductAdded", {}, metadata)


# One lane's traffic, per event: (sent?, delay to delivery or None: never delivered).
traffic = st.lists(
    st.tuples(
        st.floats(0, 3, allow_nan=False),  # seconds after the event before
        st.lists(
            st.tuples(st.booleans(), st.none() | st.floats(0, 4, allow_nan=False)),
            min_size=2,
            max_size=2,
        ),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(traffic, st.lists(st.floats(-1, 40, allow_nan=False), min_size=1, max_size=12))
def test_at_every_moment_the_bus_is_what_was_sent_and_not_yet_applied(
    plan: list[tuple[float, list[tuple[bool, float | None]]]], times: list[float]
) -> None:
    events, at = [], 0.0
    lanes: dict[str, tuple[list[Trip], list[tuple[float, int]], list[tuple[float, int]]]] = {
        "a": ([], [], []),
        "b": ([], [], []),
    }
    for position, (gap, per_lane) in enumerate(plan, start=1):
        at += gap
        events.append(recorded := event(position, at))
        for (trips, sends, applies), (sent, delay) in zip(lanes.values(), per_lane, strict=True):
            if not sent:
                continue
            sends.append((at, position))
            end = math.inf if delay is None else at + delay
            trips.append(Trip(recorded, at, at + (delay or 1.0), end))
            if delay is not None:
                applies.append((end, position))
    now = at + 5
    history = BusHistory(events, lanes, now=now)
    assert history.moments[-1] == now and list(history.moments) == sorted(history.moments)
    for t in [*times, *history.moments]:
        moment = history.at(t)
        head = max((e.position for e in events if e.metadata.recorded_at <= t), default=0)
        assert moment.head == head
        for name, (trips, sends, applies) in lanes.items():
            lane = moment.lane(name)
            done = {position for when, position in applies if when <= t}
            pending = sorted(p for when, p in sends if when <= t and p not in done)
            assert lane.behind == len(pending)
            assert lane.checkpoint <= moment.head
            assert lane.checkpoint == (pending[0] - 1 if pending else head)
            flying = sorted(
                trip.event.position for trip in trips if trip.sent_at <= t < trip.ended_at
            )
            assert sorted(d.position for d in lane.in_flight) == flying


@pytest.fixture
def stale_lab() -> Lab:
    lab = new_lab()
    run(lab, STALE)
    return lab


def test_the_moment_of_a_stale_read(stale_lab: Lab) -> None:
    lab = stale_lab
    assert lab.answers["orders", "projection"].stale
    run(lab, "settle")  # #4 reaches the orders projection: live, all is well again
    history = Timeline.of(lab).bus
    placed = history.moment_of(4)
    then = history.at(placed)
    orders = then.lane("orders")
    assert (then.head, orders.checkpoint, orders.behind) == (6, 3, 1)
    assert [d.position for d in orders.in_flight] == [4]
    assert orders.in_flight[0].due_at == pytest.approx(placed + 5)
    assert history.last_write("alice", then.head) == 6 > orders.checkpoint  # stale then
    later = history.at(history.step(placed, 1))
    assert later.lane("catalog").checkpoint > then.lane("catalog").checkpoint  # #5 came
    arrived = history.at(placed + 5)
    assert arrived.lane("orders").checkpoint == 6 and not arrived.lane("orders").in_flight
    assert history.at(history.moments[-1]).lane("orders").behind == 0

    views = ViewsThen(tuple(lab.store.iter_all()))
    try:
        assert views.projection("orders", "alice", orders.checkpoint).rows == ()
        assert views.crud("orders", "alice", then.head).rows[0][0] == "o1"
        assert views.projection("orders", "alice", 6).rows[0][0] == "o1"
    finally:
        views.close()
    lab.close()


def test_views_then_are_what_a_full_replay_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rewind_views, "EVERY", 4)  # many kept copies, on a short log
    lab = new_lab(seed=3)
    run(lab, SHOP_SETUP + "load 20/s for 3s\nsettle")
    timeline = Timeline.of(lab)
    views = ViewsThen(timeline.events)
    stops = [*[stop for stop in timeline.stops if stop][::7], timeline.head]
    try:
        for stop in [*reversed(stops), *stops]:  # back (restoring copies), then forward
            replayed = timeline.as_of(stop)
            try:
                for view in VIEW_NAMES:
                    for user in ("alice", "bob") if view in ("cart", "orders") else (None,):
                        want = replayed.query(view, user, record=False).rows.rows
                        assert views.projection(view, user, stop).rows == want, (view, stop)
                        crud = replayed.query(view, user, crud=True, record=False).rows.rows
                        assert views.crud(view, user, stop).rows == crud, (view, stop)
            finally:
                replayed.close()
    finally:
        views.close()
        lab.close()


def test_the_scrub_bench_runs_on_a_short_log() -> None:
    scrub = measure(events=150)
    assert scrub.events >= 150 and scrub.moments > 0
    assert scrub.replay_s > 0 and scrub.replay_all_s > 0
    assert any("one rewind step / one replay" in line for line in scrub.lines())


def test_a_lane_is_drawn_in_the_mode_it_was_in_then() -> None:
    lab = new_lab()
    run(lab, SHOP_SETUP + "settle\nlatency orders fixed:2s\nadd-to-cart alice mug 1")
    run(lab, "place-order alice\nsettle\nmode orders inline\nadd-to-cart bob tea 1")
    run(lab, "place-order bob")
    timeline = Timeline.of(lab)
    history = timeline.bus
    async_then = history.at(history.moment_of(6)).snapshot(timeline.live, history, paused=True)
    orders = async_then.lane("orders")
    assert orders.mode is Mode.ASYNC and orders.latency == "fixed:2s"
    assert [d.position for d in orders.in_flight] == [6] and orders.lag_events == 1
    inline_then = history.at(history.moments[-1]).snapshot(timeline.live, history, paused=True)
    assert inline_then.lane("orders").mode is Mode.INLINE
    assert inline_then.lane("orders").latency == "inline"
    assert history.at(0.0).lane("catalog").setting is None  # never changed: as it is now
    lab.close()
