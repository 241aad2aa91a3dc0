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


def test_every_step_has_a_hint_that_says_why_not_only_what_to_type() -> None:
    """Issue 15.5: a hint says why (or what to watch), not only the lines to type."""
    only_typing = re.compile(r"^(type\b|then\b)", re.I)
    for lesson in SHIPPED.lessons:
        for number, step in enumerate(lesson.steps, 1):
            explained = [hint for hint in step.hints if not only_typing.match(hint.strip())]
            assert explained, f"{lesson.id} step {number}: every hint only says what to type"


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


def _lesson(lesson_id: str) -> Lesson:
    return next(lesson for lesson in SHIPPED.lessons if lesson.id == lesson_id)


def test_l01_checks_that_register_puts_nothing_on_any_lane() -> None:
    """Issue 19: UserRegistered travels no lane; the step's goal says so and validate checks it."""
    first = _lesson("01-commands-and-queries").steps[0]
    checks = [p for p in leaves(first.goal) if p.key == "in_flight"]
    assert [(p.projection, p.at_most) for p in checks] == [("all", 0)]  # type: ignore[attr-defined]
    assert "0 in" in first.text and "one dot left for each lane" not in first.text


def test_l06_checks_littles_law_with_random_delays_and_measured_w() -> None:
    steps = _lesson("06-latency-and-littles-law").steps
    random = [
        step
        for step in steps
        if any(line.startswith("latency orders exp:") for line in step.solution)
        and {"littles_law", "time_on_lane"} <= {p.key for p in leaves(step.goal)}
    ]
    assert random, "a step with random delays checks Little's law and the measured W"
    text = " ".join(step.text for step in steps)
    assert "head-of-line blocking" in text and "growing backlog" not in text


def test_l09_checks_that_the_sales_counters_are_orders_in_each_status_now() -> None:
    first = _lesson("09-rebuilding-projections").steps[0]
    values = [p.value for p in leaves(first.goal) if p.key == "query_contains"]  # type: ignore[attr-defined]
    assert ["placed=1", "paid=0", "shipped=1"] in values
    assert "one order placed, one paid" not in first.text


def test_the_corrected_claims_stay_corrected() -> None:
    texts = {lesson.id: " ".join(s.text for s in lesson.steps) for lesson in SHIPPED.lessons}
    assert "Real systems take milliseconds, not seconds" not in texts["04-eventual-consistency"]
    assert "moves the cost from every read to\neach write" not in texts["11-crud-vs-cqrs-at-scale"]
    assert "*almost always*" in texts["11-crud-vs-cqrs-at-scale"]
    assert "re-imposes the order" in texts["08-out-of-order-and-gaps"]


@pytest.mark.parametrize("lesson", SHIPPED.lessons, ids=lambda lesson: lesson.id)
def test_every_solution_meets_its_goal_at_a_learners_pace(lesson: Lesson) -> None:
    report = validate_lesson(lesson, seconds_per_line=4.0)
    assert [str(problem) for problem in report.problems] == []
