"""`cqrs-lab lesson ID|FILE [--step N]`: the lab screen with a lesson open.

The lesson is named by its id or number (the shipped course and the extra folders), or by
the path of a lesson file anywhere: an author opens the lesson being written. A lesson
starts on an empty lab, so the lab is in memory unless `--db` names one (a lesson never
empties the learner's own lab file by surprise). Progress is kept in the user data
directory either way.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cqrs_lab.commands.options import add_lab_options
from cqrs_lab.commands.tui import lab_app

if TYPE_CHECKING:
    from cqrs_lab.lessons import Lesson, LoadResult

HELP = "the lab screen with a lesson open (`cqrs-lab lessons list` shows them)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "lesson_id",
        metavar="ID|FILE",
        help="the lesson's id, like 04-eventual-consistency, its number, like 4, or the path"
        " of a lesson file",
    )
    parser.add_argument(
        "--step",
        type=int,
        default=None,
        metavar="N",
        help="open it at step N (from 1): the lab replays the solutions of the steps before",
    )
    add_lab_options(parser)


def main(args: argparse.Namespace) -> int:
    from cqrs_lab.lessons import load_course

    loaded = load_course().loaded  # the shipped course and the extra folders
    lesson, problem = resolve_lesson(loaded, args.lesson_id)
    if lesson is None:
        print(f"cqrs-lab lesson: {problem}", file=sys.stderr)
        return 2
    step = args.step
    if step is not None and not 1 <= step <= len(lesson.steps):
        count = len(lesson.steps)
        print(f"cqrs-lab lesson: {lesson.id} has steps 1 to {count}, not {step}", file=sys.stderr)
        return 2
    app = lab_app(  # opens the lab after drawing
        args, lesson=lesson, lesson_step=None if step is None else step - 1, db_default=":memory:"
    )
    app.run()
    return app.return_code or 0


def resolve_lesson(loaded: LoadResult, wanted: str) -> tuple[Lesson | None, str]:
    """The lesson `wanted` names (a file's path, an id or a number), or why there is none."""
    from cqrs_lab.lessons import LessonError, read_lesson

    path = Path(wanted).expanduser()
    if wanted.endswith(".md") or path.is_file():
        if not path.is_file():
            return None, f"no lesson file {path}"
        try:
            return read_lesson(path), ""
        except LessonError as error:
            listed = "\n".join(f"  {problem}" for problem in error.problems)
            return None, f"the lesson cannot be loaded:\n{listed}"
    lesson = find_lesson(loaded.lessons, wanted)
    return (lesson, "") if lesson else (None, not_found(loaded, wanted))


def find_lesson(lessons: Sequence[Lesson], wanted: str) -> Lesson | None:
    """The lesson with id `wanted`, or whose number (`order`) it is."""
    for lesson in lessons:
        if lesson.id == wanted or (wanted.isdigit() and lesson.order == int(wanted)):
            return lesson
    return None


def not_found(loaded: LoadResult, wanted: str) -> str:
    """Why no lesson opens: its file has problems, or no lesson has that id."""
    broken = [problem for problem in loaded.problems if problem.path.stem == wanted]
    if broken:
        return "the lesson cannot be loaded:\n" + "\n".join(f"  {p}" for p in broken)
    ids = [lesson.id for lesson in loaded.lessons]
    close = difflib.get_close_matches(wanted, ids, n=1, cutoff=0.5)
    prefixed = [name for name in ids if name.startswith(wanted) or wanted in name]
    guess = close or prefixed[:1]
    suggestion = f" — did you mean '{guess[0]}'?" if guess else ""
    known = ", ".join(ids) if ids else "none (see `cqrs-lab lessons list`)"
    return f"no lesson '{wanted}'{suggestion}\n  lessons: {known}"
