"""The lessons engine: lesson files (TOML front matter + Markdown), goals checked against
the live lab, progress, and the headless validator that plays every solution."""

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
from cqrs_lab.lessons.paths import lessons_dir
from cqrs_lab.lessons.progress import LessonStatus, Progress, StepMark
from cqrs_lab.lessons.session import LessonRun, reset_to_defaults
from cqrs_lab.lessons.validate import LessonReport, validate_lesson

__all__ = [
    "PREDICATES",
    "Goal",
    "GoalStatus",
    "Group",
    "Lesson",
    "LessonError",
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
    "lessons_dir",
    "load_lessons",
    "read_lesson",
    "reset_to_defaults",
    "validate_lesson",
]
