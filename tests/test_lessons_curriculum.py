"""The shipped curriculum: every lesson loads, and every solution meets its goal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cqrs_lab.lessons import Lesson, load_lessons, read_lesson, shipped_course, validate_lesson
from cqrs_lab.lessons.goals import leaves
from cqrs_lab.script import Seed, parse_line

FOLDER = shipped_course()
SHIPPED = load_lessons([FOLDER])


def test_every_shipped_lesson_loads() -> None:
    assert [str(problem) for problem in SHIPPED.problems] == []
    assert len(SHIPPED.lessons) >= 11


def test_lessons_have_distinct_orders_and_seeds() -> None:
    orders = [lesson.order for lesson in SHIPPED.lessons]
    assert len(set(orders)) == len(orders)
    seeds = [
        action.value
        for lesson in SHIPPED.lessons
        for line in lesson.setup
        if isinstance(action := parse_line(line), Seed)
    ]
    assert len(set(seeds)) == len(SHIPPED.lessons)


def test_every_step_says_what_to_look_at_on_screen() -> None:
    places = re.compile(r"event log|event bus|lane|view panel|metrics strip|checklist", re.I)
    for lesson in SHIPPED.lessons:
        for number, step in enumerate(lesson.steps, 1):
            assert places.search(step.text), f"{lesson.id} step {number} names nothing on screen"


def test_the_curriculum_uses_many_predicates() -> None:
    used = {p.key for lesson in SHIPPED.lessons for step in lesson.steps for p in leaves(step.goal)}
    assert {"event", "rejected", "lag", "caught_up", "stale_read", "duplicate_ignored"} <= used
    assert {"rebuild_completed", "query_contains", "metric", "concurrency_conflict"} <= used
    assert "littles_law" in used


@pytest.mark.parametrize("lesson", SHIPPED.lessons, ids=lambda lesson: lesson.id)
def test_every_solution_meets_its_goal(lesson: Lesson) -> None:
    report = validate_lesson(lesson)
    assert [str(problem) for problem in report.problems] == []


def test_the_example_in_the_readme_is_a_valid_lesson(tmp_path: Path) -> None:
    readme = (FOLDER / "README.md").read_text("utf-8")
    example = re.search(r"```markdown\n(.*?)\n```\n", readme, re.S)
    assert example is not None
    path = tmp_path / "12-stale-catalog.md"
    path.write_text(example.group(1) + "\n", "utf-8")
    assert validate_lesson(read_lesson(path)).ok
