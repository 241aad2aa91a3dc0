"""Issue 17's lines. Random mixes of them with the shop's (hypothesis): no line raises, a
lane that is behind always says why, and once the poison is lifted and the parked events
replayed, nothing is lost unless it was skipped or discarded on purpose. And each bad one
gives one clear error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cqrs_lab.lab.interpreter import execute
from tests.lab_helpers import SHOP_SETUP, new_lab, run

LINES = [
    "on-error orders retry",
    "on-error orders park",
    "on-error all stop",
    "on-error carts skip",
    "poison orders next",
    "poison all next 2",
    "poison sales OrderPaid",
    "poison orders off",
    "parked all",
    "replay-parked all",
    "discard-parked carts",
    "snapshots every 3",
    "snapshots off",
    "aggregates replay",
    "aggregates cached",
    "cache orders ttl:2s",
    "cache catalog invalidate",
    "cache orders off",
    "replicas orders 2",
    "replicas catalog 3",
    "replicas orders 0",
    "route orders sticky",
    "route catalog at-least-my-position",
    "upcasters off",
    "upcasters on",
    "legacy-register carol carol@example.com",
    "mode orders inline",
    "mode orders async",
    "add-to-cart alice mug 1",
    "add-to-cart carol mug 1",
    "place-order alice",
    "place-order carol",
    "pay last",
    "restock mug 2",
    "query orders alice",
    "query catalog",
    "query orders alice --crud",
    "advance 1500ms",
    "rebuild orders",
    "trace 5",
]


@settings(max_examples=40)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=40))
def test_no_line_raises_and_no_lane_lags_silently(lines: list[str]) -> None:
    lab = new_lab()
    try:
        run(lab, SHOP_SETUP)
        for line in lines:
            outcome = execute(lab, line)
            assert outcome.code != "parse_error", outcome.message
            for lane in lab.snapshot().lanes:
                moving = lane.in_flight or lane.waiting_on_gap or lane.stalled
                assert not lane.lag_events or moving, (line, lane.name)
        run(lab, "upcasters on\npoison all off\non-error all park\nsettle\nreplay-parked all")
        lanes = lab.snapshot().lanes
        assert all(lane.stalled is None and lane.parked == 0 for lane in lanes)
        dropped = sum(lane.guard.skipped + lane.guard.discarded for lane in lanes)
        if not dropped:
            assert execute(lab, "check").ok, execute(lab, "check").message
    finally:
        lab.close()


BAD_LINES = [
    ("on-error orders explode", "unknown error policy 'explode'"),
    ("on-error orders", "on-error"),
    ("poison orders next 0", "N must be from 1 to 100"),
    ("poison orders next 101", "N must be from 1 to 100"),
    ("poison orders off 2", "only 'next' takes a count"),
    ("poison orders Nope", "unknown poison (next, off or an event type) 'Nope'"),
    ("parked nowhere", "unknown lane 'nowhere'"),
    ("replay-parked", "replay-parked"),
    ("discard-parked orders carts", "discard-parked"),
    ("snapshots every 0", "N must be from 1 to 1,000,000"),
    ("snapshots every 1000001", "N must be from 1 to 1,000,000"),
    ("snapshots 100", "write snapshots every N, or snapshots off"),
    ("snapshots every", "write snapshots every N, or snapshots off"),
    ("snapshots off now", "write snapshots every N, or snapshots off"),
    ("aggregates fast", "unknown strategy 'fast' (one of cached, replay)"),
    ("cache orders ttl:0s", "the TTL must be above zero"),
    ("cache orders ttl:soon", "cache"),
    ("cache orders inv", "did you mean 'invalidate'"),
    ("cache orders forever", "unknown cache policy 'forever'"),
    ("cache nowhere off", "unknown view 'nowhere'"),
    ("cache orders", "cache"),
    ("replicas orders 4", "N must be from 0 to 3"),
    ("replicas orders -1", "replicas"),
    ("replicas nowhere 2", "unknown view 'nowhere'"),
    ("replicas orders", "replicas"),
    ("route orders nearest", "unknown route 'nearest'"),
    ("route orders", "route"),
    ("upcasters maybe", "unknown setting 'maybe' (one of on, off)"),
    ("upcasters", "upcasters"),
    ("legacy-register carol", "legacy-register"),
    ("legacy-register carol not-an-email", "'not-an-email' is not a valid email address"),
    ("legacy-register Carol carol@example.com", "username: must be 2-32 characters"),
]
"""(line, what its error says): poison and its lane's error policy, parked events, snapshots
and aggregates, the query cache, replicas and routes, upcasting."""


@pytest.mark.parametrize(("line", "error"), BAD_LINES)
def test_each_bad_line_gives_one_clear_error(line: str, error: str) -> None:
    lab = new_lab()
    try:
        outcome = execute(lab, line)
        assert outcome.code == "parse_error" and error in outcome.message, outcome.message
        assert "\n" not in outcome.message
    finally:
        lab.close()
