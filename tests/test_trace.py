"""Causation traces: command -> events -> deliveries per lane -> projection applied, with
lab times, from a lab driven on its virtual clock."""

from __future__ import annotations

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.deliveries import INLINE, Applied
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.trace import LaneTrace, Trace, TraceNotFound, trace
from cqrs_lab.script import ScriptError, ShowTrace, parse_line, trace_target
from cqrs_lab.shop.commands import Restock
from tests.lab_helpers import SHOP_SETUP, new_lab, run

CART = SHOP_SETUP + "add-to-cart alice mug 2\nsettle\n"
PLACED = 6  # OrderPlaced #6, StockReserved #7, CartCheckedOut #8


@pytest.fixture
def lab() -> Lab:
    lab = new_lab(seed=11)
    run(lab, CART)
    return lab


def lane(chain: Trace, position: int, name: str) -> LaneTrace:
    event = next(item for item in chain.events if item.event.position == position)
    return next(item for item in event.lanes if item.lane == name)


def test_a_command_its_events_their_deliveries_and_when_each_projection_applied_them(
    lab: Lab,
) -> None:
    run(lab, "latency orders fixed:2s\nlatency sales fixed:500ms\nplace-order alice\nsettle")
    chain = trace(lab, PLACED)
    assert chain.command == "place-order alice o1"
    assert chain.positions == (6, 7, 8)
    assert chain.focus == PLACED
    assert chain.correlation_id == chain.command_id == chain.causation_id
    placed = chain.events[0]
    assert placed.event.type == "OrderPlaced"
    assert [item.lane for item in placed.lanes] == ["orders", "sales"]
    assert placed.not_sent == ("catalog", "carts")
    orders = lane(chain, PLACED, "orders")
    recorded = placed.event.metadata.recorded_at
    assert orders.sent_at == recorded
    (delivery,) = orders.deliveries
    assert (delivery.kind, delivery.outcome, delivery.effect) == ("first", "delivered", "applied")
    assert delivery.due_at == pytest.approx(recorded + 2.0)
    assert orders.status == "applied"
    assert orders.applied is not None
    assert orders.applied.at == delivery.at == delivery.due_at
    assert orders.applied.how == "delivered"
    assert lane(chain, PLACED, "sales").applied.at == pytest.approx(recorded + 0.5)
    # the same chain by command id, or by the start of one (as the event log shows it)
    assert trace(lab, chain.command_id).positions == chain.positions
    assert trace(lab, chain.command_id[:8]).positions == chain.positions
    assert trace(lab, "#7").focus == 7


def test_an_event_in_flight_shows_when_it_is_due(lab: Lab) -> None:
    run(lab, "latency orders fixed:2s\nplace-order alice\nadvance 1s")
    orders = lane(trace(lab, PLACED), PLACED, "orders")
    assert orders.status == "in flight"
    assert orders.deliveries == () and orders.applied is None
    assert orders.due_at == pytest.approx(orders.sent_at + 2.0)


def test_held_at_the_door_then_released(lab: Lab) -> None:
    run(lab, "hold orders\nplace-order alice\nadvance 5s")
    orders = lane(trace(lab, PLACED), PLACED, "orders")
    assert orders.status == "held at the door"
    assert orders.deliveries[0].effect == "held at the door"
    run(lab, "advance 3s\nrelease orders")
    orders = lane(trace(lab, PLACED), PLACED, "orders")
    assert orders.status == "applied"
    assert orders.applied is not None
    assert orders.applied.how == "released from the door"
    assert orders.applied.at == pytest.approx(lab.clock.now())
    assert orders.applied.at > orders.deliveries[0].at + 2.9


def test_a_lost_event_a_gap_and_the_catch_up(lab: Lab) -> None:
    run(lab, "faults orders drop=1 lost=on\nplace-order alice\nsettle\nfaults orders none")
    orders = lane(trace(lab, PLACED), PLACED, "orders")
    assert orders.status == "lost"
    assert [(d.outcome, d.effect) for d in orders.deliveries] == [("lost", "lost")]
    run(lab, "pay o1\nsettle")
    paid = lane(trace(lab, 9), 9, "orders")
    assert paid.status == "waiting for a gap"
    assert paid.deliveries[0].effect == "waiting for a gap"
    run(lab, "advance 2s\ngaps orders catch-up")
    now = lab.clock.now()
    placed = lane(trace(lab, PLACED), PLACED, "orders").applied
    paid_applied = lane(trace(lab, 9), 9, "orders").applied
    assert placed is not None and paid_applied is not None
    assert (placed.how, placed.at) == ("read from the store", now)
    assert (paid_applied.how, paid_applied.at) == ("once the gap was filled", now)


def test_a_duplicate_is_ignored(lab: Lab) -> None:
    run(lab, "faults orders dup=1\nplace-order alice\nsettle")
    orders = lane(trace(lab, PLACED), PLACED, "orders")
    assert [d.kind for d in orders.deliveries] == ["first", "duplicate"]
    assert [d.effect for d in orders.deliveries] == ["applied", "duplicate ignored"]


