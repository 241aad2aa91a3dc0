"""Poison events on a headless lab (issue 17.1): each error policy, the parked messages, and
a stalled lane that always says why. Lab time only: `advance` moves the virtual clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.snapshot import LaneState
from tests.lab_helpers import SHOP_SETUP, new_lab, run, settled_shop

ORDER = "add-to-cart alice mug 1\nplace-order alice"
"""Appends ItemAddedToCart #5, OrderPlaced #6, StockReserved #7, CartCheckedOut #8."""


@pytest.fixture
def lab() -> Iterator[Lab]:
    yield from settled_shop()


def lane(lab: Lab, name: str = "orders") -> LaneState:
    return next(state for state in lab.snapshot().lanes if state.name == name)


def orders(lab: Lab) -> str:
    return execute(lab, "query orders alice").message


def poisoned(lab: Lab, policy: str) -> None:
    """The next orders event fails until lifted; alice places o1 and 10 lab seconds pass."""
    run(lab, f"on-error orders {policy}\npoison orders next\n{ORDER}\nadvance 10s")


def test_park_parks_the_event_lists_it_and_replay_applies_it(lab: Lab) -> None:
    poisoned(lab, "park")
    assert lane(lab).stalled is None  # the lane went on past it
    assert lane(lab).parked == 1
    listed = execute(lab, "parked orders")
    assert "1 parked: #6 OrderPlaced (poison event" in listed.message
    assert listed.data == {"list": {"orders": 1}}
    answer = orders(lab)
    assert "o1" not in answer.split("]:")[1]
    assert "consistent prefix violated" in answer and "#6 (OrderPlaced, parked)" in answer
    assert execute(lab, "check").ok is False  # the projection misses o1: never silent

    run(lab, "poison orders off")
    replayed = execute(lab, "replay-parked orders")
    assert replayed.data == {"replay": {"orders": 1}}
    assert "o1 placed" in orders(lab)
    assert lane(lab).parked == 0 and lane(lab).guard.replayed == 1
    assert execute(lab, "check").ok  # nothing lost


def test_trace_says_parked_skipped_or_stalled_not_applied(lab: Lab) -> None:
    poisoned(lab, "park")
    assert "orders not applied yet (parked at t=" in execute(lab, "trace 6").message
    run(lab, "poison orders off\nreplay-parked orders")
    assert "orders applied" in execute(lab, "trace 6").message
    run(lab, f"on-error orders skip\npoison orders next\n{ORDER}\nadvance 10s")
    assert "orders not applied yet (skipped)" in execute(lab, "trace 10").message
    run(lab, f"on-error orders stop\npoison orders next\n{ORDER}\nadvance 10s")
    assert "not applied yet (the lane is stalled on it)" in execute(lab, "trace 14").message


def test_a_replay_that_fails_again_keeps_the_event_parked(lab: Lab) -> None:
    poisoned(lab, "park")
    outcome = execute(lab, "replay-parked orders")  # the poison is still on
    assert "replayed 0 parked events; 1 still parked" in outcome.message
    assert lane(lab).parked == 1


def test_later_events_of_a_parked_stream_wait_behind_it(lab: Lab) -> None:
    poisoned(lab, "park")
    run(lab, "pay o1\nadvance 10s")  # OrderPaid #9 on o1's stream: parked behind #6
    assert lane(lab).parked == 2
    run(lab, "poison orders off\nreplay-parked orders")
    assert "o1 paid" in orders(lab)
    assert execute(lab, "check").ok


def test_discard_parked_throws_them_away_and_check_says_so(lab: Lab) -> None:
    poisoned(lab, "park")
    outcome = execute(lab, "discard-parked orders")
    assert outcome.data == {"discard": {"orders": 1}}
    assert "discarded 1 parked events (never applied)" in outcome.message
    assert lane(lab).parked == 0 and lane(lab).guard.discarded == 1
    assert "o1" not in orders(lab).split("]:")[1]


def test_retry_backs_off_in_lab_time_then_parks(lab: Lab) -> None:
    run(lab, f"latency orders fixed:500ms\non-error orders retry\npoison orders next\n{ORDER}")
    run(lab, "advance 600ms")  # delivered after 500 ms: failed once, retried in 1 s
    stalled = lane(lab).stalled
    assert stalled is not None and "stalled on #6 OrderPlaced" in stalled
    assert "attempt 1, next retry in 0.9s" in stalled
    assert "STALLED: stalled on #6 OrderPlaced" in orders(lab)
    run(lab, "advance 7s")  # retries after 1 s, 2 s and 4 s
    state = lane(lab)  # the third retry failed: parked, and the lane goes on
    assert state.stalled is None and state.parked == 1
    assert state.guard.retries == 3 and state.guard.failures == 4
    assert "4 attempts" in execute(lab, "parked orders").message


