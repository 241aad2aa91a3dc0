"""Goals as data: parsing, clear errors, descriptions, and metric paths that match the lab."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lessons.goals import (
    LANE_FIELDS,
    METRIC_COUNTERS,
    METRIC_NUMBERS,
    METRIC_STATS,
    PREDICATES,
    STAT_FIELDS,
    TOP_FIELDS,
    Goal,
    GoalError,
    Group,
    check_metric_path,
    leaves,
    parse_goal,
)
from tests.lab_helpers import new_lab


def errors(raw: object) -> list[tuple[str, str]]:
    with pytest.raises(GoalError) as caught:
        parse_goal(raw)
    return caught.value.problems


def test_groups_nest_and_keep_their_order() -> None:
    goal = parse_goal(
        {
            "in_order": [
                {"event": {"type": "OrderPlaced"}},
                {
                    "any": [
                        {"caught_up": {"projection": "all"}},
                        {"rebuild_completed": {"projection": "orders"}},
                    ]
                },
            ]
        }
    )
    assert isinstance(goal, Group) and goal.kind == "in_order"
    assert [p.key for p in leaves(goal)] == ["event", "caught_up", "rebuild_completed"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {},
            [
                (
                    "",
                    "the goal table is empty: name a predicate ("
                    + ", ".join((*PREDICATES, "all", "any", "in_order"))
                    + ")",
                )
            ],
        ),
        ([1], [("", "a goal is a table of predicates, like { event = { type = ... } }")]),
        ({"all": []}, [("all", "all takes a non-empty list of goal tables: all = [{ ... }]")]),
        (
            {"event": "OrderPlaced"},
            [("event", "event takes a table of fields, like event = { ... }")],
        ),
        (
            {"stale_read": {"view": "carts"}},
            [("stale_read.view", "unknown view 'carts' — did you mean 'cart'?")],
        ),
        (
            {"rejected": {"code": "out-of-stock"}},
            [("rejected.code", "unknown error code 'out-of-stock' — did you mean 'out_of_stock'?")],
        ),
        (
            {"event": {"type": "OrderPlaced", "at_least": 0}},
            [("event.at_least", "Input should be greater than 0")],
        ),
        (
            {"metric": {"path": "lanes.orders.lag", "op": ">=", "value": 1}},
            [
                (
                    "metric.path",
                    "unknown lane field 'lag' in 'lanes.orders.lag' — did you mean 'lag_events' or "
                    "'lag_seconds'?",
                )
            ],
        ),
        (
            {"metric": {"path": "lanes.orders.mode", "op": ">=", "value": "inline"}},
            [("metric", "a word can only be compared with == or != (and without change)")],
        ),
        (
            {"metric": {"path": "head", "op": "=>", "value": 1}},
            [("metric.op", "Input should be '>=', '<=', '==', '!=', '>' or '<'")],
        ),
        (
            {"metric": {"path": "head", "op": ">=", "value": True}},
            [("metric.value", "must be a number (or, for == and !=, a word in quotes)")],
        ),
        (
            {"query_contains": {"view": "orders", "value": 3}},
            [("query_contains.value", 'a value in quotes, or a list of them: ["o1", "paid"]')],
        ),
        (
            {"mean_in_flight": {"projection": "orders"}},
            [("mean_in_flight", "give at_least, at_most or both")],
        ),
        (
            {"any": [{"lag": {"projection": "orders"}}]},
            [("any[1].lag", "give exactly one of events_at_least and seconds_at_least")],
        ),
    ],
)
def test_bad_goals_name_the_field(raw: object, expected: list[tuple[str, str]]) -> None:
    assert errors(raw) == expected


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("lanes", "'lanes' stops early: add one of catalog, carts, orders, sales"),
        (
            "lanes.order.lag_events",
            "unknown lane 'order' in 'lanes.order.lag_events' — did you mean 'orders'?",
        ),
        (
            "metrics.events.OrderPlaced.x",
            "'metrics.events.OrderPlaced.x' goes too deep: 'OrderPlaced' is a single value",
        ),
        (
            "metrics.stale_reads.carts",
            "unknown view 'carts' in 'metrics.stale_reads.carts' — did you mean 'cart'?",
        ),
        ("head.x", "'head.x' goes too deep: 'head' is a single value"),
    ],
)
def test_metric_paths_are_checked_when_loading(path: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_metric_path(path)
    assert str(caught.value) == message


def test_the_metric_schema_matches_the_labs_report() -> None:
    """If the report changes shape, lessons must learn the new paths: fail here first."""
    lab = new_lab()
    try:
        execute(lab, "register alice alice@example.com s3cret-pass")
        report = lab.report()
    finally:
        lab.close()
    assert set(TOP_FIELDS) <= set(report)
    for lane in report["lanes"].values():
        assert set(lane) == set(LANE_FIELDS)
    metrics = report["metrics"]
    assert set(metrics) == {*METRIC_COUNTERS, *METRIC_STATS, *METRIC_NUMBERS}
    for name in METRIC_STATS:
        assert set(metrics[name]) == set(STAT_FIELDS)
    for path in (
        "lanes.orders.lag_events",
        "metrics.events.UserRegistered",
        "metrics.query_cpu_seconds.mean",
    ):
        assert check_metric_path(path) == path


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ({"event": {"type": "OrderPlaced"}}, "see OrderPlaced recorded"),
        ({"event": {"type": "OrderPlaced", "at_least": 3}}, "see OrderPlaced recorded 3 times"),
        ({"rejected": {}}, "have the shop refuse a command"),
        (
            {"rejected": {"code": "out_of_stock"}},
            "have the shop refuse a command with out_of_stock",
        ),
        (
            {"lag": {"projection": "orders", "events_at_least": 1}},
            "the orders projection lags by at least 1 event",
        ),
        (
            {"lag": {"projection": "orders", "seconds_at_least": 2.5}},
            "the orders projection lags by at least 2.5s",
        ),
        ({"caught_up": {"projection": "all"}}, "every projection has caught up with the head"),
        (
            {"in_flight": {"projection": "orders", "at_least": 5}},
            "see at least 5 events in flight on the orders lane",
        ),
        (
            {"query_contains": {"view": "orders", "value": ["o1", "paid"], "source": "crud"}},
            'query orders from the CRUD twin and see "o1", "paid"',
        ),
        ({"queried": {"view": "sales", "behind": True}}, "query sales while it is behind"),
        (
            {"metric": {"path": "lanes.orders.lag_events", "op": ">=", "value": 3}},
            "lanes.orders.lag_events >= 3",
        ),
        ({"concurrency_conflict": {}}, "run into a concurrency conflict"),
        (
            {"duplicate_ignored": {"projection": "sales", "label": "sales shrugs off a copy"}},
            "sales shrugs off a copy",
        ),
    ],
)
def test_every_predicate_describes_itself(raw: dict[str, Any], text: str) -> None:
    goal = parse_goal(raw)
    assert not isinstance(goal, Group)
    assert goal.describe() == text


def test_every_predicate_has_a_description_with_defaults() -> None:
    minimal = {
        "event": {"type": "OrderPlaced"},
        "rejected": {},
        "command_accepted": {"verb": "pay"},
        "concurrency_conflict": {},
        "lag": {"projection": "orders", "events_at_least": 1},
        "caught_up": {"projection": "orders"},
        "in_flight": {"projection": "orders", "at_least": 1},
        "mean_in_flight": {"projection": "orders", "at_most": 3},
        "littles_law": {"projection": "orders"},
        "time_on_lane": {"projection": "orders", "at_least": 1},
        "stale_read": {"view": "orders"},
        "duplicate_ignored": {"projection": "orders"},
        "gap_detected": {"projection": "orders"},
        "filled_from_store": {"projection": "orders"},
        "rebuild_completed": {"projection": "orders"},
        "queried": {"view": "orders"},
        "query_contains": {"view": "orders", "value": "o1"},
        "metric": {"path": "head", "op": ">", "value": 0},
        "prediction_correct": {},
    }
    assert set(minimal) == set(PREDICATES)
    for key, fields in minimal.items():
        goal = parse_goal({key: fields})
        assert not isinstance(goal, Group) and goal.describe()


_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from([*PREDICATES, "all", "any", "in_order", "orders", "type"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    *PREDICATES,
                    "all",
                    "any",
                    "in_order",
                    "projection",
                    "view",
                    "type",
                    "value",
                    "at_least",
                ]
            ),
            inner,
            max_size=3,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(_values)
def test_any_data_makes_a_goal_or_a_goal_error(raw: object) -> None:
    try:
        goal: Goal = parse_goal(raw)
    except GoalError as error:
        assert error.problems and all(message for _, message in error.problems)
    else:
        assert list(leaves(goal))


def test_a_label_beside_a_group_names_the_group() -> None:
    goal = parse_goal(
        {
            "label": "the lane lags, then catches up",
            "in_order": [
                {"lag": {"projection": "orders", "events_at_least": 1}},
                {"caught_up": {"projection": "orders"}},
            ],
        }
    )
    assert isinstance(goal, Group) and goal.describe() == "the lane lags, then catches up"
    nested = parse_goal(
        {"all": [{"label": "both", "any": [{"rejected": {}}, {"concurrency_conflict": {}}]}]}
    )
    assert isinstance(nested, Group)
    inner = nested.items[0]
    assert isinstance(inner, Group) and inner.describe() == "both"


def test_a_label_beside_one_predicate_labels_it() -> None:
    goal = parse_goal({"label": "an order", "event": {"type": "OrderPlaced"}})
    assert not isinstance(goal, Group) and goal.describe() == "an order"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"label": "alone"}, ("", "a label labels a group or predicate beside it: add one")),
        ({"label": 3, "rejected": {}}, ("label", "a label is the checklist text, in quotes")),
    ],
)
def test_a_label_needs_text_and_something_to_label(
    raw: dict[str, Any], problem: tuple[str, str]
) -> None:
    assert errors(raw) == [problem]


def test_a_labelled_top_level_group_is_one_checklist_line() -> None:
    from cqrs_lab.lessons import StepChecker

    lab = new_lab()
    try:
        labelled = StepChecker(
            lab, parse_goal({"label": "both", "rejected": {}, "event": {"type": "OrderPlaced"}})
        )
        plain = StepChecker(lab, parse_goal({"rejected": {}, "event": {"type": "OrderPlaced"}}))
        lines = [(depth, status.description) for depth, status in labelled.status().checklist()]
        assert lines[0] == (0, "both") and len(lines) == 3
        assert len(plain.status().checklist()) == 2
    finally:
        lab.close()
