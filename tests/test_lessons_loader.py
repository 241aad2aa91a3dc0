"""Loading lesson files: every problem names the file, the step and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cqrs_lab.lessons import LessonError, load_lessons, read_lesson
from cqrs_lab.lessons.goals import EventSeen, Group, Lag
from cqrs_lab.lessons.loader import parse_lesson
from tests.lesson_helpers import STEP, lesson_text, write_lesson


def problems(path: Path) -> list[str]:
    with pytest.raises(LessonError) as caught:
        read_lesson(path)
    return [str(problem) for problem in caught.value.problems]


def test_a_lesson_loads_with_its_parts(tmp_path: Path) -> None:
    lesson = read_lesson(write_lesson(tmp_path))
    assert lesson.id == "01-test"
    assert lesson.intro == "The introduction."
    assert lesson.source == tmp_path / "01-test.md"
    (step,) = lesson.steps
    assert step.solution == ("add-to-cart alice mug 1", "place-order alice")
    assert step.goal == EventSeen(type="OrderPlaced")
    assert lesson.setup[0] == "seed 1"


def test_comments_and_blank_lines_leave_the_scripts(tmp_path: Path) -> None:
    setup = "\n# the shop\nseed 3\n\nregister alice alice@example.com s3cret-pass  # her\n"
    lesson = read_lesson(write_lesson(tmp_path, setup=setup))
    assert lesson.setup == ("seed 3", "register alice alice@example.com s3cret-pass  # her")


def test_a_goal_table_with_several_predicates_means_all_of_them(tmp_path: Path) -> None:
    steps = STEP.replace(
        'event = { type = "OrderPlaced" }',
        'event = { type = "OrderPlaced" }\nlag = { projection = "orders", events_at_least = 1 }',
    )
    goal = read_lesson(write_lesson(tmp_path, steps=steps)).steps[0].goal
    assert isinstance(goal, Group) and goal.kind == "all"
    assert goal.items == (
        EventSeen(type="OrderPlaced"),
        Lag(projection="orders", events_at_least=1),
    )


def test_an_unknown_predicate_names_file_step_and_field(tmp_path: Path) -> None:
    steps = STEP.replace("event = {", "evnt = {")
    path = write_lesson(tmp_path, steps=steps)
    assert problems(path) == [
        f"{path}: step 1 ('Place it'): goal.evnt: unknown predicate 'evnt' — did you mean 'event'?"
    ]


def test_bad_fields_inside_groups_are_each_named(tmp_path: Path) -> None:
    steps = STEP.replace(
        'event = { type = "OrderPlaced" }',
        "all = [\n"
        '  { event = { type = "OrderPlace" } },\n'
        '  { lag = { projection = "orders", events_at_least = 1, seconds_at_least = 2 } },\n'
        '  { caught_up = { projction = "orders" } },\n'
        "]",
    )
    path = write_lesson(tmp_path, steps=steps)
    where = f"{path}: step 1 ('Place it'): "
    assert problems(path) == [
        where + "goal.all[1].event.type: unknown event type 'OrderPlace' — did you mean "
        "'OrderPlaced'?",
        where + "goal.all[2].lag: give exactly one of events_at_least and seconds_at_least",
        where + "goal.all[3].caught_up.projection: this field is required",
        where + "goal.all[3].caught_up.projction: unknown field — did you mean 'projection'?",
    ]


def test_a_missing_step_field_is_named(tmp_path: Path) -> None:
    path = write_lesson(
        tmp_path, steps=STEP.replace('hints = ["add-to-cart, then place-order"]\n', "")
    )
    assert problems(path) == [f"{path}: step 1 ('Place it'): hints: this field is required"]


def test_a_missing_lesson_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "01-test.md"
    path.write_text(lesson_text().replace('summary = "For tests."\n', ""), "utf-8")
    assert problems(path) == [f"{path}: summary: this field is required"]


def test_a_misspelt_step_field_gets_a_suggestion(tmp_path: Path) -> None:
    path = write_lesson(tmp_path, steps=STEP.replace("hints =", "hint ="))
    assert f"{path}: step 1 ('Place it'): hint: unknown field — did you mean 'hints'?" in problems(
        path
    )


def test_a_bad_solution_line_names_line_and_column(tmp_path: Path) -> None:
    path = write_lesson(tmp_path, steps=STEP.replace("place-order alice\n", "plce-order alice\n"))
    assert problems(path) == [
        f"{path}: step 1 ('Place it'): solution: line 2, column 1: unknown command "
        "'plce-order' — did you mean 'place-order'?"
    ]


def test_bad_toml_names_the_line_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "01-test.md"
    path.write_text(lesson_text().replace('title = "A test"', "title = A test"), "utf-8")
    (message,) = problems(path)
    assert message.startswith(f"{path}: line 3, column 9: bad TOML: ")


def test_a_file_without_front_matter_says_so(tmp_path: Path) -> None:
    path = tmp_path / "01-test.md"
    path.write_text("# Just Markdown\n", "utf-8")
    assert problems(path) == [
        f"{path}: line 1: a lesson file starts with a line '+++' (front matter)"
    ]
    path.write_text("+++\nid = 'x'\n", "utf-8")
    assert "no closing '+++' line" in problems(path)[0]


def test_the_setup_must_set_a_seed(tmp_path: Path) -> None:
    path = write_lesson(tmp_path, setup="\nregister alice alice@example.com s3cret-pass\n")
    assert problems(path) == [
        f"{path}: setup: add a line 'seed N' (any whole number) so the lesson replays the same way"
    ]


def test_the_id_must_match_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "02-other.md"
    path.write_text(lesson_text("01-test"), "utf-8")
    assert problems(path) == [f"{path}: id: '01-test' must match the file name '02-other'"]
    bad = tmp_path / "Bad_Id.md"
    bad.write_text(lesson_text("Bad_Id"), "utf-8")
    assert problems(bad) == [
        f"{bad}: id: use lowercase letters, digits and single hyphens, like 03-projections"
    ]


def test_the_loader_fills_intro_and_source_itself(tmp_path: Path) -> None:
    path = write_lesson(tmp_path, extra='intro = "no"\n')
    assert problems(path) == [f"{path}: intro: is not a front matter field: the loader sets it"]


def test_load_lessons_sorts_reports_and_skips_the_readme(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Writing lessons\n", "utf-8")
    second = tmp_path / "02-second.md"
    second.write_text(lesson_text("02-second").replace("order = 1", "order = 0"), "utf-8")
    write_lesson(tmp_path, "01-first")
    broken = write_lesson(tmp_path, "03-broken", steps=STEP.replace("event", "evnt"))
    result = load_lessons([tmp_path, tmp_path / "04-missing.md"])
    assert [lesson.id for lesson in result.lessons] == ["02-second", "01-first"]
    assert [problem.path for problem in result.problems] == [broken, tmp_path / "04-missing.md"]


def test_the_same_lesson_twice_is_a_problem(tmp_path: Path) -> None:
    path = write_lesson(tmp_path)
    result = load_lessons([path, path])
    assert len(result.lessons) == 1
    assert [problem.field for problem in result.problems] == ["id"]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_loads_or_raises_a_lesson_error(text: str) -> None:
    try:
        parse_lesson("+++\n" + text + "\n+++\n", Path("01-x.md"))
    except LessonError as error:
        assert error.problems


ONLY_COMMENTS = STEP.replace("add-to-cart alice mug 1\nplace-order alice\n", "# nothing\n")


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (STEP.replace('["add-to-cart, then place-order"]', "[]"), "hints: give at least one hint"),
        (ONLY_COMMENTS, 'solution: give at least one lab line: it is what "show me" plays'),
        (
            STEP.replace('"Place an order."', '"  "'),
            "text: String should have at least 1 character",
        ),
    ],
)
def test_empty_step_fields_are_refused(tmp_path: Path, steps: str, message: str) -> None:
    path = write_lesson(tmp_path, steps=steps)
    assert problems(path) == [f"{path}: step 1 ('Place it'): {message}"]
