"""The rewind is honest for the whole session (issue 15): the delivery log keeps every
position, where its record starts (a lab opened on stored events) is said, not guessed, and
each lane is shown with its settings as they were then."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from cqrs_lab.lab.deliveries import DeliveryLog
from cqrs_lab.lab.time_travel import Timeline
from tests.lab_helpers import SHOP_SETUP, new_lab, run
from tests.test_rewind import STALE  # OrderPlaced #4 travels the orders lane for 5 s


def test_a_stale_moment_thousands_of_events_ago_is_still_shown_stale() -> None:
    with closing(new_lab()) as lab:
        run(lab, STALE + "settle\n" + "restock sku-1 1\n" * 2_100 + "settle")  # past 2,000
        history = Timeline.of(lab).bus
        then = history.at(history.moment_of(4))
        orders = then.lane("orders")
        assert then.recorded
        assert (orders.checkpoint, orders.behind) == (3, 1)
        assert [d.position for d in orders.in_flight] == [4]
        assert history.record_from == 1


def test_events_stored_before_the_lab_opened_are_not_shown_as_known(tmp_path: Path) -> None:
    db = str(tmp_path / "lab.sqlite")
    first = new_lab(db=db)
    run(first, SHOP_SETUP + "settle")  # #1..#4, delivered in the first session
    first.close()
    with closing(new_lab(db=db)) as lab:
        run(lab, "advance 1s\nrestock mug 1\nsettle")  # #5: the first this session saw
        history = Timeline.of(lab).bus
        assert history.record_from == 5
        assert not history.at(history.moment_of(4)).recorded
        assert history.at(history.moment_of(5)).recorded


def test_each_lane_is_shown_with_its_settings_as_they_were_then() -> None:
    with closing(new_lab()) as lab:
        run(lab, SHOP_SETUP + "settle\nlatency orders fixed:2s\nfaults orders dup=0.5")
        run(lab, "hold orders\nadd-to-cart alice mug 1\nplace-order alice\nadvance 3s")
        run(lab, "release orders\nlatency orders zero\nfaults orders none\nmode carts inline")
        run(lab, "capacity sales 5/s\nadd-to-cart bob tea 1\nsettle")
        timeline = Timeline.of(lab)
        history = timeline.bus

        def lanes_at(position: int) -> dict[str, tuple[str, str, str, bool, float | None]]:
            then = history.at(history.moment_of(position))
            picture = then.snapshot(timeline.live, history, paused=True)
            return {
                lane.name: (str(lane.mode), lane.latency, lane.faults, lane.held, lane.capacity)
                for lane in picture.lanes
            }

        placed, later = lanes_at(6), lanes_at(lab.head)
        assert placed["orders"] == ("async", "fixed:2s", "dup=0.5", True, None)
        assert placed["carts"][:2] == ("async", str(lab.latencies["carts"]))
        assert placed["sales"][4] is None
        assert later["orders"] == ("async", "zero", "none", False, None)
        assert later["carts"][:2] == ("inline", "inline")
        assert later["sales"][4] == 5
        live = {lane.name: lane for lane in lab.snapshot().lanes}
        assert later["orders"][1:3] == (live["orders"].latency, live["orders"].faults)


def test_past_its_limit_the_log_forgets_the_oldest_and_says_where_it_starts() -> None:
    with closing(new_lab()) as lab:
        lab.bus.remove_observer(lab.deliveries.observe)
        lab.deliveries = DeliveryLog(lab.clock, lab.subscribers, limit=20)
        lab.bus.add_observer(lab.deliveries.observe)
        run(lab, SHOP_SETUP + "settle\n" + "restock mug 1\nadvance 1s\n" * 30 + "settle")
        first = lab.deliveries.first
        assert first is not None and 5 < first < lab.head
        assert lab.deliveries.applied(5, "catalog") is None  # forgotten, not guessed
        assert lab.deliveries.applied(lab.head, "catalog") is not None
        history = Timeline.of(lab).bus
        assert history.record_from == first
        assert not history.at(history.moment_of(first - 1)).recorded
        assert history.at(history.moment_of(first)).recorded
