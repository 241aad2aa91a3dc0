"""A lesson followed on a live lab: setup, the current step and its checker, hints, "show me"
and progress. The lesson panel and `cqrs-lab lessons validate` both drive this.

The run observes the lab: it checks the step's goal after every line the interpreter runs
on it (typed, played, from a dialog) and after every delivery on the bus.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lessons.checker import StepChecker
from cqrs_lab.lessons.progress import Progress, StepMark
from cqrs_lab.read.subscriber import GapPolicy, Mode
from cqrs_lab.read.view_specs import DEFAULT_LATENCY
from cqrs_lab.sim.faults import Faults
from cqrs_lab.sim.latency import parse_latency

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab, Outcome
    from cqrs_lab.lessons.model import Lesson, Step
    from cqrs_lab.sim.bus import Delivery


def reset_to_defaults(lab: Lab) -> None:
    """Empty the lab and put every lane back to its starting settings (a lab `reset` keeps
    lane settings, and a lesson must not inherit the last lesson's faults)."""
    lab.set_mode("all", Mode.ASYNC)
    lab.set_gap_policy("all", GapPolicy.WAIT)
    lab.set_faults("all", Faults())
    for lane, spec in DEFAULT_LATENCY.items():
        lab.set_latency(lane, parse_latency(spec))
    lab.reset()


class LessonRun:
    def __init__(self, lab: Lab, lesson: Lesson, progress: Progress | None = None) -> None:
        self.lab = lab
        self.lesson = lesson
        self.progress = progress
        self.step_index = 0
        self.checker: StepChecker | None = None
        self.hints_given = 0
        self.shown = False
        """"Show me" was used on this step: meeting the goal counts as shown, not solved."""
        self._recorded = False
        self._closed = False
        lab.bus.add_observer(self._delivered)
        lab.line_observers.append(self._line_ran)

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.step_index]

    @property
    def is_last(self) -> bool:
        return self.step_index == len(self.lesson.steps) - 1

    @property
    def solved(self) -> bool:
        return self.checker is not None and self.checker.met

    def start(self, step_index: int = 0) -> list[Outcome]:
        """Reset the lab, run the setup, and replay the solutions of the steps before
        `step_index` so the lab is where that step expects it; then watch that step."""
        self.checker = None
        reset_to_defaults(self.lab)
        outcomes = [execute(self.lab, line) for line in self.lesson.setup]
        for step in self.lesson.steps[:step_index]:
            outcomes.extend(execute(self.lab, line) for line in step.solution)
        self.go_to(step_index)
        return outcomes

    def go_to(self, index: int) -> None:
        """Watch step `index` (from 0), from the lab's state now."""
        if not 0 <= index < len(self.lesson.steps):
            raise IndexError(f"{self.lesson.id} has steps 1 to {len(self.lesson.steps)}")
        self.step_index = index
        self.checker = StepChecker(self.lab, self.step.goal)
        self.hints_given = 0
        self.shown = False
        self._recorded = False
        if self.progress is not None:
            self.progress.set_current(self.lesson.id, index)

    def next_step(self) -> bool:
        if self.is_last:
            return False
        self.go_to(self.step_index + 1)
        return True

    def previous_step(self) -> bool:
        if self.step_index == 0:
            return False
        self.go_to(self.step_index - 1)
        return True

    def check(self) -> bool:
        """Check the step's goal now; the first time it is met, record the step."""
        if self.checker is None or self._closed:
            return False
        met = self.checker.check()
        if met and not self._recorded:
            self._recorded = True
            self._record(StepMark.SHOWN if self.shown else StepMark.SOLVED)
        return met

    def next_hint(self) -> str | None:
        """The next hint of this step, or None when every hint has been given."""
        if self.hints_given >= len(self.step.hints):
            return None
        self.hints_given += 1
        return self.step.hints[self.hints_given - 1]

    def mark_shown(self) -> None:
        """ "Show me" is playing this step's solution (a screen animates it line by line)."""
        self.shown = True
        self._record(StepMark.SHOWN)

    def play_solution(self) -> list[Outcome]:
        """Play the whole solution at once, checking after every line."""
        self.mark_shown()
        return [execute(self.lab, line) for line in self.step.solution]

    def close(self) -> None:
        """Stop watching the lab (a no-op once closed)."""
        if self._closed:
            return
        self._closed = True
        self.lab.bus.remove_observer(self._delivered)
        self.lab.line_observers.remove(self._line_ran)

    def _record(self, mark: StepMark) -> None:
        if self.progress is not None:
            self.progress.record(self.lesson.id, self.step_index, mark)

    def _line_ran(self, outcome: Outcome) -> None:
        self.check()

    def _delivered(self, delivery: Delivery[Any], outcome: str) -> None:
        if self.checker is not None and not self._closed:
            self.checker.observe(delivery)
        self.check()
