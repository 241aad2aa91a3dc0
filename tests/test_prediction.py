"""Predict, then release: the `predict` line, judging at release, and the lesson goal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.prediction import NotHeld, expectation_holds, includes, shows
from cqrs_lab.lessons import StepChecker
from cqrs_lab.lessons.goals import PredictionCorrect, parse_goal
from cqrs_lab.read.views import ViewRows
from cqrs_lab.script import ScriptError, parse_line
from cqrs_lab.script.actions import Expectation, Predict
from tests.lab_helpers import SHOP_SETUP, new_lab, run

ORDER_HELD = (
    SHOP_SETUP
    + """
add-to-cart alice mug 2
settle
hold orders
place-order alice
advance 5s
"""
)


@pytest.fixture
def lab() -> Lab:
    lab = new_lab(seed=5)
    run(lab, ORDER_HELD)
    assert [e.position for e in lab.subscribers["orders"].at_door] == [
        6
    ]  # the lane carries OrderPlaced only
    return lab


# -- the line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "action"),
    [
        (
            "predict orders alice read=0 crud=1",
            Predict("orders", "alice", Expectation("rows", 0), Expectation("rows", 1)),
        ),
        (
            "predict orders alice crud=has:o1 read=no:o1",
            Predict("orders", "alice", Expectation("no", "o1"), Expectation("has", "o1")),
        ),
        (
            "PREDICT sales read=HAS:mug crud=2",
            Predict("sales", None, Expectation("has", "mug"), Expectation("rows", 2)),
        ),
        (
            "predict carts bob read=1 crud=1",
            Predict("cart", "bob", Expectation("rows", 1), Expectation("rows", 1)),
        ),
    ],
)
def test_predict_lines_parse(line: str, action: Predict) -> None:
    assert parse_line(line) == action


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("predict", 9, "predict: missing VIEW"),
        ("predict orders read=1 crud=1", 30, "predict orders: missing USER"),
        ("predict orders alice read=1", 29, "predict: missing crud=EXPECT"),
        ("predict orders alice read=1 read=2 crud=1", 29, "read= is given twice"),
        ("predict orders alice red=1 crud=1", 22, "unknown side 'red'"),
        ("predict orders alice read=maybe crud=1", 22, "read: expected a row count"),
        ("predict orders alice read=-1 crud=1", 22, "read: expected a row count"),
        ("predict orders alice read=hsa:o1 crud=1", 22, "'hsa' is not has or no"),
        ("predict orders alice read=has: crud=1", 22, "has: needs a value"),
        ("predict sales bob read=1 crud=1", 15, "too many arguments"),
        ("predict orders alice bob read=1 crud=1", 22, "too many arguments"),
        ("predict order alice read=1 crud=1", 9, "unknown view 'order'"),
    ],
)
def test_bad_predict_lines_say_where(line: str, column: int, message: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_line(line)
    assert message in caught.value.message
    assert caught.value.column == column


def test_a_misspelt_side_or_kind_gets_a_suggestion() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_line("predict orders alice crd=1 read=1")
    assert caught.value.suggestion == "crud=1"
    with pytest.raises(ScriptError) as caught:
        parse_line("predict orders alice read=hs:o1 crud=1")
    assert caught.value.suggestion == "read=has:o1"


expectations = st.one_of(
    st.builds(Expectation, st.just("rows"), st.integers(0, 1000)),
    st.builds(
        Expectation,
        st.sampled_from(["has", "no"]),
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True),
    ),
)


@given(expectations, expectations)
def test_an_expectation_reads_back_as_written(read: Expectation, crud: Expectation) -> None:
    line = f"predict orders alice read={read} crud={crud}"
    assert parse_line(line) == Predict("orders", "alice", read, crud)


def test_expectations_describe_themselves() -> None:
    assert Expectation("rows", 1).describe() == "1 row"
    assert Expectation("rows", 0).describe() == "0 rows"
    assert Expectation("has", "o1").describe() == "includes o1"
    assert Expectation("no", "o1").describe() == "does not include o1"


# -- judging ----------------------------------------------------------------------------


ORDERS = ViewRows(
    ("order_id", "status", "total_cents", "placed_at"),
    (("o1", "placed", 2500, 1.5), ("o2", "paid", 400, 2.0)),
    (("count", 2),),
)


def test_expectations_hold_against_rows() -> None:
    assert expectation_holds(Expectation("rows", 2), ORDERS)
    assert not expectation_holds(Expectation("rows", 1), ORDERS)
    assert expectation_holds(Expectation("has", "O1"), ORDERS)
    assert expectation_holds(Expectation("has", "25.00"), ORDERS)  # money as shown
    assert expectation_holds(Expectation("no", "o3"), ORDERS)
    assert not expectation_holds(Expectation("no", "paid"), ORDERS)
    assert includes(ORDERS, "2")  # the summary counts too
    assert shows(ORDERS) == "2 rows: o1, o2"
    assert shows(ViewRows(("sku",), ())) == "no rows"


def test_release_judges_each_side(lab: Lab) -> None:
    outcome = execute(lab, "predict orders alice read=0 crud=has:o1")
    assert outcome.ok, outcome.message
    assert "release orders to see who is right" in outcome.message
    assert lab.predictions.made == 1 and lab.predictions.judged == 0

    released = execute(lab, "release orders")
    assert released.data["released"] == 1
    assert released.data["predictions_right"] == [False]
    assert "read model: you said 0 rows, it shows 1 row: o1: ✗ wrong" in released.message
    assert "CRUD: you said includes o1, it shows 1 row: o1: ✓ right" in released.message
    verdict = lab.predictions.last
    assert verdict is not None
    assert (verdict.read_right, verdict.crud_right, verdict.right) == (False, True, False)
    assert verdict.read_answer.checkpoint == 8
    assert lab.predictions.correct == 0 and not lab.predictions.pending
    assert lab.metrics.queries["orders"] == 0  # judging is not the learner's query


def test_a_right_prediction_counts(lab: Lab) -> None:
    run(lab, "predict orders alice read=has:o1 crud=1\nrelease orders")
    assert lab.predictions.correct == 1
    assert lab.predictions.correct_by_view == {"orders": 1}
    assert lab.predictions.last_judged[0].right


def test_a_prediction_waits_for_its_own_lane(lab: Lab) -> None:
    run(lab, "hold sales\npredict orders alice read=1 crud=1\nrelease sales")
    assert lab.predictions.judged == 0 and lab.predictions.last_judged == ()
    run(lab, "predict orders alice read=1 crud=1")  # replaces the one waiting
    assert len(lab.predictions.pending) == 1
    run(lab, "release all")
    assert lab.predictions.judged == 1 and lab.predictions.correct == 1


def test_predicting_needs_a_held_lane() -> None:
    lab = new_lab()
    outcome = execute(lab, "predict orders alice read=0 crud=0")
    assert not outcome.ok
    assert outcome.message == str(NotHeld("orders"))
    assert "hold orders first" in outcome.message
    assert lab.predictions.made == 0


def test_reset_forgets_predictions(lab: Lab) -> None:
    run(lab, "predict orders alice read=1 crud=1\nrelease orders\nreset")
    assert lab.predictions.made == lab.predictions.correct == 0


# -- the lesson goal --------------------------------------------------------------------


def test_the_goal_counts_right_predictions_from_the_step(lab: Lab) -> None:
    run(lab, "predict orders alice read=1 crud=1\nrelease orders")  # before the step
    goal = parse_goal({"prediction_correct": {"view": "orders"}})
    assert isinstance(goal, PredictionCorrect)
    assert goal.describe() == (
        "get a prediction of orders right in the read model and in CRUD when a held lane "
        "is released"
    )
    check = StepChecker(lab, goal)
    assert not check.check()
    run(lab, "hold orders\nadd-to-cart alice tea 1\nplace-order alice\nadvance 5s")
    run(lab, "predict orders alice read=1 crud=2\nrelease orders")  # wrong: read shows 2
    assert not check.check()
    run(lab, "hold orders\npay o2\nadvance 5s\npredict orders alice read=has:paid crud=has:paid")
    run(lab, "release orders")
    assert check.check()


def test_the_goal_describes_its_defaults() -> None:
    assert parse_goal({"prediction_correct": {}}).describe() == (
        "get a prediction right in the read model and in CRUD when a held lane is released"
    )
    assert (
        parse_goal({"prediction_correct": {"at_least": 2}})
        .describe()
        .startswith("get 2 predictions right")
    )
