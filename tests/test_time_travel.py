"""Time travel: a scratch lab as of an earlier position, and a fork that goes on from there."""

from __future__ import annotations

from pathlib import Path

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.recording import Recording, replay_recording
from cqrs_lab.lab.time_travel import Timeline, TimeTravelError, as_of, command_stops, fork
from cqrs_lab.sim.clock import ScaledClock, VirtualClock
from tests.lab_helpers import SHOP_SETUP, new_lab, run

HISTORY = (
    SHOP_SETUP
    + """
latency all zero
add-to-cart alice mug 2
place-order alice
pay o1
add-to-cart bob tea 3
place-order bob
cancel o2
settle
"""
)
# Positions: 1-4 setup, 5 cart, 6-8 place-order o1, 9 pay, 10 cart, 11-13 o2, 14-15 cancel.
BEFORE_PAY, AFTER_O1 = 8, 9


@pytest.fixture
def lab() -> Lab:
    lab = new_lab(seed=3)
    run(lab, HISTORY)
    assert lab.head == 15
    return lab


def rows(lab: Lab, view: str, user: str | None = None, *, crud: bool = False) -> list[tuple]:
    return list(lab.query(view, user, crud=crud, record=False).rows.rows)


def test_stops_are_the_ends_of_commands(lab: Lab) -> None:
    timeline = Timeline.of(lab)
    assert timeline.stops == (0, 1, 2, 3, 4, 5, 8, 9, 10, 13, 15)
    assert command_stops(()) == (0,)
    assert [e.type for e in timeline.command_at(8)] == [
        "OrderPlaced",
        "StockReserved",
        "CartCheckedOut",
    ]
    assert timeline.command_at(0) == ()
    assert timeline.stop_at_or_before(7) == 5
    assert timeline.stop_at_or_before(100) == 15


def test_as_of_shows_projections_and_crud_as_they_were(lab: Lab) -> None:
    past = as_of(lab, BEFORE_PAY)
    try:
        assert isinstance(past.clock, VirtualClock)
        assert past.head == BEFORE_PAY == past.store.head()
        for crud in (False, True):
            (order,) = rows(past, "orders", "alice", crud=crud)
            assert order[:2] == ("o1", "placed")
            assert rows(past, "orders", "bob", crud=crud) == []
        # every projection is as of N, not only the one asked
        assert rows(past, "cart", "alice") == []
        catalog = {row[0]: row[3] for row in rows(past, "catalog")}
        assert catalog == {"mug": 8, "tea": 50}
        assert past.query("orders", "alice", record=False).checkpoint == BEFORE_PAY
    finally:
        past.close()
    # the live lab is untouched
    assert lab.head == 15
    assert rows(lab, "orders", "alice")[0][:2] == ("o1", "paid")


def test_as_of_zero_is_the_empty_lab(lab: Lab) -> None:
    empty = as_of(lab, 0)
    try:
        assert empty.head == 0
        assert rows(empty, "catalog") == rows(empty, "catalog", crud=True) == []
    finally:
        empty.close()


@pytest.mark.parametrize(
    ("position", "message"),
    [
        (7, "#7 is inside one command's events (#6..#8, appended together): travel to #5 or #8"),
        (16, "#16 is after the head #15"),
        (-1, "a position is 0"),
    ],
)
def test_positions_one_cannot_travel_to(lab: Lab, position: int, message: str) -> None:
    with pytest.raises(TimeTravelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        as_of(lab, position)


def test_as_of_matches_a_replay_to_the_same_position(lab: Lab) -> None:
    timeline = Timeline.of(lab)
    recording = Recording(
        lab.seed, "", lab.clock.now(), timeline.recording.lanes, (), timeline.events
    )
    replayed = replay_recording(recording, 10)
    past = timeline.as_of(10)
    try:
        for view, user in (
            ("catalog", None),
            ("cart", "bob"),
            ("orders", "alice"),
            ("sales", None),
        ):
            for crud in (False, True):
                assert rows(past, view, user, crud=crud) == rows(replayed, view, user, crud=crud)
    finally:
        past.close()
        replayed.close()


def test_a_fork_goes_on_from_n_with_the_next_order_id(lab: Lab) -> None:
    lab.set_speed(2.0)
    branch = fork(lab, AFTER_O1, clock=ScaledClock(wall=lambda: 0.0))
    try:
        assert branch.head == AFTER_O1
        assert branch.speed == 2.0
        assert branch.clock.now() == pytest.approx(
            branch.store.read_all(after=8)[0].metadata.recorded_at
        )
        assert rows(branch, "cart", "bob", crud=True) == []  # filled after #9: not here
        run(branch, "add-to-cart bob mug 1\nplace-order bob\nsettle")
        assert branch.last_order_id == "o2"  # o2 of the original (cancelled) is not here
        assert branch.store.read_all(after=AFTER_O1)[0].position == AFTER_O1 + 1
        (order,) = rows(branch, "orders", "bob")
        assert order[:2] == ("o2", "placed")
        assert rows(branch, "orders", "bob", crud=True) == [order]
        assert branch.login("alice", "s3cret-pass")  # users keep their passwords
    finally:
        branch.close()
    assert rows(lab, "orders", "bob")[0][:2] == ("o2", "cancelled")  # the original stays


def test_a_fork_keeps_the_lane_settings_and_pause(lab: Lab) -> None:
    run(lab, "latency orders fixed:2s\nfaults sales dup=0.5\nmode catalog inline\npause")
    branch = fork(lab, BEFORE_PAY, clock=ScaledClock(wall=lambda: 0.0))
    try:
        assert branch.paused
        assert str(branch.latencies["orders"]) == "fixed:2s"
        assert branch.faults["sales"].dup == 0.5
        assert branch.subscribers["catalog"].mode.value == "inline"
    finally:
        branch.close()


def test_only_users_registered_up_to_n_keep_their_password() -> None:
    lab = new_lab()
    run(
        lab, "register alice alice@example.com s3cret-pass\nregister bob bob@example.com bob-pass-1"
    )
    branch = fork(lab, 1, clock=VirtualClock())
    try:
        assert branch.login("alice", "s3cret-pass")
        assert not branch.login("bob", "bob-pass-1")
        assert execute(branch, "register bob bob@example.com other-pass").ok
        assert branch.login("bob", "other-pass")
    finally:
        branch.close()


def test_a_fork_of_a_file_lab_goes_to_a_new_file_beside_it(tmp_path: Path) -> None:
    source = tmp_path / "lab.db"
    lab = new_lab(db=str(source))
    run(lab, SHOP_SETUP)
    timeline = Timeline.of(lab)
    target = timeline.fork_database(2)
    assert target == str(tmp_path / "lab.fork-at-2.db")
    branch = timeline.fork(2, db=target, clock=VirtualClock())
    branch.close()
    assert timeline.fork_database(2) == str(tmp_path / "lab.fork-at-2-2.db")
    reopened = Lab.open(target, password_cost=2**4)
    try:
        assert reopened.head == 2
    finally:
        reopened.close()
    assert lab.store.head() == 4
    lab.close()
    assert Timeline.of(new_lab()).fork_database(3) == ":memory:"
