"""Services (issue 18): Orders, Payments and Shipping, the transactional outbox and its
relay, the lanes between services and their faults, idempotent consumers (inboxes), a crash
between commit and publish, and a declined payment's compensation. Headless, on a virtual
clock, seeded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.service_performers import services_of
from cqrs_lab.lessons import load_course, validate_lesson
from cqrs_lab.services.messages import LANE, SHIPPING_LANE
from tests.services_helpers import SHOP, a_lab, order_status, run, services, stock


@pytest.fixture
def lab() -> Iterator[Lab]:
    yield from a_lab()


def test_a_placed_order_is_paid_through_the_outbox_the_lane_and_payments(lab: Lab) -> None:
    run(lab, "services on", *SHOP, "place-order alice", "settle")
    assert order_status(lab) == "shipped"
    found = services(lab)
    assert found.payments.stream("o1") == ["PaymentAccepted"]
    assert found.shipping.stream("o1") == ["Shipped"]
    assert found.outbox.relayed == 4 and found.outbox.unpublished() == 0
    assert lab.bus.stats(LANE).delivered == 2 and lab.bus.stats(SHIPPING_LANE).delivered == 2


def test_with_the_outbox_a_crash_after_commit_loses_nothing(lab: Lab) -> None:
    run(lab, "services on", *SHOP, "crash payments after-commit", "place-order alice")
    run(lab, "settle")
    found = services(lab)
    assert order_status(lab) == "shipped"
    assert found.outbox.lost == 0
    assert any("stays in the outbox" in note for note in found.outbox.notes)
    assert any("restarted" in said for said in found.handled)


def test_without_the_outbox_a_crash_after_commit_loses_the_message(lab: Lab) -> None:
    run(lab, "services on", "outbox off", *SHOP, "crash payments after-commit")
    run(lab, "place-order alice", "settle")
    found = services(lab)
    assert found.outbox.lost == 1
    assert found.payments.stream("o1") == ["PaymentAccepted"]  # charged ...
    assert order_status(lab) == "cancelled"  # ... but Orders never heard: its deadline passed
    (checkout,) = found.checkouts()
    assert (checkout.step, checkout.refunded) == ("TimedOut", False)


def test_without_the_outbox_and_no_crash_the_message_still_goes(lab: Lab) -> None:
    run(lab, "services on", "outbox off", *SHOP, "place-order alice", "settle")
    assert order_status(lab) == "shipped" and services(lab).outbox.lost == 0


def test_a_duplicated_message_applies_once(lab: Lab) -> None:
    run(lab, "services on", "faults payments dup=1", *SHOP, "place-order alice", "settle")
    found = services(lab)
    assert found.payments.duplicates == 1 and found.orders.duplicates == 1
    assert found.payments.stream("o1") == ["PaymentAccepted"]  # charged once
    assert lab.metrics.events["OrderPaid"] == 1
    assert order_status(lab) == "shipped"


def test_a_declined_payment_cancels_the_order_and_releases_the_stock(lab: Lab) -> None:
    run(lab, "services on", "payments decline next", *SHOP, "place-order alice", "settle")
    assert order_status(lab) == "cancelled"
    assert stock(lab) == 10
    assert lab.metrics.events["StockReleased"] == 1
    assert services(lab).payments.stream("o1") == ["PaymentDeclined"]


def test_faulty_lanes_lose_nothing_and_charge_no_order_twice(lab: Lab) -> None:
    run(lab, "services on", "faults payments drop=0.2 dup=0.2 reorder=on")
    run(lab, "faults shipping drop=0.2 dup=0.2 reorder=on")
    run(lab, "register alice alice@example.com s3cret-pass", "add-product sku-1 Mug 1.00 100")
    for _ in range(20):
        run(lab, "add-to-cart alice sku-1 1", "place-order alice", "crash payments after-commit")
    run(lab, "settle")
    found = services(lab)
    statuses = {
        row["order_id"]: row["status"] for row in lab.query("orders", "alice").rows.as_dicts()
    }
    assert len(statuses) == 20 and set(statuses.values()) == {"shipped"}
    assert all(found.payments.stream(order) == ["PaymentAccepted"] for order in statuses)
    assert all(found.shipping.stream(order) == ["Shipped"] for order in statuses)
    assert found.outbox.lost == 0 and lab.metrics.events["OrderPaid"] == 20


def test_services_off_by_default_and_reset_turns_them_off(lab: Lab) -> None:
    assert services_of(lab) is None and LANE not in lab.bus.subscriptions
    run(lab, *SHOP, "place-order alice", "settle")
    assert order_status(lab) == "placed"  # one shop: nobody pays for you
    run(lab, "services on")
    assert LANE in lab.bus.subscriptions
    run(lab, "reset")
    assert services_of(lab) is None and LANE not in lab.bus.subscriptions
    assert lab.handler.hooks and all("Orders" not in repr(hook) for hook in lab.handler.hooks)
    run(lab, "services on")
    assert services(lab).outbox.unpublished() == 0 and services(lab).payments.stream("o1") == []


def test_services_off_detaches_and_keeps_the_shop_as_it_was(lab: Lab) -> None:
    run(lab, "services on", "services off", *SHOP, "place-order alice", "settle")
    assert order_status(lab) == "placed" and LANE not in lab.bus.subscriptions


def test_service_lines_need_services_on_and_say_what_is_wrong(lab: Lab) -> None:
    refused = execute(lab, "outbox off")
    assert not refused.ok and "services on first" in refused.message
    refused = execute(lab, "latency shipping fixed:2s")
    assert not refused.ok and "services on first" in refused.message
    bad = execute(lab, "crash billing after-commit")
    assert not bad.ok and "unknown service" in bad.message
    bad = execute(lab, "payments decline later")
    assert not bad.ok and "one of next, rate" in bad.message
    bad = execute(lab, "payments decline rate 1.5")
    assert not bad.ok and "not a rate from 0 to 1" in bad.message


def test_the_lanes_between_services_take_the_lane_lines(lab: Lab) -> None:
    run(lab, "services on", "latency payments fixed:2s", "faults payments drop=0.5")
    run(lab, "latency shipping exp:1s", "faults shipping dup=0.1 reorder=on")
    run(lab, "capacity shipping 5/s")
    assert str(lab.bus.latency(LANE)) == "fixed:2s" and lab.bus.faults(LANE).drop == 0.5
    assert str(lab.bus.latency(SHIPPING_LANE)) == "exp:1s"
    assert lab.bus.faults(SHIPPING_LANE).reorder and lab.bus.capacity(SHIPPING_LANE) == 5
    bad = execute(lab, "latency shipping soon")
    assert not bad.ok and "column" in bad.message


def test_an_existing_lessons_solution_still_passes() -> None:
    course = load_course()
    lesson = next(lesson for lesson in course.lessons if lesson.id.startswith("07"))
    assert validate_lesson(lesson).ok


def test_a_reset_with_services_off_still_empties_their_tables(lab: Lab) -> None:
    run(lab, "services on", *SHOP, "place-order alice", "settle", "services off", "reset")
    run(lab, "services on", *SHOP, "place-order alice", "settle")
    assert order_status(lab) == "shipped"  # the new o1 is not the old one's duplicate
    assert services(lab).payments.duplicates == 0


def test_a_lab_reset_outside_a_line_turns_services_off_too(lab: Lab) -> None:
    run(lab, "services on")
    lab.reset()  # as a lesson does when it starts
    assert services_of(lab) is None and LANE not in lab.bus.subscriptions
    run(lab, *SHOP, "place-order alice", "settle")
    assert order_status(lab) == "placed"


def test_services_status_names_the_outbox_the_inboxes_and_the_last_deliveries(lab: Lab) -> None:
    assert not execute(lab, "services status").ok
    run(lab, "services on", "faults payments dup=1", *SHOP, "place-order alice", "settle")
    (outcome,) = run(lab, "services status")
    assert outcome.data["lost"] == 0 and outcome.data["relayed"] == 4
    assert outcome.data["duplicates"] == {"orders": 1, "payments": 1, "shipping": 0}
    assert "duplicates ignored: orders 1, payments 1, shipping 0" in outcome.message
    assert "orders got PaymentAccepted:o1" in outcome.message


def test_services_off_and_on_again_sends_what_was_on_the_lanes(lab: Lab) -> None:
    run(lab, "services on", "latency payments fixed:1s", *SHOP, "place-order alice")
    run(lab, "advance 1.5s")
    assert services(lab).outbox.unpublished() == 0  # PaymentAccepted is on its way back
    run(lab, "services off", "advance 5s")
    assert order_status(lab) == "placed"
    run(lab, "services on", "settle")
    assert order_status(lab) == "shipped"
    assert services(lab).payments.stream("o1") == ["PaymentAccepted"]


def test_a_checkout_left_waiting_gets_its_deadline_back_when_services_return(lab: Lab) -> None:
    run(lab, "services on", "outbox off", *SHOP, "crash orders after-commit")
    run(lab, "place-order alice", "services off", "advance 40s", "services on", "settle")
    assert order_status(lab) == "cancelled" and stock(lab) == 10
    assert services(lab).checkouts()[0].step == "TimedOut"
