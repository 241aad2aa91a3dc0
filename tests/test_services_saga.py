"""The checkout saga (issue 18.2): its pure rules (any order of answers, duplicates and
deadlines ends shipped or cancelled, the money taken at most once and given back if the
order was cancelled) and the saga on a lab: decline, timeout in lab time, a late payment
refunded, `query checkouts`, the seeded decline rate. Headless, on a virtual clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.service_performers import services_picture
from cqrs_lab.services import saga
from cqrs_lab.services.saga import PAYMENT_TIMEOUT, State
from tests.services_helpers import SHOP, a_lab, order_status, run, services, stock

ANSWERS = ("PaymentAccepted", "PaymentDeclined", "PaymentTimeout", "Shipped")


@pytest.fixture
def lab() -> Iterator[Lab]:
    yield from a_lab()


def test_the_happy_path_pays_then_ships() -> None:
    checkout, send = saga.start("o1", now=0.0)
    assert (checkout.state, send.type, checkout.deadline) == (State.PAYING, "PaymentRequested", 30)
    paid = saga.react(checkout, "PaymentAccepted", 1.0)
    assert paid.command == "pay" and paid.send == saga.Send("ShipmentRequested", "shipping")
    shipped = saga.react(paid.checkout, "Shipped", 2.0)
    assert shipped.command == "ship" and shipped.checkout.state is State.SHIPPED


def test_a_deadline_not_yet_passed_does_nothing() -> None:
    checkout, _ = saga.start("o1", now=0.0)
    early = saga.react(checkout, "PaymentTimeout", PAYMENT_TIMEOUT - 0.5)
    assert not early.changed and early.checkout == checkout


@given(st.lists(st.sampled_from(ANSWERS), max_size=12), st.floats(0, 100))
def test_any_answers_in_any_order_keep_the_money_and_the_order_consistent(
    answers: list[str], late: float
) -> None:
    """Whatever arrives (with the inbox letting each message through once), an order is
    paid at most once, shipped only after it was paid, and a cancelled order that was
    paid is refunded once."""
    checkout, _ = saga.start("o1", now=0.0)
    commands: list[str] = []
    charged = refunds = 0
    for kind in dict.fromkeys(answers):  # the inbox: each message applies once
        reaction = saga.react(checkout, kind, now=late)
        charged += kind == "PaymentAccepted"
        refunds += reaction.send is not None and reaction.send.type == "RefundRequested"
        if reaction.command:
            commands.append(reaction.command)
        checkout = reaction.checkout
    assert commands.count("pay") <= 1 and commands.count("cancel") <= 1
    assert "pay" not in commands or "cancel" not in commands
    if "ship" in commands:
        assert commands.index("pay") < commands.index("ship")
    if checkout.state is State.CANCELLED:
        assert refunds == charged
    else:
        assert refunds == 0


def test_a_declined_payment_compensates_and_the_checkout_says_so(lab: Lab) -> None:
    run(lab, "services on", "payments decline next", *SHOP, "place-order alice", "settle")
    assert order_status(lab) == "cancelled" and stock(lab) == 10
    (outcome,) = run(lab, "query checkout o1")
    assert outcome.data["rows"] == [
        {
            "order_id": "o1",
            "state": "cancelled",
            "step": "PaymentDeclined",
            "deadline": None,
            "refunded": False,
        }
    ]
    assert "o1 cancelled (step PaymentDeclined)" in outcome.message


def test_no_answer_in_30_lab_seconds_cancels_and_a_late_payment_is_refunded(lab: Lab) -> None:
    run(lab, "services on", "latency payments fixed:20s", *SHOP, "place-order alice")
    (paying,) = run(lab, "query checkouts")
    assert "o1 paying (step PaymentRequested, times out at t=30.0s, in 30.0s)" in paying.message
    run(lab, "advance 29s")
    assert order_status(lab) == "placed"
    run(lab, "advance 2s")  # the deadline passed: the request reached Payments, no answer yet
    assert order_status(lab) == "cancelled" and stock(lab) == 10
    run(lab, "settle")  # the PaymentAccepted arrives after the cancel: the money goes back
    found = services(lab)
    assert found.payments.stream("o1") == ["PaymentAccepted", "PaymentRefunded"]
    (checkout,) = found.checkouts()
    assert (checkout.state, checkout.step, checkout.refunded) == (
        State.CANCELLED,
        "TimedOut",
        True,
    )
    assert order_status(lab) == "cancelled" and lab.metrics.events["OrderPaid"] == 0


def test_an_order_cancelled_by_hand_after_payment_is_refunded(lab: Lab) -> None:
    run(lab, "services on", "latency shipping fixed:5s", *SHOP, "place-order alice")
    run(lab, "advance 2s", "cancel o1", "settle")
    found = services(lab)
    assert order_status(lab) == "cancelled" and stock(lab) == 10
    assert found.payments.stream("o1") == ["PaymentAccepted", "PaymentRefunded"]
    assert found.checkouts()[0].refunded


def test_a_seeded_decline_rate_declines_about_that_share_the_same_each_run() -> None:
    def declined(seed: int) -> list[str]:
        lab = Lab.open(":memory:", seed=seed, password_cost=2)
        try:
            run(lab, "services on", "payments decline rate 0.3", *SHOP[:1])
            run(lab, "add-product sku-1 Mug 1.00 100")
            for _ in range(40):
                run(lab, "add-to-cart alice sku-1 1", "place-order alice")
            run(lab, "settle")
            return [c.order_id for c in services(lab).checkouts() if c.step == "PaymentDeclined"]
        finally:
            lab.close()

    first = declined(3)
    assert first == declined(3) and 4 <= len(first) <= 20


def test_the_picture_counts_the_sagas_by_state(lab: Lab) -> None:
    run(lab, "services on", *SHOP, "place-order alice", "payments decline next")
    run(lab, "add-to-cart alice sku-1 1", "place-order alice")
    assert services_picture(lab).sagas == {"paying": 2}
    run(lab, "settle")
    shown = services_picture(lab)
    assert shown.sagas == {"shipped": 1, "cancelled": 1}
    assert [(c.order_id, c.state) for c in shown.checkouts] == [  # o1's request came first
        ("o1", "cancelled"),
        ("o2", "shipped"),
    ]


def test_query_checkouts_needs_services_and_an_order_it_knows(lab: Lab) -> None:
    refused = execute(lab, "query checkouts")
    assert not refused.ok and "services on first" in refused.message
    run(lab, "services on")
    (empty,) = run(lab, "query checkouts")
    assert empty.message == "checkouts: no checkouts yet"
    unknown = execute(lab, "query checkout o7")
    assert not unknown.ok and "no checkout for order o7" in unknown.message
    bad = execute(lab, "query checkout")
    assert not bad.ok and "which order?" in bad.message


def test_query_checkout_takes_one_order() -> None:
    for lab in a_lab():
        bad = execute(lab, "query checkout o1 o2")
        assert not bad.ok and "one order: query checkout ORDER" in bad.message
        assert bad.data["column"] == 19
