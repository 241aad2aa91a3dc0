"""The services in lesson goals (issue 18): `services.…` metric paths read the services' part
of the lab's report, and the four services lessons play to their goals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lessons import load_lessons, shipped_course, validate_lesson
from cqrs_lab.lessons.goals.metric import check_metric_path, read_metric
from cqrs_lab.lessons.goals.services_paths import COUNTS, OWN_DATA
from tests.services_helpers import SHOP, a_lab, order_status, run


@pytest.fixture
def lab() -> Iterator[Lab]:
    yield from a_lab()


def test_services_off_leave_the_report_as_it_was(lab: Lab) -> None:
    run(lab, *SHOP)
    assert "services" not in lab.report()
    assert read_metric(lab.report(), "services.outbox.lost") == 0


def test_a_shipped_checkout_and_a_declined_one_in_the_report(lab: Lab) -> None:
    run(lab, "services on", "payments faults dup=1", *SHOP, "place-order alice", "settle")
    run(lab, "payments decline next", "add-to-cart alice sku-1 1", "place-order alice", "settle")
    report = lab.report()
    assert report["services"]["sagas"] == {"shipped": 1, "cancelled": 1}
    assert read_metric(report, "services.payments.PaymentAccepted") == 1
    assert read_metric(report, "services.payments.PaymentDeclined") == 1
    assert read_metric(report, "services.orders.cancelled") == 1
    assert read_metric(report, "services.payments.duplicates") == 2
    assert read_metric(report, "services.outbox.on") == "on"
    for service, fields in report["services"].items():  # every field has a checked path
        if service in OWN_DATA:
            assert set(fields) <= {*COUNTS, *OWN_DATA[service]}
            for name in fields:
                assert check_metric_path(f"services.{service}.{name}")


def test_without_the_outbox_the_lost_message_is_counted(lab: Lab) -> None:
    run(lab, "services on", "outbox off", "crash payments after-commit", *SHOP)
    run(lab, "place-order alice", "settle")
    report = lab.report()
    assert read_metric(report, "services.outbox.lost") == 1
    assert read_metric(report, "services.outbox.on") == "off"
    assert read_metric(report, "services.payments.PaymentAccepted") == 1  # charged...
    assert read_metric(report, "services.timed_out") == 1  # ...yet the saga never heard it
    assert read_metric(report, "services.sagas.cancelled") == 1


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("services.outbox.los", "did you mean 'lost'"),
        ("services.payments.Shipped", "unknown payments field 'Shipped'"),
        ("services.sagas", "stops early"),
        ("services.timed_out.x", "goes too deep"),
        ("services.bank", "unknown services section 'bank'"),
    ],
)
def test_a_wrong_services_path_says_what_is_wrong(path: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        check_metric_path(path)


# -- the four lessons, played step by step ---------------------------------------------

COURSE = {lesson.id: lesson for lesson in load_lessons([shipped_course()]).lessons}
SERVICES_LESSONS = (
    "21-transactional-outbox",
    "22-idempotent-consumer",
    "23-saga-compensation",
    "24-paid-but-unpaid",
)


@contextmanager
def lesson_lab(lesson_id: str) -> Iterator[tuple[Lab, Iterator[dict[str, Any]]]]:
    """A fresh lab through the lesson's setup, and its steps: each plays its solution and
    gives the lab's report after it."""
    lesson = COURSE[lesson_id]
    lab = Lab.open(":memory:", seed=1, password_cost=2)

    def steps() -> Iterator[dict[str, Any]]:
        for step in lesson.steps:
            run(lab, *step.solution)
            yield lab.report()

    try:
        run(lab, *lesson.setup)
        yield lab, steps()
    finally:
        lab.close()


@pytest.mark.parametrize("lesson_id", SERVICES_LESSONS)
def test_each_services_lesson_validates_headless_and_at_a_learners_pace(lesson_id: str) -> None:
    lesson = COURSE[lesson_id]
    assert len(lesson.steps) >= 3
    for seconds in (0.0, 4.0):
        report = validate_lesson(lesson, seconds_per_line=seconds)
        assert [str(problem) for problem in report.problems] == []


def test_the_outbox_lesson_loses_a_paid_order_then_keeps_the_next() -> None:
    with lesson_lab("21-transactional-outbox") as (lab, steps):
        report = next(steps)  # save, then publish: charged, the answer lost
        assert report["services"]["outbox"]["lost"] == 1
        assert report["services"]["payments"]["PaymentAccepted"] == 1
        report = next(steps)  # the saga gave up on it
        assert report["services"]["timed_out"] == 1 and order_status(lab, "o1") == "cancelled"
        report = next(steps)  # with the outbox the crash loses nothing
        assert report["services"]["outbox"]["lost"] == 1 and order_status(lab, "o2") == "shipped"


def test_the_idempotent_consumer_lesson_applies_every_duplicate_once() -> None:
    with lesson_lab("22-idempotent-consumer") as (lab, steps):
        *_, report = steps
        services = report["services"]
        assert all(services[name]["duplicates"] >= 1 for name in ("orders", "payments", "shipping"))
        assert services["payments"]["PaymentAccepted"] == services["shipping"]["Shipped"] == 3
        assert report["metrics"]["events"]["OrderPaid"] == 3
        assert "its inbox saw it before: ignored" in execute(lab, "trace o1").message


def test_the_saga_lesson_ends_every_checkout_shipped_or_cancelled_with_stock_back() -> None:
    with lesson_lab("23-saga-compensation") as (lab, steps):
        *_, report = steps
        assert report["services"]["sagas"] == {"shipped": 1, "cancelled": 2}
        assert report["services"]["timed_out"] == 1
        assert report["services"]["payments"]["PaymentRefunded"] == 1
        (mug,) = lab.query("catalog").rows.as_dicts()
        assert mug["available"] == 9  # only the shipped order's mug is gone


def test_the_paid_but_unpaid_lesson_shows_both_lags() -> None:
    with lesson_lab("24-paid-but-unpaid") as (lab, steps):
        report = next(steps)
        assert report["metrics"]["events"]["OrderPaid"] == 1 and order_status(lab, "o1") == "placed"
        next(steps)
        assert order_status(lab, "o1") == "shipped"
        report = next(steps)
        assert lab.query("orders", "alice").behind_events == 0  # caught up...
        assert order_status(lab, "o2") == "placed"  # ...and unpaid
        assert report["services"]["payments"]["PaymentAccepted"] == 2
        assert report["services"]["sagas"]["paying"] == 1
