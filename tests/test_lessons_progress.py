"""Progress: saved atomically, survives a restart, and a damaged file never crashes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cqrs_lab.lessons import LessonStatus, Progress, StepMark, read_lesson
from cqrs_lab.lessons.progress import PROGRESS_FILE, default_path, lock_path
from tests.lesson_helpers import STEP, write_lesson


def test_progress_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    progress = Progress.load(path)
    progress.record("01-test", 0, StepMark.SOLVED)
    progress.record("01-test", 1, StepMark.SHOWN)
    progress.set_current("01-test", 1)
    again = Progress.load(path)
    assert again.mark("01-test", 0) is StepMark.SOLVED
    assert again.mark("01-test", 1) is StepMark.SHOWN
    assert again.mark("01-test", 2) is None
    assert again.current("01-test") == 1
    assert again.current("02-other") == 0
    assert again.notice is None
    assert json.loads(path.read_text("utf-8"))["lessons"]["01-test"]["steps"] == {
        "1": "solved",
        "2": "shown",
    }
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [lock_path(path).name, "progress.json"]  # no temporary left


def test_solved_is_never_downgraded_to_shown(tmp_path: Path) -> None:
    progress = Progress.load(tmp_path / "progress.json")
    progress.record("01-test", 0, StepMark.SOLVED)
    progress.record("01-test", 0, StepMark.SHOWN)
    assert progress.mark("01-test", 0) is StepMark.SOLVED
    progress.record("01-test", 1, StepMark.SHOWN)
    progress.record("01-test", 1, StepMark.SOLVED)
    assert progress.mark("01-test", 1) is StepMark.SOLVED


def test_status_of_a_lesson(tmp_path: Path) -> None:
    lesson = read_lesson(write_lesson(tmp_path, steps=STEP + STEP))
    progress = Progress.load(tmp_path / "progress.json")
    assert progress.status(lesson) is LessonStatus.NEW
    progress.set_current(lesson.id, 0)
    assert progress.status(lesson) is LessonStatus.STARTED
    progress.record(lesson.id, 0, StepMark.SOLVED)
    progress.record(lesson.id, 1, StepMark.SHOWN)
    assert progress.status(lesson) is LessonStatus.DONE
    progress.forget(lesson.id)
    assert Progress.load(progress.path).status(lesson) is LessonStatus.NEW


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "it is not valid JSON"),
        ('{"version": 1, "lessons": {"x": {"steps": {"1": "done"}}}}', "it does not hold lesson"),
        ("[1, 2]", "it does not hold lesson progress"),
    ],
)
def test_a_damaged_file_is_moved_aside(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "progress.json"
    path.write_text(content, "utf-8")
    progress = Progress.load(path)
    aside = tmp_path / "progress.json.damaged"
    assert aside.read_text("utf-8") == content
    assert progress.notice is not None
    assert reason in progress.notice and str(aside) in progress.notice
    progress.record("01-test", 0, StepMark.SOLVED)
    assert Progress.load(path).mark("01-test", 0) is StepMark.SOLVED
    path.write_text(content, "utf-8")
    Progress.load(path)
    assert (tmp_path / "progress.json.damaged-2").read_text("utf-8") == content


def test_a_failed_save_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", "utf-8")
    progress = Progress.load(blocker / "progress.json")
    progress.record("01-test", 0, StepMark.SOLVED)
    assert progress.notice is not None
    assert progress.notice.startswith("could not save your lesson progress")
    assert progress.mark("01-test", 0) is StepMark.SOLVED


def test_the_data_dir_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(tmp_path))
    assert default_path() == tmp_path / PROGRESS_FILE
    Progress.load().record("01-test", 0, StepMark.SHOWN)
    assert (tmp_path / PROGRESS_FILE).exists()


def test_solved_and_shown_are_counted_apart(tmp_path: Path) -> None:
    lesson = read_lesson(write_lesson(tmp_path, steps=STEP + STEP + STEP))
    progress = Progress.load(tmp_path / "progress.json")
    assert progress.marks(lesson) == (0, 0)
    progress.record(lesson.id, 0, StepMark.SOLVED)
    progress.record(lesson.id, 2, StepMark.SHOWN)
    assert progress.marks(lesson) == (1, 1)


def test_lessons_list_says_how_many_steps_were_solved_and_shown(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cqrs_lab.cli import main as cli_main

    progress = Progress.load()
    progress.record("01-commands-and-queries", 0, StepMark.SOLVED)
    progress.record("01-commands-and-queries", 1, StepMark.SHOWN)
    assert cli_main(["lessons", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    (line,) = [row for row in listed if row.startswith("01-commands-and-queries")]
    assert line.split()[1] == "started" and line.endswith("(1 solved, 1 shown)")
    (other,) = [row for row in listed if row.startswith("02-")]
    assert "solved" not in other and "shown" not in other
