"""The step checker against a live lab: latching, counting from the step's start, order,
resets, deliveries and time averages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lessons import StepChecker
from cqrs_lab.lessons.goals import parse_goal
from tests.lab_helpers import lab_after, run

SHOP = """
seed 1
register alice alice@example.com s3cret-pass
add-product mug "Blue mug" 12.50 100
settle
"""


@pytest.fixture
def lab() -> Iterator[Lab]:
    yield from lab_after(SHOP)


def checker(lab: Lab, raw: dict[str, Any]) -> StepChecker:
    return StepChecker(lab, parse_goal(raw))


def act(lab: Lab, check: StepChecker, script: str) -> bool:
    """Run lines, checking after each (as the lesson run does)."""
    for line in script.strip().splitlines():
        execute(lab, line)
        check.check()
    return check.met


def test_counts_start_with_the_step(lab: Lab) -> None:
    run(lab, "add-to-cart alice mug 1\nplace-order alice")
    check = checker(lab, {"event": {"type": "OrderPlaced"}})
    assert not check.check()
    assert act(lab, check, "add-to-cart alice mug 1\nplace-order alice")


def test_at_least_counts_from_the_step_start(lab: Lab) -> None:
    run(lab, "add-to-cart alice mug 1\nplace-order alice")
    check = checker(lab, {"command_accepted": {"verb": "place-order", "at_least": 2}})
    assert not act(lab, check, "add-to-cart alice mug 1\nplace-order alice")
    assert act(lab, check, "add-to-cart alice mug 1\nplace-order alice")


def test_a_met_predicate_stays_met(lab: Lab) -> None:
    check = checker(lab, {"lag": {"projection": "orders", "events_at_least": 1}})
    assert act(lab, check, "add-to-cart alice mug 1\nplace-order alice")
    run(lab, "settle")
    assert lab.snapshot().lane("orders").lag_events == 0
    assert check.check()


def test_parts_of_a_goal_can_be_met_one_at_a_time(lab: Lab) -> None:
    check = checker(
        lab,
        {"rejected": {"code": "empty_cart"}, "event": {"type": "OrderPlaced"}},
    )
    assert not act(lab, check, "place-order alice")
    assert [s.met for _, s in check.status().checklist()] == [True, False]
    assert act(lab, check, "add-to-cart alice mug 1\nplace-order alice")


def test_in_order_watches_an_item_only_after_the_ones_before(lab: Lab) -> None:
    check = checker(
        lab,
        {
            "in_order": [
                {"event": {"type": "OrderPlaced"}},
                {"caught_up": {"projection": "orders"}},
            ]
        },
    )
    assert not check.check()  # caught up already, but not after an order
    watching = [s.watching for _, s in check.status().checklist()]
    assert watching == [True, True, False]
    assert not act(lab, check, "add-to-cart alice mug 1\nplace-order alice")
    assert act(lab, check, "settle")


def test_in_order_counts_from_when_an_item_is_watched(lab: Lab) -> None:
    check = checker(
        lab,
        {
            "in_order": [
                {"command_accepted": {"verb": "restock"}},
                {"event": {"type": "OrderPlaced"}},
            ]
        },
    )
    assert not act(lab, check, "add-to-cart alice mug 1\nplace-order alice\nrestock mug 1")
    assert act(lab, check, "add-to-cart alice mug 1\nplace-order alice")


def test_any_needs_one_item(lab: Lab) -> None:
    check = checker(
        lab,
        {
            "any": [
                {"rejected": {"code": "out_of_stock"}},
                {"rebuild_completed": {"projection": "sales"}},
            ]
        },
    )
    assert act(lab, check, "rebuild sales")
    (group,) = [s for depth, s in check.status().checklist() if depth == 0]
    assert group.description == "any one of these" and group.met


def test_a_reset_starts_the_counts_again(lab: Lab) -> None:
    check = checker(lab, {"event": {"type": "ProductAdded", "at_least": 2}})
    assert not act(lab, check, 'add-product tea "Green tea" 4.00 5')
    assert not act(lab, check, "reset")
    assert not act(lab, check, 'add-product tea "Green tea" 4.00 5')
    assert act(lab, check, 'add-product pen "Pen" 1.00 5')


def test_only_queries_made_in_the_step_count(lab: Lab) -> None:
    run(lab, "query catalog")
    check = checker(lab, {"query_contains": {"view": "catalog", "value": "blue MUG"}})
    assert not check.check()
    assert act(lab, check, "query catalog")
    crud = checker(lab, {"queried": {"view": "catalog", "source": "crud"}})
    assert not act(lab, crud, "query catalog")
    assert act(lab, crud, "query catalog --crud")


def test_query_contains_wants_every_value_in_one_row(lab: Lab) -> None:
    run(lab, "add-to-cart alice mug 2\nplace-order alice\npay last\nsettle")
    check = checker(lab, {"query_contains": {"view": "orders", "value": ["o1", "paid", "25.00"]}})
    assert act(lab, check, "query orders alice")
    wrong = checker(lab, {"query_contains": {"view": "orders", "value": ["o1", "cancelled"]}})
    assert not act(lab, wrong, "query orders alice")
    totals = checker(lab, {"query_contains": {"view": "sales", "value": ["paid=1", "1"]}})
    assert act(lab, totals, "query sales")


def test_queried_behind_looks_at_the_answers_freshness(lab: Lab) -> None:
    run(lab, "latency sales fixed:5s")
    behind = checker(lab, {"queried": {"view": "sales", "behind": True}})
    assert not act(lab, behind, "query sales")
    assert act(lab, behind, "add-to-cart alice mug 1\nplace-order alice\nquery sales")


def test_deliveries_are_checked_through_the_bus(lab: Lab) -> None:
    """The lesson run calls check after each delivery; here a bus observer does."""
    check = checker(
        lab,
        {
            "in_flight": {"projection": "orders", "at_least": 2},
            "caught_up": {"projection": "carts"},
        },
    )
    run(lab, "latency all fixed:1s")
    lab.bus.add_observer(lambda delivery, outcome: check.check())
    for _ in range(2):
        run(lab, "add-to-cart alice mug 1\nplace-order alice")
    assert check.check() is False  # in flight now, carts behind
    lab.advance(2)
    assert check.met


def test_a_metric_with_change_measures_from_the_step(lab: Lab) -> None:
    run(lab, "query catalog\nquery catalog")
    check = checker(
        lab, {"metric": {"path": "metrics.queries.catalog", "op": "==", "value": 1, "change": True}}
    )
    assert act(lab, check, "query catalog")
    words = checker(lab, {"metric": {"path": "lanes.orders.mode", "op": "==", "value": "inline"}})
    assert act(lab, words, "mode orders inline")


def test_time_averages_are_exact_for_a_steady_stream(lab: Lab) -> None:
    """One restock every 0.5 s on a 2 s catalog lane keeps 4 events in flight on average."""
    run(lab, "latency catalog fixed:2s")
    check = checker(
        lab,
        {
            "mean_in_flight": {
                "projection": "catalog",
                "at_least": 3.9,
                "at_most": 4.1,
                "over_seconds": 10,
            },
            "littles_law": {
                "projection": "catalog",
                "over_seconds": 10,
                "at_least": 3,
                "within": 0.05,
            },
        },
    )
    lab.bus.add_observer(lambda delivery, outcome: (check.observe(delivery), check.check()))
    for _ in range(30):
        run(lab, "restock mug 1")
        check.check()
        lab.advance(0.5)
    assert check.met
    readings = [status.reading for _, status in check.status().checklist()]
    assert readings[0] is not None and readings[0].startswith("4.0 in flight")
    assert readings[1] is not None and readings[1].startswith("measured L = 3.")
    assert "/s x 2.00s = " in readings[1] and "delay averages 2s" in readings[1]


def test_an_idle_lane_never_proves_littles_law(lab: Lab) -> None:
    check = checker(lab, {"littles_law": {"projection": "orders", "over_seconds": 5}})
    run(lab, "advance 20s")
    assert not check.check()


def test_littles_law_holds_with_random_delays_on_an_in_order_lane(lab: Lab) -> None:
    """Exponential delays on a FIFO lane: each delivery waits behind the slower ones sent
    before it, so W (measured) is well above the latency's mean, and L = λ x W holds only
    with the measured W (λ x the mean delay is far too small)."""
    run(lab, "latency catalog exp:1s")
    goal = {
        "littles_law": {"projection": "catalog", "over_seconds": 30, "at_least": 3},
        "time_on_lane": {"projection": "catalog", "at_least": 1.5, "over_seconds": 30},
    }
    check = checker(lab, goal)
    lab.bus.add_observer(lambda delivery, outcome: (check.observe(delivery), check.check()))
    for _ in range(150):
        run(lab, "restock mug 1")
        check.check()
        lab.advance(0.25)
    assert check.met
    law, on_lane = (status.reading for _, status in check.status().checklist())
    assert law is not None and on_lane is not None
    measured_w = float(on_lane.split("W = ")[1].split("s")[0])
    assert measured_w > 1.5 * lab.latencies["catalog"].mean


def test_littles_law_is_not_met_by_the_latency_mean_alone(lab: Lab) -> None:
    """The same run judged with λ x mean delay would be off by far more than 15 %: the
    figure the checklist prints beside it says so."""
    run(lab, "latency catalog exp:1s")
    check = checker(lab, {"littles_law": {"projection": "catalog", "over_seconds": 30}})
    lab.bus.add_observer(lambda delivery, outcome: (check.observe(delivery), check.check()))
    for _ in range(150):
        run(lab, "restock mug 1")
        check.check()
        lab.advance(0.25)
    (reading,) = (status.reading for _, status in check.status().checklist())
    assert reading is not None
    mean_in_flight = float(reading.split("L = ")[1].split(" ")[0])
    rate = float(reading.split("W = ")[1].split("/s")[0])
    assert mean_in_flight > 1.5 * rate * lab.latencies["catalog"].mean


def test_a_loads_queries_are_counted_but_are_not_the_learners_answers(lab: Lab) -> None:
    """`queried` watches the learner's own queries: a load's shoppers count in the metrics
    (queries, stale reads) but never meet it."""
    check = checker(lab, {"queried": {"view": "catalog"}})
    before = sum(lab.metrics.queries.values())
    run(lab, "load 10/s for 10s")
    assert sum(lab.metrics.queries.values()) > before
    assert not check.check()
    assert act(lab, check, "query catalog")
