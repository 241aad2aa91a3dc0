"""`cqrs-lab lesson ID`: the lab screen with a lesson open.

A lesson starts on an empty lab, so the lab is in memory unless `--db` names one (a lesson
never empties the learner's own lab file by surprise). Progress is kept in the user data
directory either way.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cqrs_lab.commands.options import add_lab_options
from cqrs_lab.commands.tui import lab_app

if TYPE_CHECKING:
    from cqrs_lab.lessons import Lesson, LoadResult

HELP = "the lab screen with a lesson open (`cqrs-lab lessons list` shows them)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "lesson_id",
        metavar="ID",
        help="the lesson's id, like 04-eventual-consistency, or its number, like 4",
    )
    add_lab_options(parser)


def main(args: argparse.Namespace) -> int:
    from cqrs_lab.lessons import load_course

    loaded = load_course().loaded  # the shipped course and the extra folders
    lesson = find_lesson(loaded.lessons, args.lesson_id)
    if lesson is None:
        print(f"cqrs-lab lesson: {not_found(loaded, args.lesson_id)}", file=sys.stderr)
        return 2
    app = lab_app(args, lesson=lesson, db_default=":memory:")  # opens the lab after drawing
    app.run()
    return app.return_code or 0


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
