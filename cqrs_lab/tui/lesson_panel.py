"""The lesson panel, docked beside the lab: the lesson and step, the step's text, a goal
checklist that ticks live, hints one at a time, "show me", and step navigation.

The panel owns the `LessonRun` of the open lesson. The app routes every lab line through
`execute` (so the run checks the goal after it) and calls `follow` once a frame (goals such
as "lag of at least 5 s" hold between deliveries, so they are checked on every tick too).
"Show me" (`SolutionPlayer`) posts its lines as `CommandBar.Submitted`, the path a typed
line takes.

A lesson opened at its start shows its introduction first, as a page of its own (F4 goes on
to step 1, Back from step 1 comes back to it), so step 1's text has the panel to itself.

ctrl+l folds the panel into one line under the lab (`folded`): on a small screen the read
model and its CRUD twin then get its columns, side by side. A new step, a hint or a note
unfolds it: there is something to read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Button, Static

from cqrs_lab.lab.guard import LabGuard
from cqrs_lab.lessons import (
    GoalStatus,
    Lesson,
    LessonRun,
    LessonStatus,
    LoadResult,
    Progress,
    load_course,
)
from cqrs_lab.tui.goal_redraw import GoalRedraw
from cqrs_lab.tui.lesson_fold import FoldLine, folded
from cqrs_lab.tui.lesson_lines import (
    checklist_content,
    help_content,
    opening_note,
    page_markdown,
    state_line,
    steps_line,
)
from cqrs_lab.tui.lesson_text import LessonText
from cqrs_lab.tui.screens.confirm import ConfirmScreen
from cqrs_lab.tui.screens.lessons import LessonsScreen
from cqrs_lab.tui.show_me import SolutionPlayer

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab

SHOW_ME_SECONDS = 0.6
"""Wall seconds between two lines "show me" plays."""


class LessonPanel(Vertical):
    """Hidden until a lesson opens (`open`, `request_open`, or the lesson list)."""

    BUTTONS: ClassVar = (
        ("hint", "Hint F2"),
        ("show_me", "Show me F3"),
        ("next", "Next F4"),
        ("previous", "◀ Back"),
        ("reset", "Start over"),
        ("close", "Close"),
    )

    folded: reactive[bool] = reactive(False, init=False)
    """One line under the lab instead of a column beside it."""

    def __init__(
        self,
        lab: Lab,
        lesson: Lesson | None = None,
        *,
        step: int | None = None,
        show_me_seconds: float = SHOW_ME_SECONDS,
        guard: LabGuard | None = None,
        **options: str,
    ) -> None:
        super().__init__(**options)
        self.lab = lab
        self.guard = guard or LabGuard()  # the screen's: a load's worker thread shares it
        self.player = SolutionPlayer(self, show_me_seconds, changed=self._draw_help)
        """What "show me" played, and what it will."""
        self.run: LessonRun | None = None
        self.intro_page = False
        """Whether the panel shows the lesson's introduction rather than step 1."""
        self.hints: list[str] = []
        self.note = ""
        self._first = lesson
        self._first_step = step
        self._catalog: LoadResult | None = None
        self._goal = GoalRedraw()

    def compose(self) -> ComposeResult:
        yield FoldLine(id="lesson-line")
        with Horizontal(id="lesson-head"):
            yield Static(id="lesson-title", markup=False)
            yield self._button("fold", "Fold ^l")
        yield Static(id="lesson-steps", markup=False)
        yield LessonText(id="lesson-text")
        yield Static("Goal (checked live)", id="lesson-goal-title", markup=False)
        yield Static(id="lesson-checklist", markup=False)
        yield Static(id="lesson-state", markup=False)
        yield Static(id="lesson-help", markup=False)
        with Grid(id="lesson-buttons"):
            for action, label in self.BUTTONS:
                yield self._button(action, label)

    @staticmethod
    def _button(action: str, label: str) -> Button:
        button = Button(label, id=f"lesson-{action.replace('_', '-')}", compact=True)
        button.can_focus = False  # a click must not take the command bar's focus
        return button

    def on_mount(self) -> None:
        if self._first is not None:
            self.open(self._first, self._first_step)

    # -- the lessons ----------------------------------------------------------------

    @property
    def catalog(self) -> LoadResult:
        """Every lesson (the shipped course and the extra folders), loaded once."""
        if self._catalog is None:
            self._catalog = load_course().loaded
        return self._catalog

    @property
    def is_open(self) -> bool:
        return self.run is not None

    def allows(self, action: str) -> bool:
        """Whether a lesson key works now: `lessons` while no lesson is open, the others
        while one is."""
        return not self.is_open if action == "lessons" else self.is_open

    def choose(self) -> None:
        """The lesson list; the lesson picked there opens."""
        current = self.run.lesson.id if self.run else None
        catalog = self.catalog
        screen = LessonsScreen(catalog.lessons, Progress.load(), catalog.problems, current)
        self.app.push_screen(screen, self._chosen)

    def _chosen(self, lesson: Lesson | None) -> None:
        if lesson is not None:
            self.request_open(lesson)

    def request_open(self, lesson: Lesson) -> None:
        """Open a lesson; ask first if that would empty a lab that holds the learner's own
        events (a lesson's own lab is scratch)."""
        with self.guard:
            head = self.lab.store.head()
        if self.is_open or head == 0:
            self.open(lesson)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.open(lesson)

        question = (
            f"Open the lesson '{lesson.title}'? A lesson starts on an empty lab: "
            f"the {head} events in this lab are forgotten."
        )
        self.app.push_screen(ConfirmScreen(question, yes="Open the lesson"), answered)

    def open(self, lesson: Lesson, step: int | None = None) -> None:
        """Open `lesson` at `step` (from 0; default: where the learner left it, or the start
        of a lesson already done). The lab is reset and the lesson's setup runs."""
        with self.guard:
            self._open(lesson, step)

    def _open(self, lesson: Lesson, step: int | None) -> None:
        self._quit_run()
        progress = Progress.load()
        done = progress.status(lesson) is LessonStatus.DONE
        if step is None:
            step = 0 if done else min(progress.current(lesson.id), len(lesson.steps) - 1)
        run = LessonRun(self.lab, lesson, progress)
        try:
            outcomes = run.start(step)
        except Exception as error:  # shown, never a traceback
            run.close()
            self.app.notify(f"could not open the lesson: {error}", severity="error")
            return
        self.run = run
        self.intro_page = step == 0 and bool(lesson.intro)
        self.add_class("-open")
        self.app.refresh_bindings()
        self._step_changed(opening_note(progress.notice, outcomes, step))
        self._place()

    def close(self) -> None:
        """Close the lesson (its progress is kept); the lab stays as it is."""
        with self.guard:
            self._quit_run()
        self.remove_class("-open")
        self._place()
        self.app.refresh_bindings()

    def watch_folded(self) -> None:
        self._place()
        self._draw_line()

    def _place(self) -> None:
        """`-folded` on the panel; `-lesson-beside` on the screen while the panel stands
        beside the lab (open, not folded), so the event log gives it room only then."""
        self.set_class(self.folded, "-folded")
        self.screen.set_class(self.is_open and not self.folded, "-lesson-beside")

    def on_click(self, event: events.Click) -> None:
        if self.folded:  # the line: a click unfolds it
            event.stop()
            self.folded = False

    def _quit_run(self) -> None:
        self.player.stop()
        if self.run is not None:
            self.run.close()
            self.run = None

    # -- what the app calls ---------------------------------------------------------

    def follow(self) -> None:
        """Check the goal now and redraw what changed (once a frame)."""
        run = self.run
        if run is None or run.checker is None:
            return
        self._goal.frames += 1
        run.check()
        if self.intro_page and run.solved:
            self.next_step()  # step 1 solved while its text was folded: show the tick
            return
        status = run.checker.status()
        if self._goal.due(status, run.solved):
            self._draw_goal(status, run.solved)

    # -- actions --------------------------------------------------------------------

    def act(self, action: str) -> None:
        """hint, show_me, next, previous, reset or close, on the open lesson (the keys,
        buttons and palette call this)."""
        if self.run is None:
            return
        if self.intro_page and action in ("hint", "show_me"):
            self.next_step()  # a hint or the solution is about step 1: show its text
        {
            "hint": self.next_hint,
            "show_me": self.show_me,
            "next": self.next_step,
            "previous": self.previous_step,
            "reset": self.confirm_start_over,
            "close": self.close,
            "fold": self.toggle_fold,
        }[action]()

    def toggle_fold(self) -> None:
        self.folded = not self.folded

    def next_hint(self) -> None:
        if self.run is None:
            return
        hint = self.run.next_hint()
        if hint is None:
            self._draw_help("No more hints for this step: F3 shows you the solution.")
            return
        self.hints.append(hint)
        self.folded = False
        self._draw_help()

    def show_me(self) -> None:
        """Play the step's solution as if typed (`player`); the step counts as shown, not
        solved."""
        if self.run is None or self.player.playing:
            return
        self.run.mark_shown()
        self._draw_steps()
        self.player.play(self.run.step.solution)

    def next_step(self) -> None:
        run = self.run
        if run is None:
            return
        if self.intro_page:
            self.intro_page = False
            self._step_changed()
            return
        if run.is_last:
            following = self._next_lesson()
            if run.solved and following is not None:
                self.open(following, 0)
            elif run.solved:
                self._draw_help("That was the last lesson. Well done!")
            else:
                self._draw_help("This is the last step of the lesson.")
            return
        run.next_step()
        self._step_changed()

    def previous_step(self) -> None:
        if self.run is None:
            return
        if self.run.previous_step():
            self._step_changed()
        elif self.run.lesson.intro and not self.intro_page:
            self.intro_page = True
            self._step_changed()
        else:
            self._draw_help("This is the first step.")

    def confirm_start_over(self) -> None:
        run = self.run
        if run is None:
            return

        def answered(yes: bool | None) -> None:
            if yes and self.run is run:
                self.start_over()

        question = (
            f"Start '{run.lesson.title}' over? The lab is emptied, the lesson's setup runs "
            "again from step 1, and this lesson's progress is forgotten."
        )
        self.app.push_screen(ConfirmScreen(question, yes="Start over"), answered)

    def start_over(self) -> None:
        """The lesson from step 1, on a fresh lab, with its progress forgotten."""
        run = self.run
        if run is None:
            return
        if run.progress is not None:
            run.progress.forget(run.lesson.id)
        self.open(run.lesson, 0)

    def _next_lesson(self) -> Lesson | None:
        if self.run is None:
            return None
        lessons = list(self.catalog.lessons)
        ids = [lesson.id for lesson in lessons]
        if self.run.lesson.id not in ids:
            return None
        index = ids.index(self.run.lesson.id) + 1
        return lessons[index] if index < len(lessons) else None

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        action = (event.button.id or "").removeprefix("lesson-").replace("-", "_")
        self.act(action)

    # -- drawing --------------------------------------------------------------------

    def _step_changed(self, note: str = "") -> None:
        self.player.forget()
        self.hints = []
        self.note = note
        self.folded = False  # a new page to read
        run = self.run
        if run is None:
            return
        lesson = run.lesson
        self.query_one("#lesson-title", Static).update(f"{lesson.order}. {lesson.title}")
        self.set_class(self.intro_page, "-intro")  # the goal is step 1's: shown with it
        self.query_one(LessonText).show(page_markdown(run, self.intro_page))
        self._draw_steps()
        with self.guard:  # the goal reads the lab
            status = run.checker.status() if run.checker else None
        self._draw_goal(status, run.solved)
        self._draw_help()

    @property
    def text(self) -> str:
        """The Markdown the panel shows for the step."""
        return self.query_one(LessonText).source

    def _draw_steps(self) -> None:
        run = self.run
        if run is None:
            return
        self.query_one("#lesson-steps", Static).update(steps_line(run, self.intro_page))

    def _draw_goal(self, status: GoalStatus | None, solved: bool) -> None:
        run = self.run
        if run is None:
            return
        self._goal.drawn(status, solved)
        checklist = self.query_one("#lesson-checklist", Static)
        checklist.update(checklist_content(status) if status else Content(""))
        state = self.query_one("#lesson-state", Static)
        state.update(state_line(run, self._next_lesson()) if solved else "")
        state.display = solved  # until then the goal's title says it is checked live
        self.query_one("#lesson-next", Button).label = (
            "Next lesson F4" if run.is_last and solved else "Next F4"
        )
        self._draw_steps()
        self._draw_line()

    def _draw_line(self) -> None:
        """The folded line (drawn only while it shows)."""
        if self.folded and self.run is not None:
            line = folded(self.run, self._goal.status, self.intro_page)
            self.query_one(FoldLine).show(line)

    def _draw_help(self, note: str | None = None) -> None:
        """The note, the hints given so far and what "show me" played."""
        if note is not None:
            self.note = note
            self.folded = False
        run, player = self.run, self.player
        hints, of = (self.hints, len(run.step.hints)) if run is not None else ((), 0)
        content = help_content(self.note, hints, of, player.played, player.to_play)
        help_ = self.query_one("#lesson-help", Static)
        help_.update(content)
        help_.display = bool(content)
