"""A lesson followed on a lab: setup from clean settings, hints, show me, progress."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lessons import Lesson, LessonRun, Progress, StepMark, read_lesson
from tests.lab_helpers import new_lab
from tests.lesson_helpers import write_lesson

TWO_STEPS = '''
[[steps]]
title = "Fill the cart"
text = "Add a mug."
hints = ["add-to-cart", "add-to-cart alice mug 1"]
solution = "add-to-cart alice mug 1"
[steps.goal]
event = { type = "ItemAddedToCart" }

[[steps]]
title = "Watch it arrive"
text = "Wait for the carts projection."
hints = ["advance 3s"]
solution = """
place-order alice
advance 3s
"""
[steps.goal]
in_order = [
  { event = { type = "OrderPlaced" } },
  { caught_up = { projection = "orders" } },
]
'''


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = new_lab()
    yield lab
    lab.close()


@pytest.fixture
def lesson(tmp_path: Path) -> Lesson:
    return read_lesson(write_lesson(tmp_path, steps=TWO_STEPS))


def test_start_resets_the_lab_and_its_lane_settings(lab: Lab, lesson: Lesson) -> None:
    for line in ("faults orders dup=1", "mode sales inline", "latency carts fixed:9s"):
        execute(lab, line)
    run = LessonRun(lab, lesson)
    outcomes = run.start()
    assert all(outcome.ok for outcome in outcomes)
    lanes = lab.report()["lanes"]
    assert lanes["orders"]["faults"] == "none"
    assert lanes["sales"]["mode"] == "async"
    assert lanes["carts"]["latency"] != "fixed:9s"
    assert lab.head == 2  # the setup's events only
    assert lab.seed == 1


def test_solving_a_step_by_hand_records_it(lab: Lab, lesson: Lesson, tmp_path: Path) -> None:
    progress = Progress.load(tmp_path / "progress.json")
    run = LessonRun(lab, lesson, progress)
    run.start()
    assert not run.solved
    execute(run.lab, "add-to-cart alice mug 1")
    assert run.solved
    assert progress.mark(lesson.id, 0) is StepMark.SOLVED
    assert run.next_step() and run.step_index == 1
    assert Progress.load(progress.path).current(lesson.id) == 1


def test_show_me_marks_the_step_as_shown(lab: Lab, lesson: Lesson, tmp_path: Path) -> None:
    progress = Progress.load(tmp_path / "progress.json")
    run = LessonRun(lab, lesson, progress)
    run.start()
    outcomes = run.play_solution()
    assert [o.line for o in outcomes] == ["add-to-cart alice mug 1"]
    assert run.solved
    assert progress.mark(lesson.id, 0) is StepMark.SHOWN


def test_deliveries_tick_the_goal_without_a_command(lab: Lab, lesson: Lesson) -> None:
    run = LessonRun(lab, lesson)
    run.start(step_index=1)  # replays step 1's solution first
    execute(run.lab, "place-order alice")
    assert not run.solved
    lab.advance(5)  # time passes on its own, as on the screen
    assert run.solved


def test_hints_come_one_at_a_time(lab: Lab, lesson: Lesson) -> None:
    run = LessonRun(lab, lesson)
    run.start()
    assert [run.next_hint(), run.next_hint(), run.next_hint()] == [
        "add-to-cart",
        "add-to-cart alice mug 1",
        None,
    ]
    run.next_step()
    assert run.next_hint() == "advance 3s"
    assert run.previous_step() and not run.previous_step()


def test_a_closed_run_stops_checking(lab: Lab, lesson: Lesson) -> None:
    run = LessonRun(lab, lesson)
    run.start()
    run.close()
    execute(lab, "add-to-cart alice mug 1")
    assert not run.check()
    with pytest.raises(IndexError):
        run.go_to(2)
