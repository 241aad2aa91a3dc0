"""Reading lesson files: TOML front matter between `+++` lines, then a Markdown introduction.

Every problem becomes a `LessonProblem` that names the file, the step (counted from 1, with
its title) and the field, so an instructor can fix a lesson without reading code. Files and
folders are read as `Traversable`s, so the course shipped inside the package (read through
importlib.resources) loads like a folder on disk.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cqrs_lab.lessons.goals import GoalError, plain_message
from cqrs_lab.lessons.model import Facilitator, Lesson, ScriptProblem, Step

FENCE = "+++"
RESERVED = ("intro", "source")
"""Lesson fields the loader fills in itself (the Markdown body and the file)."""
_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True, slots=True)
class LessonProblem:
    """Something wrong in a lesson file, placed as closely as known (step, field)."""

    path: Path
    message: str
    step: int | None = None
    """Counted from 1."""
    step_title: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = [str(self.path)]
        if self.step is not None:
            title = f" ({self.step_title!r})" if self.step_title else ""
            parts.append(f"step {self.step}{title}")
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class LessonError(Exception):
    """A lesson file that cannot be used, with every problem found in it."""

    def __init__(self, problems: Sequence[LessonProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The lessons read from a folder, and the problems of the files that were not."""

    lessons: tuple[Lesson, ...]
    """Sorted by `order`, then id."""
    problems: tuple[LessonProblem, ...]


def where(item: Traversable) -> Path:
    """A file's path, to name it in messages (a resource in an archive gets one too)."""
    return item if isinstance(item, Path) else Path(str(item))


def read_lesson(file: Traversable) -> Lesson:
    """Load one lesson file; raise LessonError naming every problem."""
    path = where(file)
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LessonError([LessonProblem(path, f"cannot read the file: {error}")]) from None
    return parse_lesson(text, path)


def parse_lesson(text: str, path: Path) -> Lesson:
    front, body = split_front_matter(text, path)
    try:
        data = tomllib.loads(front)
    except tomllib.TOMLDecodeError as error:
        raise LessonError([LessonProblem(path, _toml_message(error))]) from None
    reserved = [key for key in RESERVED if key in data]
    if reserved:
        problems = [
            LessonProblem(path, "is not a front matter field: the loader sets it", field=key)
            for key in reserved
        ]
        raise LessonError(problems)
    try:
        lesson = Lesson.model_validate({**data, "intro": body, "source": path})
    except ValidationError as error:
        raise LessonError(validation_problems(error, data, path)) from None
    if lesson.id != path.stem:
        raise LessonError(
            [
                LessonProblem(
                    path, f"'{lesson.id}' must match the file name '{path.stem}'", field="id"
                )
            ]
        )
    return lesson


def split_front_matter(text: str, path: Path) -> tuple[str, str]:
    """(TOML text, Markdown body)."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise LessonError(
            [
                LessonProblem(
                    path, f"line 1: a lesson file starts with a line '{FENCE}' (front matter)"
                )
            ]
        )
    for index in range(1, len(lines)):
        if lines[index].strip() == FENCE:
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]).strip()
    raise LessonError(
        [
            LessonProblem(
                path, f"no closing '{FENCE}' line after the front matter that starts at line 1"
            )
        ]
    )


def _toml_message(error: tomllib.TOMLDecodeError) -> str:
    """The parser's message, with its line counted in the file (the front matter starts on
    the file's line 2)."""
    message = str(error)
    where = _TOML_WHERE.search(message)
    if where is None:
        return f"bad TOML in the front matter: {message}"
    line, column = int(where.group(1)) + 1, int(where.group(2))
    return f"line {line}, column {column}: bad TOML: {message[: where.start()]}"


def validation_problems(
    error: ValidationError, data: dict[str, Any], path: Path
) -> list[LessonProblem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        step: int | None = None
        title: str | None = None
        known = [name for name in Lesson.model_fields if name not in RESERVED]
        if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
            step = loc[1] + 1
            title = _raw_title(data, loc[1])
            loc = loc[2:]
            known = list(Step.model_fields)
        elif loc and loc[0] == "facilitator":
            known = list(Facilitator.model_fields)
        field = _field_path(loc)
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, GoalError):
            for sub, message in cause.problems:
                where = f"{field}.{sub}" if sub else field
                problems.append(LessonProblem(path, message, step, title, where))
        elif isinstance(cause, ScriptProblem):
            for script_error in cause.errors:
                problems.append(LessonProblem(path, str(script_error), step, title, field))
        elif item["type"] == "string_pattern_mismatch" and field == "id":
            message = "use lowercase letters, digits and single hyphens, like 03-projections"
            problems.append(LessonProblem(path, message, step, title, field))
        else:
            problems.append(LessonProblem(path, plain_message(item, known), step, title, field))
    return problems


def _field_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part + 1}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _raw_title(data: dict[str, Any], index: int) -> str | None:
    steps = data.get("steps")
    if isinstance(steps, list) and index < len(steps) and isinstance(steps[index], dict):
        title = steps[index].get("title")
        return title if isinstance(title, str) else None
    return None


def lesson_files(paths: Iterable[Traversable]) -> list[Traversable]:
    """The lesson files among `paths`: files as given, and every *.md in a directory except
    documents named in capitals (README.md, AUTHORING.md) and hidden files."""
    files: list[Traversable] = []
    for path in paths:
        if path.is_dir():
            found = [item for item in path.iterdir() if _is_lesson_file(item)]
            files.extend(sorted(found, key=lambda item: item.name))
        else:
            files.append(path)
    return files


def _is_lesson_file(item: Traversable) -> bool:
    name = item.name
    stem = name.removesuffix(".md")
    return (
        name.endswith(".md") and not stem.isupper() and not name.startswith(".") and item.is_file()
    )


def load_lessons(paths: Iterable[Traversable]) -> LoadResult:
    """Every lesson that loads, and every problem of those that do not (a missing path or a
    second lesson with the same id is a problem too)."""
    lessons: list[Lesson] = []
    problems: list[LessonProblem] = []
    seen: dict[str, Path] = {}
    for file in _files(paths, problems):
        path = where(file)
        if not file.is_file():
            problems.append(LessonProblem(path, "no such file or directory"))
            continue
        try:
            lesson = read_lesson(file)
        except LessonError as error:
            problems.extend(error.problems)
            continue
        if lesson.id in seen:
            message = f"'{lesson.id}' is already the id of {seen[lesson.id]}"
            problems.append(LessonProblem(path, message, field="id"))
            continue
        seen[lesson.id] = path
        lessons.append(lesson)
    lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    return LoadResult(tuple(lessons), tuple(problems))


def _files(paths: Iterable[Traversable], problems: list[LessonProblem]) -> list[Traversable]:
    """`lesson_files`, with a folder that cannot be listed noted as a problem."""
    files: list[Traversable] = []
    for path in paths:
        try:
            files.extend(lesson_files([path]))
        except OSError as error:
            problems.append(LessonProblem(where(path), f"cannot read the folder: {error}"))
    return files
