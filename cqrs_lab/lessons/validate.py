"""Playing every lesson headless: each step's solution must meet its goal.

One fresh in-memory lab a lesson: the setup runs, then each step in turn plays its solution
on the lab the steps before it left, as a learner who follows the lesson would. A step fails
when its goal (or part of it) already holds before the solution plays (it would tick before
the learner does anything), or when the solution ends without meeting it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cqrs_lab.lab import Lab
from cqrs_lab.lessons.loader import LessonProblem
from cqrs_lab.lessons.model import Lesson
from cqrs_lab.lessons.session import LessonRun

VALIDATE_PASSWORD_COST = 2**4
"""Password hashing is beside the point here; a low cost keeps validation fast."""


@dataclass(frozen=True, slots=True)
class LessonReport:
    lesson: Lesson
    problems: tuple[LessonProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_lesson(lesson: Lesson) -> LessonReport:
    lab = Lab.open(":memory:", password_cost=VALIDATE_PASSWORD_COST)
    try:
        return LessonReport(lesson, tuple(_problems(lab, lesson)))
    finally:
        lab.close()


def _problems(lab: Lab, lesson: Lesson) -> list[LessonProblem]:
    path = lesson.source or Path(lesson.id)
    problems = []
    run = LessonRun(lab, lesson)
    for outcome in run.start():
        if not outcome.ok:
            message = f"'{outcome.line}' failed: {outcome.message}"
            problems.append(LessonProblem(path, message, field="setup"))
    for index, step in enumerate(lesson.steps):
        run.go_to(index)
        checker = run.checker
        assert checker is not None
        run.check()
        early = checker.met_predicates()
        if early:
            message = f"already holds before the solution is played: {'; '.join(early)}"
            problems.append(LessonProblem(path, message, index + 1, step.title, "goal"))
        outcomes = run.play_solution()
        if not checker.met:
            failed = [f"'{o.line}' ({o.message})" for o in outcomes if not o.ok]
            note = f" (lines that failed: {', '.join(failed)})" if failed else ""
            message = f"not met after the solution: {'; '.join(checker.unmet())}{note}"
            problems.append(LessonProblem(path, message, index + 1, step.title, "goal"))
    run.close()
    return problems
