"""Where lessons come from: the course shipped inside the package, then extra folders.

The shipped course is the package data of `cqrs_lab.course` (the repository's `lessons/`
folder, mapped there by pyproject.toml), read through importlib.resources: an installed
wheel finds it from any folder. Extra folders come from $CQRS_LAB_LESSONS (several,
separated by os.pathsep) and from the config file's `lessons` list.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from cqrs_lab.lessons.loader import LessonProblem, LoadResult, lesson_files, load_lessons, where
from cqrs_lab.lessons.model import Lesson

COURSE_PACKAGE = "cqrs_lab.course"
LESSONS_ENV = "CQRS_LAB_LESSONS"
SHIPPED = "shipped"
FROM_ENV = f"${LESSONS_ENV}"
FROM_CONFIG = "config file"
GIVEN = "command line"


@dataclass(frozen=True, slots=True)
class LessonFolder:
    """A folder of lessons (its demos in `demos/`), and who named it."""

    root: Traversable
    origin: str
    """SHIPPED, FROM_ENV, FROM_CONFIG or GIVEN."""

    @property
    def label(self) -> str:
        """Where, as listings show it: `shipped: /…/cqrs_lab/course`."""
        return f"{self.origin}: {self.root}"


@dataclass(frozen=True, slots=True)
class Course:
    """The lessons of some folders, each lesson with the folder it came from."""

    loaded: LoadResult
    folders: tuple[LessonFolder, ...]
    origins: dict[str, LessonFolder] = field(default_factory=dict)
    """Lesson id -> its folder."""
    note: str | None = None
    """Why the config file's folders are missing (it could not be used), or None."""

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        return self.loaded.lessons

    @property
    def problems(self) -> tuple[LessonProblem, ...]:
        return self.loaded.problems

    def by_folder(self) -> list[tuple[str, list[Lesson]]]:
        """(folder label, its lessons) for each folder that has lessons, in folder order."""
        groups: dict[str, list[Lesson]] = {}
        for folder in self.folders:
            groups.setdefault(folder.label, [])
        for lesson in self.lessons:
            folder = self.origins.get(lesson.id)
            groups.setdefault(folder.label if folder else str(lesson.source), []).append(lesson)
        return [(label, lessons) for label, lessons in groups.items() if lessons]


def shipped_course() -> Traversable:
    """The course inside the package."""
    return resources.files(COURSE_PACKAGE)


def env_folders() -> list[Path]:
    """The folders named by $CQRS_LAB_LESSONS, in order."""
    value = os.environ.get(LESSONS_ENV, "")
    return [Path(part).expanduser() for part in value.split(os.pathsep) if part.strip()]


def config_folders() -> tuple[tuple[Path, ...], str | None]:
    """The config file's `lessons` folders, and its problem if it could not be used."""
    from cqrs_lab.config import load_config  # read only when lessons are wanted

    config = load_config()
    return config.lesson_folders, config.problem


def lesson_folders(config: Sequence[Path] = ()) -> tuple[LessonFolder, ...]:
    """The shipped course, then $CQRS_LAB_LESSONS's folders, then `config`'s; a folder named
    twice (or the shipped one again) is kept once."""
    folders = [LessonFolder(shipped_course(), SHIPPED)]
    folders += [LessonFolder(path, FROM_ENV) for path in env_folders()]
    folders += [LessonFolder(path, FROM_CONFIG) for path in config]
    return tuple(_once(folders))


def given_folders(paths: Iterable[Path]) -> tuple[LessonFolder, ...]:
    """Lesson files or folders named on the command line."""
    return tuple(LessonFolder(path, GIVEN) for path in paths)


def load_course(folders: Sequence[LessonFolder] | None = None) -> Course:
    """Every lesson of `folders` (default: the shipped course and the extra folders)."""
    note = None
    if folders is None:
        config, note = config_folders()
        folders = lesson_folders(config)
    loaded = load_lessons(folder.root for folder in folders)
    by_file = {}
    for folder in reversed(folders):  # the first folder to hold a file names it
        for file in _listed(folder):
            by_file[str(where(file))] = folder
    origins = {
        lesson.id: by_file[str(lesson.source)]
        for lesson in loaded.lessons
        if str(lesson.source) in by_file
    }
    return Course(loaded, tuple(folders), origins, note)


def _listed(folder: LessonFolder) -> list[Traversable]:
    try:
        return lesson_files([folder.root])
    except OSError:
        return []


def _once(folders: Iterable[LessonFolder]) -> list[LessonFolder]:
    seen: set[str] = set()
    kept = []
    for folder in folders:
        key = os.path.realpath(str(folder.root)) if isinstance(folder.root, Path) else ""
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(folder)
    return kept
