"""The lesson list: every lesson with its summary and the learner's progress (new, started,
done, in words); Enter opens one, Escape closes the list."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cqrs_lab.lessons import Lesson, LessonProblem, LessonStatus, Progress
from cqrs_lab.wording import counted

STATUS_MARKS = {
    LessonStatus.NEW: ("○", "new", "$foreground-muted"),
    LessonStatus.STARTED: ("◐", "started", "$text-warning"),
    LessonStatus.DONE: ("●", "done", "$text-success"),
}


class LessonsScreen(ModalScreen[Lesson | None]):
    """Dismissed with the lesson picked, or None."""

    AUTO_FOCUS = "#lessons-list"
    BINDINGS = [Binding("escape", "close", "Close", id="lessons-close")]

    def __init__(
        self,
        lessons: Sequence[Lesson],
        progress: Progress,
        problems: Sequence[LessonProblem] = (),
        current: str | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self.lessons = tuple(lessons)
        self.progress = progress
        self.problems = tuple(problems)
        self.current = current
        """The id of the lesson open now, highlighted first."""

    def compose(self) -> ComposeResult:
        with Vertical(id="lessons-box", classes="dialog-box"):
            yield Static(
                "Lessons — Enter opens one, Escape closes", id="lessons-title", markup=False
            )
            if self.lessons:
                yield OptionList(
                    *(Option(self._prompt(lesson), id=lesson.id) for lesson in self.lessons),
                    id="lessons-list",
                )
            else:
                yield Static("No lessons were found.", id="lessons-empty", markup=False)
            if self.problems:
                yield Static(_problems_text(self.problems), id="lessons-problems", markup=False)

    def on_mount(self) -> None:
        if self.lessons:
            self.query_one(OptionList).highlighted = self._first_index()

    def _first_index(self) -> int:
        """The open lesson, else the first one not done, else the first."""
        ids = [lesson.id for lesson in self.lessons]
        if self.current in ids:
            return ids.index(self.current)
        for index, lesson in enumerate(self.lessons):
            if self.progress.status(lesson) is not LessonStatus.DONE:
                return index
        return 0

    def _prompt(self, lesson: Lesson) -> Content:
        status = self.progress.status(lesson)
        mark, word, style = STATUS_MARKS[status]
        if status is LessonStatus.STARTED:
            word = f"{word}, at step {self.progress.current(lesson.id) + 1}"
        steps = len(lesson.steps)
        return Content.assemble(
            (f"{lesson.order:>2}. {lesson.title}", "bold"),
            (f"  {mark} {word}", style),
            (f" · {counted(steps, 'step')}", "$foreground-muted"),
            "\n",
            (lesson.summary, "$foreground-muted"),
        )

    @on(OptionList.OptionSelected, "#lessons-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        picked = next(lesson for lesson in self.lessons if lesson.id == event.option_id)
        self.dismiss(picked)

    def action_close(self) -> None:
        self.dismiss(None)


def _problems_text(problems: Sequence[LessonProblem]) -> str:
    files = len({problem.path for problem in problems})
    lines = [f"{counted(files, 'lesson file')} could not be loaded:"]
    lines.extend(f"  {problem}" for problem in problems[:5])
    if len(problems) > 5:
        lines.append(f"  … and {len(problems) - 5} more (cqrs-lab lessons validate lists them)")
    return "\n".join(lines)