def test_each_retry_waits_twice_as_long(lab: Lab) -> None:
    run(lab, f"latency orders fixed:500ms\non-error orders retry\npoison orders next\n{ORDER}")
    run(lab, "advance 500ms")
    guard = lab.subscribers["orders"].guard
    backoffs = []
    while guard.stall is not None and guard.stall.retry_at is not None:
        backoffs.append(round(guard.stall.retry_at - lab.clock.now(), 6))
        run(lab, f"advance {backoffs[-1]}s")
    assert backoffs == [1.0, 2.0, 4.0]


def test_retry_succeeds_once_the_poison_runs_out(lab: Lab) -> None:
    run(lab, f"on-error orders retry\npoison orders next 2\n{ORDER}\nadvance 10s")
    state = lane(lab)
    assert state.stalled is None and state.parked == 0
    assert state.guard.failures == 2 and state.guard.retries == 2
    assert "o1 placed" in orders(lab)
    assert execute(lab, "check").ok


def test_skip_goes_on_and_the_projection_never_has_the_event(lab: Lab) -> None:
    poisoned(lab, "skip")
    state = lane(lab)
    assert state.stalled is None and state.parked == 0 and state.guard.skipped == 1
    answer = orders(lab)
    assert "#6 (skipped)" in answer
    assert execute(lab, "check").ok is False


def test_stop_stalls_the_lane_with_its_reason_until_the_poison_is_lifted(lab: Lab) -> None:
    poisoned(lab, "stop")
    state = lane(lab)
    assert state.stalled is not None
    assert "on-error stop: change the policy or lift the poison" in state.stalled
    assert state.lag_events > 0
    run(lab, "add-to-cart alice tea 1\nplace-order alice\nadvance 10s")
    assert lane(lab).lag_events > state.lag_events  # its lag keeps growing
    answer = orders(lab)
    assert "STALLED" in answer and "STALE: behind your last write" in answer
    run(lab, "poison orders off\nsettle")
    assert lane(lab).stalled is None
    assert "o1 placed" in orders(lab) and "o2 placed" in orders(lab)
    assert execute(lab, "check").ok


def test_changing_a_stopped_lane_to_park_frees_it(lab: Lab) -> None:
    poisoned(lab, "stop")
    run(lab, "on-error orders park\nsettle")
    assert lane(lab).stalled is None and lane(lab).parked == 1


def test_a_projection_bug_fails_every_event_of_its_type(lab: Lab) -> None:
    run(lab, "on-error orders park\npoison orders OrderPlaced\n" + ORDER)
    run(lab, "add-to-cart bob tea 1\nplace-order bob\nadvance 10s")
    assert lane(lab).parked == 2
    assert lane(lab, "catalog").parked == 0  # poison is per lane
    run(lab, "poison orders off\nreplay-parked orders")
    assert execute(lab, "check").ok


def test_an_inline_lane_stalls_rather_than_retrying(lab: Lab) -> None:
    run(lab, f"mode orders inline\non-error orders retry\npoison orders next\n{ORDER}")
    assert lane(lab).stalled is not None
    run(lab, "poison orders off\nsettle")
    assert lane(lab).stalled is None
    assert execute(lab, "check").ok


def test_reset_puts_the_policy_and_the_poison_back(lab: Lab) -> None:
    poisoned(lab, "park")
    run(lab, "reset\nseed 1\n" + SHOP_SETUP + ORDER + "\nsettle")
    assert lane(lab).error_policy == "retry" and lane(lab).parked == 0
    assert execute(lab, "check").ok


@given(st.lists(st.sampled_from(["retry", "park", "skip", "stop"]), min_size=1, max_size=3))
def test_a_poisoned_lane_is_never_stalled_without_a_reason(policies: list[str]) -> None:
    """Whatever the policies, after each change the lane is either moving or says why, and
    after lifting the poison and replaying nothing parked is lost."""
    lab = new_lab()
    try:
        run(lab, SHOP_SETUP + "poison orders next")
        for policy in policies:
            run(lab, f"on-error orders {policy}\n{ORDER}\nadvance 3s")
            state = lane(lab)
            behind = state.lag_events > 0
            assert not behind or state.stalled or state.in_flight or state.waiting_on_gap
        run(lab, "poison orders off\nsettle\nreplay-parked orders")
        assert lane(lab).stalled is None and lane(lab).parked == 0
    finally:
        lab.close()
