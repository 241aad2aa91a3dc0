"""The services' picture (`services_picture`): the read API a screen and lessons draw from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.service_performers import services_picture
from cqrs_lab.services.picture import OFF
from tests.services_helpers import SHOP, a_lab, run


@pytest.fixture
def lab() -> Iterator[Lab]:
    yield from a_lab()


def test_services_off_is_the_off_picture(lab: Lab) -> None:
    assert services_picture(lab) == OFF and not OFF.on


def test_a_message_in_flight_shows_on_its_lane_with_its_ends(lab: Lab) -> None:
    run(lab, "services on", *SHOP, "place-order alice")
    shown = services_picture(lab)
    (lane,) = (lane for lane in shown.lanes if lane.name == "payments")
    assert lane.ends == ("orders", "payments")
    (message,) = lane.in_flight
    assert (message.type, message.order_id, message.destination) == (
        "PaymentRequested",
        "o1",
        "payments",
    )
    assert message.kind == "first" and message.remaining > 0
    assert shown.outbox_relayed == 1 and shown.outbox_pending == 0


def test_after_settling_the_counters_say_what_each_service_did(lab: Lab) -> None:
    run(lab, "services on", "faults payments dup=1", *SHOP, "place-order alice", "settle")
    shown = services_picture(lab)
    boxes = {box.name: box for box in shown.services}
    assert boxes["payments"].handled == 1 and boxes["payments"].duplicates == 1
    assert boxes["payments"].counters["PaymentAccepted"] == 1
    assert boxes["orders"].counters == {"paid": 1, "shipped": 1}
    assert boxes["shipping"].counters == {"Shipped": 1}
    assert shown.inbox_duplicates["orders"] == 1
    assert all(not lane.in_flight for lane in shown.lanes)


def test_an_armed_crash_shows_on_its_service(lab: Lab) -> None:
    run(lab, "services on", "crash payments after-commit")
    boxes = {box.name: box for box in services_picture(lab).services}
    assert boxes["payments"].crashing and not boxes["orders"].crashing
