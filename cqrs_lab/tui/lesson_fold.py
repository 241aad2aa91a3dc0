"""The folded lesson: the lesson panel as one line under the lab, so that on a small screen
the read model and its CRUD twin get the panel's columns (ctrl+l folds and unfolds it).

The line says where the learner is and how far the goal is, in as many words as fit: the
lesson's title goes first, then the step's; the step, the goal and the key always stay."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.widget import Widget

from cqrs_lab.lessons import GoalStatus, LessonRun

SEPARATOR = Content.styled(" │ ", "$foreground-muted")


@dataclass(frozen=True, slots=True)
class Folded:
    """What the folded line says (compared each frame: redrawn only when it changes)."""

    lesson: str
    """`21. The transactional outbox`"""
    step: str
    """`Step 1 of 3` or `Introduction`"""
    step_title: str
    goal: str
    """`goal ☐ 0 of 2 done`, `✓ solved, F4: step 2`..."""
    met: bool


def folded(run: LessonRun, status: GoalStatus | None, intro: bool) -> Folded:
    """The folded line of `run` (on its introduction's page if `intro`)."""
    lesson, step = run.lesson, run.step
    where = "Introduction" if intro else f"Step {run.step_index + 1} of {len(lesson.steps)}"
    title = "" if intro else step.title
    lines = [line for _, line in status.checklist()] if status is not None else []
    met = run.solved and not intro
    if met:
        then = f"F4: step {run.step_index + 2}" if not run.is_last else "F4: next lesson"
        goal = f"✓ {'shown' if run.shown else 'solved'}, {then}"
    elif intro:
        goal = f"F4: step 1, {step.title}"
    else:
        done = sum(line.met for line in lines)
        goal = f"goal {'☑' if done else '☐'} {done} of {len(lines)} done"
    return Folded(f"{lesson.order}. {lesson.title}", where, title, goal, met)


def fitted(line: Folded, width: int) -> Content:
    """The line in `width` cells: the lesson's title dropped first, then the step's."""
    key = Content.styled("^l: unfold", "bold $text-accent")
    goal = Content.styled(line.goal, "bold $text-success" if line.met else "bold")
    step = Content.styled(line.step, "bold")
    titled = Content.assemble(step, ": ", line.step_title) if line.step_title else step
    lesson = Content.styled(line.lesson, "$text-primary")
    for parts in ([lesson, titled, goal, key], [titled, goal, key], [step, goal, key]):
        content = Content.assemble(" ", SEPARATOR.join(parts))
        if content.cell_length <= width:
            return content
    return Content.assemble(" ", SEPARATOR.join([step, goal]))


class FoldLine(Widget):
    """One line: the folded lesson, fitted to the width it has (a click unfolds it)."""

    def __init__(self, **options: str) -> None:
        super().__init__(**options)
        self._line: Folded | None = None

    def show(self, line: Folded) -> None:
        if line != self._line:
            self._line = line
            self.refresh()

    def render(self) -> Content:
        return fitted(self._line, self.size.width) if self._line else Content("")
