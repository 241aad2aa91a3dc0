"""Parked events keep their story (issue 17): a rebuild leaves them parked and says so, and
`trace` shows when an event was parked and when `replay-parked` applied it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.trace import trace, trace_json
from tests.lab_helpers import SHOP_SETUP, new_lab, run

ORDER = "add-to-cart alice mug 1\nplace-order alice"
"""Appends ItemAddedToCart #5, OrderPlaced #6, StockReserved #7, CartCheckedOut #8."""


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = new_lab()
    run(lab, SHOP_SETUP + "settle\non-error orders park\npoison orders next")
    run(lab, ORDER + "\nadvance 10s\npay o1\nadvance 10s")  # #6 parked, #9 behind it
    yield lab
    lab.close()


def parked(lab: Lab) -> list[int]:
    return [p.event.position for p in lab.subscribers["orders"].guard.parked]


def test_a_rebuild_leaves_parked_events_parked_and_says_so(lab: Lab) -> None:
    before = execute(lab, "query orders alice").message
    outcome = execute(lab, "rebuild orders")
    assert outcome.ok
    assert "2 parked events stay parked: replay-parked orders" in outcome.message
    assert parked(lab) == [6, 9]
    assert execute(lab, "query orders alice").message == before  # o1 is still missing
    assert lab.projections["orders"].checkpoint == lab.head  # it passed them, as before
    run(lab, "poison orders off\nreplay-parked orders")
    assert parked(lab) == []
    assert "o1 paid" in execute(lab, "query orders alice").message
    assert execute(lab, "check").ok  # nothing lost


def test_a_rebuild_of_a_lane_with_nothing_parked_says_nothing_of_it(lab: Lab) -> None:
    outcome = execute(lab, "rebuild catalog")
    assert outcome.message == f"rebuilt catalog from {lab.head} events"


def test_trace_shows_the_park_then_the_replay_with_their_times(lab: Lab) -> None:
    parked_text = execute(lab, "trace 6").message
    assert "orders not applied yet (parked at t=" in parked_text
    assert "poison event: it cannot be applied" in parked_text
    parked_at = lab.subscribers["orders"].guard.history[6].parked_at
    run(lab, "advance 5s\npoison orders off\nreplay-parked orders")
    replayed_at = lab.clock.now()
    text = execute(lab, "trace 6").message
    assert (
        f"orders applied at t={replayed_at:.3f}s, replayed from the parked messages "
        f"(parked at t={parked_at:.3f}s: poison event: it cannot be applied)"
    ) in text
    lane = trace_json(trace(lab, 6))["events"][0]["lanes"]["orders"]
    assert lane["status"] == "applied"
    assert (lane["parked_at"], lane["replayed_at"]) == (round(parked_at, 6), round(replayed_at, 6))
    assert replayed_at > parked_at


def test_a_discarded_event_is_never_shown_as_applied(lab: Lab) -> None:
    run(lab, "discard-parked orders")
    text = execute(lab, "trace 6").message
    assert "orders not applied yet (parked at t=" in text
    assert "discarded: never applied" in text
