"""`cqrs-lab lessons list|validate|new|notes`: the curriculum, headless.

Without PATHs: the course shipped in the package, then the extra folders of
$CQRS_LAB_LESSONS and the config file; `list` shows each folder with its lessons.

- `validate [--realtime] [PATH...]`: play every solution on a fresh lab; `--realtime` lets
  lab time pass before every line, as at speed 1 while a learner types.
- `new SLUG [--dir DIR] [--order N]`: write DIR/SLUG.md, a lesson that validates as it is.
- `notes [ID|PATH...]`: the facilitator notes (for instructors; the lesson panel never
  shows them).

Exit status: 0 all good; 1 a lesson has problems (it does not load, or a solution does not
meet its goal), or `new` could not write; 2 no lesson files were found (or no such lesson).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cqrs_lab.commands.output import quiet_broken_pipe
from cqrs_lab.wording import counted

if TYPE_CHECKING:
    from cqrs_lab.lessons import Course, Lesson, LessonProblem

HELP = "list, validate, scaffold the lessons, or print their facilitator notes"
PATHS_HELP = "lesson files or folders (default: the shipped course and the extra folders)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from cqrs_lab.lessons.validate import REALTIME_SECONDS_PER_LINE

    actions = parser.add_subparsers(dest="lessons_action", metavar="ACTION")
    listing = _action(actions, "list", "list the lessons, with your progress (the default)")
    listing.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=PATHS_HELP)
    validate = _action(
        actions, "validate", "load every lesson and play each step's solution on a fresh lab"
    )
    validate.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=PATHS_HELP)
    validate.add_argument(
        "--realtime",
        action="store_true",
        help="let lab time pass before every solution line, as at speed 1 while a learner "
        "types (an `advance` line is waited out frame by frame): a goal that needs quicker "
        "hands fails",
    )
    validate.add_argument(
        "--seconds-per-line",
        type=float,
        default=REALTIME_SECONDS_PER_LINE,
        metavar="S",
        help="with --realtime: lab seconds before each line "
        f"(default {REALTIME_SECONDS_PER_LINE:g})",
    )
    new = _action(actions, "new", "write a new lesson file that validates as it is")
    new.add_argument(
        "slug", metavar="SLUG", help="the lesson's id and file name, like 12-my-lesson"
    )
    new.add_argument("--dir", type=Path, default=Path(), help="the folder (default: here)")
    new.add_argument("--order", type=int, default=None, help="its place in the list (default 100)")
    notes = _action(actions, "notes", "print the facilitator notes (for instructors)")
    notes.add_argument(
        "lessons", nargs="*", metavar="ID|PATH", help="lesson ids, numbers or files (default: all)"
    )


def _action(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], name: str, text: str
) -> argparse.ArgumentParser:
    return actions.add_parser(name, help=text, description=text)


@quiet_broken_pipe
def main(args: argparse.Namespace) -> int:
    if args.lessons_action == "new":
        return _new(args.slug, args.dir, args.order)
    if args.lessons_action == "notes":
        return _notes(args.lessons)
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
        pace = args.seconds_per_line if args.realtime else None
        if pace is not None and not pace >= 0:
            print("cqrs-lab lessons: --seconds-per-line must be 0 or more", file=sys.stderr)
            return 2
        failed = _validate(loaded.lessons, pace)
        checked = len(loaded.lessons) + _files_with_problems(loaded.problems)
        bad = failed + _files_with_problems(loaded.problems)
        verdict = "all goals met" if not bad else f"{bad} with problems"
        at = "" if pace is None else f" at speed 1 ({pace:g}s a line)"
        print(f"{counted(checked, 'lesson')} checked{at}: {verdict}")
        return 1 if bad else 0
    _list(course)
    return 1 if loaded.problems else 0


def _validate(lessons: Sequence[Lesson], pace: float | None) -> int:
    from cqrs_lab.lessons import validate_lesson

    failed = 0
    for lesson in lessons:
        report = validate_lesson(lesson, pace)
        steps = counted(len(lesson.steps), "step")
        print(f"{'ok  ' if report.ok else 'FAIL'}  {lesson.id} ({steps})")
        for problem in report.problems:
            print(f"error: {problem}", file=sys.stderr)
        failed += not report.ok
    return failed


def _new(slug: str, folder: Path, order: int | None) -> int:
    from cqrs_lab.lessons.scaffold import DEFAULT_ORDER, check_slug, scaffold

    try:
        check_slug(slug)
    except ValueError as error:
        print(f"cqrs-lab lessons new: {error}", file=sys.stderr)
        return 2
    path = folder / f"{slug}.md"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as file:
            file.write(scaffold(slug, DEFAULT_ORDER if order is None else order))
    except FileExistsError:
        print(f"cqrs-lab lessons new: {path} exists already: nothing written", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"cqrs-lab lessons new: cannot write {path}: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path}: try it with `cqrs-lab lesson {path}`")
    print(f"check it with `cqrs-lab lessons validate {path}` (and --realtime)")
    return 0


def _notes(wanted: Sequence[str]) -> int:
    from cqrs_lab.commands.lesson import resolve_lesson
    from cqrs_lab.lessons import load_course

    loaded = load_course().loaded
    lessons: list[Lesson] = []
    for item in wanted:
        lesson, problem = resolve_lesson(loaded, item)
        if lesson is None:
            print(f"cqrs-lab lessons notes: {problem}", file=sys.stderr)
            return 2
        lessons.append(lesson)
    for number, lesson in enumerate(lessons or loaded.lessons):
        print(("\n" if number else "") + f"{lesson.id} — {lesson.title}")
        notes = lesson.facilitator
        if notes is None:
            print("  no facilitator notes")
            continue
        print(f"  duration: {notes.duration}")
        for title, items in (
            ("common wrong turns", notes.wrong_turns),
            ("discuss", notes.questions),
        ):
            if items:
                print(f"  {title}:")
                print("\n".join(f"    - {item}" for item in items))
        if notes.notes:
            print("  notes:\n" + "\n".join(f"    {line}" for line in notes.notes.splitlines()))
    return 0


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
            steps = counted(len(lesson.steps), "step")
            solved, shown = progress.marks(lesson)
            marks = f"  ({solved} solved, {shown} shown)" if solved or shown else ""
            print(f"{lesson.id:<34} {status:<8} {steps:<9} {lesson.title}{marks}")
            print(f"{'':<34} {lesson.summary}")


