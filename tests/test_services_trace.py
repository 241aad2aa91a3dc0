"""`trace o1` follows one order across the services (issue 18.3): the outbox row, the
relay's publish, each delivery and what the inbox made of it, each saga step."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rich.console import Console

from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.outcome import Outcome
from cqrs_lab.lab.trace import trace
from cqrs_lab.tui.screens.trace import render_trace
from tests.services_helpers import SHOP, a_lab, run


@pytest.fixture
def lab() -> Iterator[Lab]:
    yield from a_lab()


def hops(outcome: Outcome) -> list[str]:
    return [hop.split(" ", 1)[1] for hop in outcome.data["services"]]


def test_an_order_is_followed_hop_by_hop_to_shipped(lab: Lab) -> None:
    run(lab, "services on", "faults payments dup=1", *SHOP, "place-order alice", "settle")
    (outcome,) = run(lab, "trace o1")
    assert outcome.message.startswith("trace of place-order alice o1")
    seen = hops(outcome)
    expected = [
        "orders: checkout paying (step PaymentRequested)",
        "orders: PaymentRequested recorded in the outbox",
        "orders: the relay published PaymentRequested (PaymentRequested:o1) on the payments lane",
        "payments: PaymentRequested arrived",
        "payments: accepted",
        "payments: PaymentRequested arrived again (a duplicate)",
        "payments: its inbox saw it before: ignored",
        "orders: checkout shipping (step ShipmentRequested)",
        "shipping: ShipmentRequested arrived",
        "orders: checkout shipped (step Shipped)",
        "orders: payment deadline: PaymentTimeout while shipped: nothing to do",
    ]
    positions = [seen.index(hop) for hop in expected]
    assert positions == sorted(positions)
    assert "across the services:" in outcome.message


def test_a_crash_after_commit_shows_where_the_message_waited_or_was_lost(lab: Lab) -> None:
    run(lab, "services on", *SHOP, "crash orders after-commit", "place-order alice", "settle")
    (kept,) = run(lab, "trace o1")
    assert "orders: crashed after commit: PaymentRequested stays in the outbox" in hops(kept)
    run(lab, "outbox off", "add-to-cart alice sku-1 1", "crash orders after-commit")
    run(lab, "place-order alice", "settle")
    (lost,) = run(lab, "trace o2")
    assert "orders: crashed after commit: PaymentRequested never published, lost" in hops(lost)
    assert "orders: checkout cancelled (step TimedOut)" in hops(lost)


def test_a_drop_on_a_lane_between_services_is_a_hop(lab: Lab) -> None:
    run(lab, "services on", "faults shipping drop=1", *SHOP, "place-order alice")
    run(lab, "advance 5s", "faults shipping drop=0", "settle")
    (outcome,) = run(lab, "trace o1")
    assert "shipping: ShipmentRequested dropped on the shipping lane: redelivered later" in hops(
        outcome
    )
    assert "orders: checkout shipped (step Shipped)" in hops(outcome)


def test_without_services_trace_of_an_order_is_its_place_order(lab: Lab) -> None:
    run(lab, *SHOP, "place-order alice", "settle")
    (outcome,) = run(lab, "trace o1")
    assert outcome.message.startswith("trace of place-order alice o1")
    assert outcome.data["services"] == [] and "across the services" not in outcome.message
    unknown = execute(lab, "trace o9")
    assert not unknown.ok and "no recent command" in unknown.message


def test_the_trace_screen_draws_the_hops(lab: Lab) -> None:
    run(lab, "services on", *SHOP, "place-order alice", "settle")
    console = Console(width=120, record=True)
    console.print(render_trace(trace(lab, "o1")))
    drawn = console.export_text()
    assert "across the services" in drawn
    assert "orders: checkout shipped (step Shipped)" in drawn
