"""The authoring loop: `lessons new` scaffolds a lesson that validates unedited, `lesson FILE`
opens a file by its path (and `--step N` at a step), extra folders add to the shipped course,
`validate --realtime` plays at a learner's pace, facilitator notes are for instructors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cqrs_lab import cli
from cqrs_lab.commands.lesson import resolve_lesson
from cqrs_lab.lessons import LESSONS_ENV, load_course, read_lesson, validate_lesson
from cqrs_lab.lessons.loader import lesson_files, parse_lesson
from cqrs_lab.lessons.scaffold import scaffold
from cqrs_lab.tui.app import LabApp
from tests.lesson_helpers import step, write_lesson

QUICK_HANDS = step(
    "Read at once",
    "Restock and read the catalog at once.",
    ["restock, then query catalog"],
    "restock mug 1\nquery catalog\n",
    'stale_read = { view = "catalog" }\n',
)
"""A stale read through the catalog lane (under a second by default): only quick hands
get it, or a script."""


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv(LESSONS_ENV, raising=False)
    return tmp_path


def test_lessons_new_writes_a_lesson_that_validates_unedited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mine"
    assert cli.main(["lessons", "new", "12-stale-catalog", "--dir", str(folder)]) == 0
    path = folder / "12-stale-catalog.md"
    assert f"cqrs-lab lesson {path}" in capsys.readouterr().out
    lesson = read_lesson(path)
    assert lesson.id == "12-stale-catalog" and lesson.title == "Stale catalog"
    assert lesson.facilitator is not None
    assert validate_lesson(lesson).ok and validate_lesson(lesson, 4.0).ok
    assert cli.main(["lessons", "validate", str(path)]) == 0
    assert cli.main(["lessons", "validate", "--realtime", str(path)]) == 0


@pytest.mark.parametrize("slug", ["a", "my-lesson", "99-x-2"])
def test_every_slug_scaffolds_a_lesson_that_loads(slug: str) -> None:
    lesson = parse_lesson(scaffold(slug, order=7), Path(f"{slug}.md"))
    assert lesson.id == slug and lesson.order == 7


def test_lessons_new_refuses_a_bad_slug_and_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["lessons", "new", "My_Lesson", "--dir", str(tmp_path)]) == 2
    assert "cannot be a lesson id" in capsys.readouterr().err
    existing = write_lesson(tmp_path, "01-test")
    before = existing.read_text("utf-8")
    assert cli.main(["lessons", "new", "01-test", "--dir", str(tmp_path)]) == 1
    assert "exists already" in capsys.readouterr().err
    assert existing.read_text("utf-8") == before


def test_a_lesson_file_anywhere_opens_by_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_lesson(tmp_path, "77-outside")
    opened: list[tuple[str | None, int | None]] = []

    def run(self: LabApp) -> None:
        opened.append((self.first_lesson.id if self.first_lesson else None, self.first_step))

    monkeypatch.setattr(LabApp, "run", run)
    assert cli.main(["lesson", str(path)]) == 0
    assert cli.main(["lesson", str(path), "--step", "1"]) == 0
    assert cli.main(["lesson", "04-eventual-consistency", "--step", "3"]) == 0
    assert opened == [("77-outside", None), ("77-outside", 0), ("04-eventual-consistency", 2)]
    assert cli.main(["lesson", str(path), "--step", "2"]) == 2
    assert "has steps 1 to 1, not 2" in capsys.readouterr().err
    assert cli.main(["lesson", str(tmp_path / "missing.md")]) == 2
    assert "no lesson file" in capsys.readouterr().err


def test_a_broken_lesson_file_by_path_says_what_is_wrong(tmp_path: Path) -> None:
    path = write_lesson(tmp_path, "78-broken", setup="seed 1\nregistr alice")
    lesson, problem = resolve_lesson(load_course().loaded, str(path))
    assert lesson is None and "cannot be loaded" in problem and "register" in problem


async def test_the_screen_opens_a_lesson_by_path_at_its_step(tmp_path: Path) -> None:
    from cqrs_lab.lab import Lab
    from cqrs_lab.sim.clock import ScaledClock
    from tests.tui.conftest import FakeWall

    steps = QUICK_HANDS.replace("Read at once", "Second") + QUICK_HANDS
    path = write_lesson(tmp_path, "79-two-steps", steps=QUICK_HANDS + steps)
    lab = Lab.open(":memory:", seed=7, clock=ScaledClock(wall=FakeWall()), password_cost=2)
    try:
        lesson, _ = resolve_lesson(load_course().loaded, str(path))
        assert lesson is not None
        app = LabApp(lab, lesson=lesson, lesson_step=1)
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause()
            run = app.lesson.run
            assert run is not None and run.lesson.id == "79-two-steps"
            assert run.step_index == 1 and run.step.title == "Second"
    finally:
        lab.close()


def test_extra_folders_add_to_the_shipped_course(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = {lesson.id for lesson in load_course().lessons}
    write_lesson(tmp_path, "90-extra")
    monkeypatch.setenv(LESSONS_ENV, str(tmp_path))
    both = {lesson.id for lesson in load_course().lessons}
    assert both == shipped | {"90-extra"}


def test_documents_named_in_capitals_are_not_lessons(tmp_path: Path) -> None:
    (tmp_path / "AUTHORING.md").write_text("# a guide\n", "utf-8")
    (tmp_path / "GLOSSARY.md").write_text("# words\n", "utf-8")
    write_lesson(tmp_path, "01-test")
    assert [item.name for item in lesson_files([tmp_path])] == ["01-test.md"]


def test_realtime_validation_fails_a_goal_that_needs_quick_hands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_lesson(tmp_path, "80-quick", steps=QUICK_HANDS)
    lesson = read_lesson(path)
    assert validate_lesson(lesson).ok
    report = validate_lesson(lesson, 4.0)
    (problem,) = report.problems
    assert problem.step == 1 and "at speed 1, with 4s of lab time before each line" in str(problem)
    assert cli.main(["lessons", "validate", str(path)]) == 0
    assert cli.main(["lessons", "validate", "--realtime", str(path)]) == 1
    assert (
        cli.main(["lessons", "validate", "--realtime", "--seconds-per-line", "0.1", str(path)]) == 0
    )


def test_realtime_validation_waits_out_an_advance_frame_by_frame(tmp_path: Path) -> None:
    """A lag of 5 s that an `advance 9s` jumps over is still seen by a learner waiting."""
    goal = (
        "in_order = [\n"
        '  { lag = { projection = "catalog", seconds_at_least = 5 } },\n'
        '  { caught_up = { projection = "catalog" } },\n'
        "]\n"
    )
    steps = step(
        "Watch it lag",
        "Restock, then wait.",
        ["restock mug 1, then wait"],
        "restock mug 1\nadvance 9s\n",
        goal,
    )
    setup = 'seed 1\nlatency catalog fixed:8s\nadd-product mug "Blue mug" 12.50 10\nsettle\n'
    lesson = read_lesson(write_lesson(tmp_path, "81-wait", steps=steps, setup=setup))
    assert not validate_lesson(lesson).ok  # the jump lands after the delivery
    assert validate_lesson(lesson, 4.0).ok


def test_facilitator_notes_are_printed_for_instructors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = (
        '[facilitator]\nduration = "15 min"\nwrong_turns = ["Typing too slowly."]\n'
        'questions = ["Why does it lag?"]\nnotes = "Pause the lab while explaining."\n'
    )
    path = write_lesson(tmp_path, "82-notes", steps=QUICK_HANDS + extra)
    assert cli.main(["lessons", "notes", str(path)]) == 0
    out = capsys.readouterr().out
    for text in ("82-notes", "15 min", "Typing too slowly.", "Why does it lag?", "Pause the lab"):
        assert text in out
    assert cli.main(["lessons", "notes", "nothing-like-it"]) == 2


def test_facilitator_fields_are_checked(tmp_path: Path) -> None:
    extra = '[facilitator]\nduraton = "15 min"\n'
    path = write_lesson(tmp_path, "83-bad-notes", steps=QUICK_HANDS + extra)
    with pytest.raises(Exception, match="duration") as caught:
        read_lesson(path)
    assert "facilitator" in str(caught.value)
