"""`cqrs-lab lessons validate`: solutions played headless, problems named, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cqrs_lab.cli import main
from cqrs_lab.lessons import read_lesson, validate_lesson
from tests.lesson_helpers import STEP, write_lesson

NOT_MET = STEP.replace("place-order alice\n", "query orders alice\n")
ALREADY = STEP.replace('event = { type = "OrderPlaced" }', 'caught_up = { projection = "orders" }')


def test_a_good_lesson_has_no_problems(tmp_path: Path) -> None:
    report = validate_lesson(read_lesson(write_lesson(tmp_path)))
    assert report.ok and report.problems == ()


def test_a_solution_that_does_not_meet_its_goal_is_named(tmp_path: Path) -> None:
    path = write_lesson(tmp_path, steps=STEP + NOT_MET.replace("Place it", "Again"))
    (problem,) = validate_lesson(read_lesson(path)).problems
    assert str(problem) == (
        f"{path}: step 2 ('Again'): goal: not met after the solution: see OrderPlaced recorded"
    )


def test_failed_lines_are_shown_with_an_unmet_goal(tmp_path: Path) -> None:
    steps = STEP.replace("add-to-cart alice mug 1\n", "")
    (problem,) = validate_lesson(read_lesson(write_lesson(tmp_path, steps=steps))).problems
    assert problem.step == 1 and problem.field == "goal"
    assert "lines that failed: 'place-order alice' (refused (empty_cart):" in problem.message


def test_a_goal_that_holds_before_the_solution_is_a_problem(tmp_path: Path) -> None:
    (problem,) = validate_lesson(read_lesson(write_lesson(tmp_path, steps=ALREADY))).problems
    assert problem.message == (
        "already holds before the solution is played: "
        "the orders projection has caught up with the head"
    )


def test_a_setup_line_that_fails_is_a_problem(tmp_path: Path) -> None:
    setup = "\nseed 1\nadd-to-cart nobody mug 1\n"
    problems = validate_lesson(read_lesson(write_lesson(tmp_path, setup=setup))).problems
    assert problems[0].field == "setup"
    assert problems[0].message.startswith("'add-to-cart nobody mug 1' failed: refused")


def test_validate_exits_0_when_every_goal_is_met(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_lesson(tmp_path)
    assert main(["lessons", "validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "ok    01-test (1 step)" in out
    assert "1 lesson checked: all goals met" in out


def test_validate_exits_1_for_a_broken_lesson(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_lesson(tmp_path)
    unmet = write_lesson(tmp_path, "02-unmet", steps=NOT_MET)
    broken = write_lesson(tmp_path, "03-broken", steps=STEP.replace("title =", "titel ="))
    assert main(["lessons", "validate", str(good), str(unmet), str(broken)]) == 1
    captured = capsys.readouterr()
    assert "FAIL  02-unmet (1 step)" in captured.out
    assert "3 lessons checked: 2 with problems" in captured.out
    assert f"error: {unmet}: step 1 ('Place it'): goal: not met" in captured.err
    assert f"error: {broken}: step 1: titel: unknown field — did you mean 'title'?" in captured.err


def test_validate_exits_2_without_lessons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lessons", "validate", str(tmp_path)]) == 2
    assert "no lesson files in" in capsys.readouterr().err


def test_list_shows_lessons_with_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CQRS_LAB_LESSONS", str(tmp_path))
    write_lesson(tmp_path)
    assert main(["lessons"]) == 0
    assert main(["lessons", "list"]) == 0
    out = capsys.readouterr().out
    assert "01-test" in out and "new" in out and "1 step    A test" in out
