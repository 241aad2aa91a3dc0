"""Goals that check causal order (issue 15.5): a count with `while` grows only by what
happened while a state held, so "an order placed while the orders projection is inline"
is not met by an order placed before the switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lessons import StepChecker, load_lessons, shipped_course
from cqrs_lab.lessons.goals import GoalError, parse_goal
from tests.lab_helpers import lab_after, run
from tests.lesson_helpers import SETUP
from tests.test_lessons_checker import act

INLINE = {"path": "lanes.orders.mode", "op": "==", "value": "inline"}
PLACED_INLINE = {"command_accepted": {"verb": "place-order", "while": INLINE}}


@pytest.fixture
def lab() -> Iterator[Lab]:
    yield from lab_after(SETUP)


def test_an_order_placed_before_the_switch_does_not_count(lab: Lab) -> None:
    checker = StepChecker(lab, parse_goal(PLACED_INLINE))
    assert not act(lab, checker, "add-to-cart alice mug 1\nplace-order alice")
    assert not act(lab, checker, "mode orders inline\nquery orders alice")
    assert act(lab, checker, "add-to-cart alice mug 1\nplace-order alice")


def test_an_order_placed_while_inline_counts_after_switching_back(lab: Lab) -> None:
    goal = parse_goal({"command_accepted": {"verb": "place-order", "while": INLINE, "at_least": 2}})
    checker = StepChecker(lab, goal)
    script = "mode orders inline\nadd-to-cart alice mug 1\nplace-order alice\nmode orders async"
    assert not act(lab, checker, script + "\nadd-to-cart alice mug 1\nplace-order alice")
    assert act(lab, checker, "mode orders inline\nadd-to-cart alice mug 1\nplace-order alice")


def test_the_checklist_says_while_what(lab: Lab) -> None:
    checker = StepChecker(lab, parse_goal(PLACED_INLINE))
    assert checker.unmet() == ['have place-order accepted while lanes.orders.mode == "inline"']


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"path": "lanes.orders.mod", "op": "==", "value": "inline"}, "did you mean 'mode'?"),
        ({"path": "lanes.orders.mode", "op": ">", "value": "inline"}, "only be compared with =="),
        ({"path": "lanes.orders.mode", "op": "==", "value": "inline", "change": True}, "unknown"),
    ],
)
def test_a_bad_while_is_named(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(GoalError, match=problem):
        parse_goal({"command_accepted": {"verb": "place-order", "while": raw}})


def test_lesson_5_checks_the_order_was_placed_while_inline(lab: Lab) -> None:
    shipped = load_lessons([shipped_course()]).lessons
    (lesson,) = [item for item in shipped if item.id.startswith("05-")]
    step = lesson.steps[1]
    wrong = StepChecker(lab, step.goal)  # the right lines, in the wrong order
    order = "add-to-cart alice mug 1\nplace-order alice"
    assert not act(lab, wrong, f"{order}\nmode orders inline\nquery orders alice")
    run(lab, "mode orders async\nsettle")
    right = StepChecker(lab, step.goal)
    assert act(lab, right, f"mode orders inline\n{order}\nquery orders alice")
