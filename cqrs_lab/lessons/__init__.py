"""The lessons engine: lesson files (TOML front matter + Markdown), goals checked against
the live lab, progress, the headless validator that plays every solution, and where lessons
and demos come from (the course shipped in the package, and extra folders)."""

from __future__ import annotations

from cqrs_lab.lessons.checker import GoalStatus, StepChecker
from cqrs_lab.lessons.goals import PREDICATES, Goal, Group, Predicate
from cqrs_lab.lessons.loader import (
    LessonError,
    LessonProblem,
    LoadResult,
    load_lessons,
    read_lesson,
)
from cqrs_lab.lessons.model import Lesson, Step
from cqrs_lab.lessons.progress import LessonStatus, Progress, StepMark
from cqrs_lab.lessons.session import LessonRun, reset_to_defaults
from cqrs_lab.lessons.sources import (
    LESSONS_ENV,
    Course,
    LessonFolder,
    lesson_folders,
    load_course,
    shipped_course,
)
from cqrs_lab.lessons.validate import LessonReport, validate_lesson

__all__ = [
    "LESSONS_ENV",
    "PREDICATES",
    "Course",
    "Goal",
    "GoalStatus",
    "Group",
    "Lesson",
    "LessonError",
    "LessonFolder",
    "LessonProblem",
    "LessonReport",
    "LessonRun",
    "LessonStatus",
    "LoadResult",
    "Predicate",
    "Progress",
    "Step",
    "StepChecker",
    "StepMark",
    "lesson_folders",
    "load_course",
    "load_lessons",
    "read_lesson",
    "reset_to_defaults",
    "shipped_course",
    "validate_lesson",
]