def test_an_inline_lane_applies_in_the_commands_transaction(lab: Lab) -> None:
    run(lab, "mode orders inline\nplace-order alice")
    orders = lane(trace(lab, PLACED), PLACED, "orders")
    assert orders.sent_at is None and orders.deliveries == ()
    assert orders.applied is not None
    assert orders.applied.how == INLINE
    assert orders.applied.at == trace(lab, PLACED).recorded_at


def test_events_before_the_session_are_applied_without_times() -> None:
    lab = new_lab(seed=2)
    run(lab, SHOP_SETUP + "settle")
    lab.deliveries.clear()  # as if the lab had been opened on a file holding them
    item = lane(trace(lab, 3), 3, "catalog")
    assert item.status == "applied" and item.applied is None and item.deliveries == ()


def test_a_registration_is_traced_without_its_password(lab: Lab) -> None:
    chain = trace(lab, 1)
    assert chain.command == "register alice alice@example.com"
    assert "s3cret" not in repr(chain)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (99, "no event #99 (the head is #5)"),
        (0, "no event #0"),
        ("nope", "no recent command whose id starts with 'nope'"),
        ("  ", "name an event position"),
    ],
)
def test_what_cannot_be_traced_says_why(lab: Lab, target: int | str, message: str) -> None:
    with pytest.raises(TraceNotFound, match=message.replace("(", r"\(").replace(")", r"\)")):
        trace(lab, target)


def test_the_log_keeps_the_whole_session_and_reset_clears_it(lab: Lab) -> None:
    run(lab, "restock mug 1\n" * 2_100 + "settle")  # #6 .. #2105: past the old 2,000
    first = lab.deliveries.records(6, "catalog")
    assert [r.effect for r in first] == ["applied"]
    assert lab.deliveries.applied(6, "catalog") == Applied(first[0].at, "delivered")
    assert lane(trace(lab, 6), 6, "catalog").applied is not None
    run(lab, "reset")
    assert lab.deliveries.records(8) == ()
    assert lab.deliveries.applied(8, "catalog") is None
    assert lab.deliveries.first is None


DIGITS_ID = "20250101" + "ab" * 12
"""A command id whose first 8 characters, as the event log shows them, are all digits."""


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("6", 6),
        ("#6", 6),
        ("1234567", 1234567),
        ("12345678", "12345678"),  # as long as the start of an id the log shows: an id
        ("#12345678", 12345678),
        ("3f2a9c1e", "3f2a9c1e"),
        ("3f2a", "3f2a"),
        (DIGITS_ID, DIGITS_ID),
    ],
)
def test_a_short_number_is_a_position_and_eight_characters_are_a_command_id(
    text: str, target: int | str
) -> None:
    assert trace_target(text) == target
    assert parse_line(f"trace {text}" if text[0] != "#" else f'trace "{text}"') == ShowTrace(target)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("trace", "missing POSITION|COMMAND_ID"),
        ("trace 4 5", "too many arguments"),
        ('trace "#x"', "neither an event position"),
        ("trace o1.2", "neither an event position"),
    ],
)
def test_a_bad_trace_line_says_why(line: str, message: str) -> None:
    with pytest.raises(ScriptError, match=message):
        parse_line(line)


def test_an_all_digit_command_id_prefix_is_traced_as_a_command(lab: Lab) -> None:
    lab.send(Restock(command_id=DIGITS_ID, sku="mug", quantity=1))
    position = lab.store.head()
    chain = trace(lab, DIGITS_ID[:8])
    assert chain.command_id == DIGITS_ID and chain.positions == (position,)
    assert trace(lab, f"#{position}").command_id == DIGITS_ID
    outcome = execute(lab, f"trace {DIGITS_ID[:8]}")
    assert outcome.ok and outcome.data["command_id"] == DIGITS_ID


def test_the_trace_line_shows_the_chain_as_text_and_data(lab: Lab) -> None:
    run(lab, "latency orders fixed:2s\nplace-order alice\nadvance 1s")
    outcome = execute(lab, f"trace {PLACED}")
    assert outcome.ok
    head, placed, reserved, checked_out = outcome.message.splitlines()
    assert head.startswith("trace of place-order alice o1 (command ")
    assert placed.startswith(f"> #{PLACED} OrderPlaced on order-o1: orders in flight, due t=")
    assert reserved.startswith("  #7 StockReserved on product-mug: catalog ")
    assert checked_out.startswith("  #8 CartCheckedOut on cart-alice: carts ")
    assert outcome.data["focus"] == PLACED
    orders = outcome.data["events"][0]["lanes"]["orders"]
    assert orders["status"] == "in flight" and orders["applied_at"] is None
    assert execute(lab, f"trace {outcome.data['command_id'][:8]}").data == outcome.data | {
        "focus": None
    }


def test_the_trace_line_names_what_it_cannot_find(lab: Lab) -> None:
    outcome = execute(lab, "trace 99")
    assert not outcome.ok and outcome.code == "not_found"
    assert outcome.message == "no event #99 (the head is #5)"
