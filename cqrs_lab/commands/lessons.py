"""`cqrs-lab lessons list|validate [PATH...]`: the curriculum, headless.

Without PATHs: the course shipped in the package, then the extra folders of
$CQRS_LAB_LESSONS and the config file; `list` shows each folder with its lessons.

Exit status: 0 all good; 1 a lesson has problems (it does not load, or a solution does not
meet its goal); 2 no lesson files were found.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cqrs_lab.commands.output import quiet_broken_pipe

if TYPE_CHECKING:
    from cqrs_lab.lessons import Course, Lesson, LessonProblem

HELP = "list the lessons, or validate them by playing every solution headless"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="lessons_action", metavar="ACTION")
    for name, text in (
        ("list", "list the lessons, with your progress (the default)"),
        ("validate", "load every lesson and play each step's solution on a fresh lab"),
    ):
        action = actions.add_parser(name, help=text, description=text)
        action.add_argument(
            "paths",
            nargs="*",
            type=Path,
            metavar="PATH",
            help="lesson files or folders (default: the shipped course and the extra folders)",
        )


@quiet_broken_pipe
def main(args: argparse.Namespace) -> int:
    from cqrs_lab.lessons.sources import given_folders, load_course

    paths = getattr(args, "paths", None)
    course = load_course(given_folders(paths) if paths else None)
    if course.note:
        print(f"note: {course.note}", file=sys.stderr)
    loaded = course.loaded
    if not loaded.lessons and not loaded.problems:
        where = ", ".join(str(folder.root) for folder in course.folders)
        print(f"cqrs-lab lessons: no lesson files in {where}", file=sys.stderr)
        return 2
    for problem in loaded.problems:
        print(f"error: {problem}", file=sys.stderr)
    if args.lessons_action == "validate":
        failed = _validate(loaded.lessons)
        checked = len(loaded.lessons) + _files_with_problems(loaded.problems)
        bad = failed + _files_with_problems(loaded.problems)
        verdict = "all goals met" if not bad else f"{bad} with problems"
        print(f"{_count(checked, 'lesson')} checked: {verdict}")
        return 1 if bad else 0
    _list(course)
    return 1 if loaded.problems else 0


def _validate(lessons: Sequence[Lesson]) -> int:
    from cqrs_lab.lessons import validate_lesson

    failed = 0
    for lesson in lessons:
        report = validate_lesson(lesson)
        steps = _count(len(lesson.steps), "step")
        print(f"{'ok  ' if report.ok else 'FAIL'}  {lesson.id} ({steps})")
        for problem in report.problems:
            print(f"error: {problem}", file=sys.stderr)
        failed += not report.ok
    return failed


def _files_with_problems(problems: Sequence[LessonProblem]) -> int:
    return len({problem.path for problem in problems})


def _list(course: Course) -> None:
    """Each folder (`shipped: …`, then the extra ones) with its lessons and your progress."""
    from cqrs_lab.lessons import Progress

    progress = Progress.load()
    if progress.notice:
        print(f"note: {progress.notice}", file=sys.stderr)
    for number, (label, lessons) in enumerate(course.by_folder()):
        print(("\n" if number else "") + label)
        for lesson in lessons:
            status = progress.status(lesson)
            steps = _count(len(lesson.steps), "step")
            print(f"{lesson.id:<34} {status:<8} {steps:<9} {lesson.title}")
            print(f"{'':<34} {lesson.summary}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
