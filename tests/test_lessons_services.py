"""The services in lesson goals (issue 18): `services.…` metric paths read the services' part
of the lab's report, and the four services lessons play to their goals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lessons.goals.metric import check_metric_path, read_metric
from cqrs_lab.lessons.goals.services_paths import COUNTS, OWN_DATA

SHOP = (
    "register alice alice@example.com s3cret-pass",
    'add-product mug "Blue mug" 12.50 10',
    "add-to-cart alice mug 1",
)


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = Lab.open(":memory:", seed=7, password_cost=2)
    yield lab
    lab.close()


def run(lab: Lab, *lines: str) -> None:
    for line in lines:
        outcome = execute(lab, line)
        assert outcome.ok, outcome.message


def test_services_off_leave_the_report_as_it_was(lab: Lab) -> None:
    run(lab, *SHOP)
    assert "services" not in lab.report()
    assert read_metric(lab.report(), "services.outbox.lost") == 0


def test_a_shipped_checkout_and_a_declined_one_in_the_report(lab: Lab) -> None:
    run(lab, "services on", "payments faults dup=1", *SHOP, "place-order alice", "settle")
    run(lab, "payments decline next", "add-to-cart alice mug 1", "place-order alice", "settle")
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
