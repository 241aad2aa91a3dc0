"""Playing every lesson headless: each step's solution must meet its goal.

One fresh in-memory lab a lesson: the setup runs, then each step in turn plays its solution
on the lab the steps before it left, as a learner who follows the lesson would. A step fails
when its goal (or part of it) already holds before the solution plays (it would tick before
the learner does anything), or when the solution ends without meeting it.

With `seconds_per_line` (`lessons validate --realtime`) lab time passes before every line
of a solution, as it does at speed 1 while a learner reads and types: a goal that needs
quicker hands than that (a stale read through a lane faster than typing, a lag that is gone
before the learner looks) fails. A paused lab lets no time pass, as on the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cqrs_lab.lab import Lab, Outcome
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lessons.loader import LessonProblem
from cqrs_lab.lessons.model import Lesson
from cqrs_lab.lessons.session import LessonRun
from cqrs_lab.script import Advance, parse_line

VALIDATE_PASSWORD_COST = 2**4
"""Password hashing is beside the point here; a low cost keeps validation fast."""
REALTIME_SECONDS_PER_LINE = 4.0
"""Lab seconds a learner takes to read, type and send one line at speed 1."""
FRAME_SECONDS = 0.25
"""While time passes the goal is checked this often, as the screen checks it every frame."""


@dataclass(frozen=True, slots=True)
class LessonReport:
    """What playing one lesson through found wrong (nothing: it is fine)."""

    lesson: Lesson
    problems: tuple[LessonProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_lesson(lesson: Lesson, seconds_per_line: float | None = None) -> LessonReport:
    """Play `lesson` headless; with `seconds_per_line`, at a learner's pace (see above)."""
    lab = Lab.open(":memory:", password_cost=VALIDATE_PASSWORD_COST)
    try:
        return LessonReport(lesson, tuple(_problems(lab, lesson, seconds_per_line)))
    finally:
        lab.close()


def _problems(lab: Lab, lesson: Lesson, seconds_per_line: float | None) -> list[LessonProblem]:
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
        if seconds_per_line is None:
            outcomes = run.play_solution()
        else:
            outcomes = _play_at_pace(run, seconds_per_line)
        if not checker.met:
            failed = [f"'{o.line}' ({o.message})" for o in outcomes if not o.ok]
            note = f" (lines that failed: {', '.join(failed)})" if failed else ""
            pace = (
                ""
                if seconds_per_line is None
                else f" at speed 1, with {seconds_per_line:g}s of lab time before each line"
            )
            message = f"not met after the solution{pace}: {'; '.join(checker.unmet())}{note}"
            problems.append(LessonProblem(path, message, index + 1, step.title, "goal"))
    run.close()
    return problems


def _play_at_pace(run: LessonRun, seconds_per_line: float) -> list[Outcome]:
    """The solution as a learner types it: time passes before every line, and the goal is
    checked every frame meanwhile (and after every delivery, by the run). An `advance` line
    is the learner waiting: its time passes frame by frame too."""
    run.mark_shown()
    outcomes = []
    for line in run.step.solution:
        _wait(run, seconds_per_line)
        action = parse_line(line)
        if isinstance(action, Advance):
            _wait(run, action.seconds)
            outcomes.append(Outcome(line, True, "control", f"waited {action.seconds:g}s"))
        else:
            outcomes.append(execute(run.lab, line))
    return outcomes


def _wait(run: LessonRun, seconds: float) -> None:
    """Let `seconds` of lab time pass as the screen does, checking every frame."""
    lab = run.lab
    until = lab.clock.now() + seconds
    while not lab.paused and lab.clock.now() < until:
        lab.advance_to(min(until, lab.clock.now() + FRAME_SECONDS))
        run.check()
