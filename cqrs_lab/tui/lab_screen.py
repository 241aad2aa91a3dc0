"""The lab screen: the command bar and forms, the event bus, the projections beside their
CRUD twins, the event log and the metrics, all drawn from one Lab, one snapshot a frame.

Every line the learner sends (typed, from a form, a dialog or the palette) is parsed once
and run by the interpreter, as `cqrs-lab run` runs it; except `load` and `rebuild`, which
the runner does over many frames with a progress bar, and `reset`, which asks first.
Importing this module imports the lab: the app does it after its first frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import deepcopy
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from cqrs_lab import script as sc
from cqrs_lab.lab import Lab, LabSnapshot, Outcome, interpreter
from cqrs_lab.lab.interpreter import ParsedLine
from cqrs_lab.lab.service_performers import services_picture
from cqrs_lab.lab.time_travel import Timeline
from cqrs_lab.read.view_specs import USER_VIEWS, VIEW_LANES
from cqrs_lab.sim.clock import Clock
from cqrs_lab.tui.background import BackgroundWork
from cqrs_lab.tui.caption import Caption
from cqrs_lab.tui.command_bar import CommandBar
from cqrs_lab.tui.completion import Vocabulary
from cqrs_lab.tui.forms import CommandForm, in_form
from cqrs_lab.tui.key_footer import KeyFooter
from cqrs_lab.tui.key_mode import key_mode
from cqrs_lab.tui.learned_names import LearnedNames
from cqrs_lab.tui.lesson_panel import LessonPanel
from cqrs_lab.tui.outcomes import executed, followed
from cqrs_lab.tui.redraw import Redraw
from cqrs_lab.tui.screens import ConfirmScreen, LaneSettingsScreen
from cqrs_lab.tui.screens.predict import PredictScreen
from cqrs_lab.tui.screens.time_travel import Fork, TimeTravelScreen
from cqrs_lab.tui.screens.trace import TraceScreen
from cqrs_lab.tui.speeds import SPEEDS
from cqrs_lab.tui.status_line import StatusLine, status_text
from cqrs_lab.tui.widgets import BusView, EventLog, MetricsStrip, ServicesView, ViewPanel
from cqrs_lab.tui.widgets.event_log import describe_event, find_event
from cqrs_lab.tui.widgets.job_row import JobRow
from cqrs_lab.tui.widgets.view_picker import ViewPicker

if TYPE_CHECKING:
    from cqrs_lab.lessons import Lesson

FEW_ROWS = 30
"""A screen shorter than this draws one bus lane while the services are on."""
FRAME_WAIT = 0.01
"""Wall seconds a frame waits for a load's worker to let go of the lab before it skips."""


class LabScreen(BackgroundWork):
    """The lab itself. The app owns the labs; this screen shows and drives `lab`."""

    # Below 120 columns (-compact) the event log folds away: the two tables come first.
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-compact"), (120, "-narrow"), (160, "-wide")]

    class Forked(Message):
        """The screen goes on with a fork of its lab: the app owns (and closes) it."""

        def __init__(self, lab: Lab) -> None:
            super().__init__()
            self.lab = lab

    def __init__(
        self,
        lab: Lab,
        *,
        refresh_hz: float,
        key_names: Callable[[], str],
        fork_clock: Callable[[], Clock],
        lesson: Lesson | None = None,
        lesson_step: int | None = None,
    ) -> None:
        super().__init__()
        self.lab = lab
        self.refresh_hz = refresh_hz
        self.key_names = key_names
        """The single keys, as the keymap binds them (for the status line)."""
        self.fork_clock = fork_clock
        self.first_lesson, self.first_step = lesson, lesson_step
        self.names = LearnedNames()
        self.selected_lane = "orders"
        self.redraw = Redraw()
        self._snapshot: LabSnapshot | None = None
        self._failure = ""
        self.branch = ""
        """Where the lab branched off, for the status line ("" : not a fork)."""
        self.seat = ""
        """The classroom seat, for the status line ("": not in a classroom)."""

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        yield Caption(id="caption")
        yield CommandBar(self._words, id="command-bar")
        yield CommandForm(self._words, id="command-form")
        yield JobRow("rebuild", id="rebuild-row")
        yield JobRow("load", stop="Stop ^x", id="load-row")
        yield BusView(id="bus")
        yield ServicesView(id="services")  # while services are on
        with Horizontal(id="middle"):
            with Vertical(id="views"):
                yield ViewPicker("catalog", self._words, id="view-picker")
                yield ViewPanel(id="view-panel")
            yield EventLog(id="event-log")
        yield MetricsStrip(id="metrics")
        yield LessonPanel(
            self.lab, self.first_lesson, step=self.first_step, guard=self.guard, id="lesson-panel"
        )
        yield KeyFooter()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_bus)  # once the breakpoints have set the classes
        self.call_after_refresh(self._show_status)  # in the new width

    def _fit_bus(self) -> None:
        """One row a lane on a short screen, or while the services take room."""
        services = self.query_one(ServicesView)
        services.compact = self.has_class("-short")
        self.bus.compact = services.compact or services.display

    def _bus_picture(self, snapshot: LabSnapshot) -> LabSnapshot:
        """While the services take the rows of a screen under FEW_ROWS, the bus draws only
        the lane that feeds the view panel (and the selected one): there the services are
        the subject, and the read model and its twin keep their rows."""
        if not (self.size.height < FEW_ROWS and self.query_one(ServicesView).display):
            return snapshot
        kept = {VIEW_LANES[self.view], self.selected_lane}
        return replace(snapshot, lanes=tuple(lane for lane in snapshot.lanes if lane.name in kept))

    def _words(self) -> Vocabulary:
        return self.names.vocabulary

    def on_mount(self) -> None:
        self.bus.selected = self.selected_lane
        self.watch(self, "focused", self._focus_moved, init=False)
        self.refresh_screen(views_now=True)
        if self.refresh_hz > 0:
            self.app.set_interval(1 / self.refresh_hz, self.tick, name="lab-refresh")
        self.call_after_refresh(self._learn_names)

    @property
    def bar(self) -> CommandBar:
        return self.query_one(CommandBar)

    @property
    def bus(self) -> BusView:
        return self.query_one(BusView)

    @property
    def lesson(self) -> LessonPanel:
        return self.query_one(LessonPanel)

    @property
    def view(self) -> str:
        """The view the view panel shows."""
        return self.query_one(ViewPicker).view

    @property
    def view_user(self) -> str:
        return self.query_one(ViewPicker).user

    def _learn_names(self) -> None:
        """Names for completion from a lab opened on a file (after the first frame)."""
        if problem := self.names.learn_lab(self.lab):
            self.log.warning(problem)

    # -- the refresh ----------------------------------------------------------------

    def tick(self) -> None:
        """One frame: the lab delivers what is due by its clock, the screen redraws; skipped
        if a load's worker is in one long request (a password hashing) and cannot let go."""
        if not self.guard.acquire(timeout=FRAME_WAIT):
            return
        try:
            self.lab.tick()
            self._ended(self.runner.advance("load"))
            if self.lab.notices:  # what nobody here asked for (another lab reset it)
                notices, self.lab.notices = self.lab.notices, []
                self.notify("; ".join(notices), title="shared database", severity="warning")
            self.refresh_screen()
        except NoMatches:  # quitting: the widgets are already gone
            return
        except Exception as error:  # a failing database must not take the screen down
            failure = f"the lab failed: {type(error).__name__}: {error}"
            if failure != self._failure:  # said once, not 30 times a second
                self._failure = failure
                self.bar.show_result(failure, ok=False)
        finally:
            self.guard.release()

    def refresh_screen(self, *, views_now: bool = False) -> None:
        """Draw one snapshot of the lab on every widget, in one batch."""
        redraw = self.redraw
        redraw.ticks += 1
        with self.guard, self.app.batch_update():
            snapshot = self.lab.snapshot()
            self._snapshot = snapshot
            self._show_status()
            bus = self._bus_picture(snapshot)
            if redraw.bus(bus):
                self.bus.show(bus)
            if redraw.services(now=views_now):
                self.query_one(ServicesView).show(services_picture(self.lab))
                self._fit_bus()
            if redraw.log(snapshot):
                self.query_one(EventLog).show(snapshot.recent_events)
                self.names.learn(snapshot)
            if redraw.metrics(snapshot, self.lab.metrics):  # a copy: the load counts on
                self.query_one(MetricsStrip).show(snapshot, deepcopy(self.lab.metrics))
            self._ended(self.runner.advance("rebuild"))
            self._show_progress()
            if redraw.views(snapshot, self.view, self.view_user, now=views_now):
                user = (self.view_user or None) if self.view in USER_VIEWS else None
                projection = self.lab.query(self.view, user, record=False)
                crud = self.lab.query(self.view, user, crud=True, record=False)
                self.query_one(ViewPanel).show(projection, crud)
            self.lesson.follow()

    def _show_status(self) -> None:
        """The status line: the lab's state and where keys go (typing, or single keys)."""
        if self._snapshot is None:
            return
        status = self.query_one(StatusLine)
        mode, width = key_mode(self.focused, self.bar.input, self.key_names), status.size.width
        status.show(
            status_text(self._snapshot, self.selected_lane, mode, self.branch, width, self.seat)
        )
        status.set_class(self._snapshot.paused, "-paused")

    def _focus_moved(self, _focused: Widget | None) -> None:
        try:
            self._show_status()
        except NoMatches:  # quitting
            return

    # -- running lines --------------------------------------------------------------

    def on_command_bar_submitted(self, message: CommandBar.Submitted) -> None:
        self.run_line(message.line)

    def on_command_bar_pasted(self, message: CommandBar.Pasted) -> None:
        """A pasted script: every line runs, and every result shows."""
        with self.bar.collecting():
            for line in message.lines:
                self.run_line(line)

    def on_command_form_submitted(self, message: CommandForm.Submitted) -> None:
        outcome = self.run_line(message.line)
        if outcome is not None and outcome.ok:
            self.query_one(CommandForm).clear()

    def on_command_form_left(self, message: CommandForm.Left) -> None:
        self.bar.input.focus()

    def submit(self, line: str) -> Outcome | None:
        """Run `line` as if typed in the bar and sent (it joins the bar's history)."""
        self.bar.history.add(line)
        return self.run_line(line)

    def run_line(self, line: str) -> Outcome | None:
        """Run one lab line and show what it did; None while a reset waits to be confirmed
        or a load or rebuild runs in the background."""
        with self.guard:
            return self._run_line(line)

    def _run_line(self, line: str) -> Outcome | None:
        parsed = interpreter.parse(line)
        action = parsed.action
        if isinstance(action, sc.Reset | sc.Load | sc.Rebuild) and not self.lab.refusal(action):
            if isinstance(action, sc.Reset):
                self._confirm_reset(parsed)
                return None
            interpreter.admit(self.lab, parsed)  # kept in the history as any line
            if isinstance(action, sc.Load):
                self.start_load(action.rate, action.duration)
            else:
                self.start_rebuild(action.lane)
            return None
        outcome = self._execute(parsed)
        if parsed.error is not None:
            self.bar.show_result(str(parsed.error), ok=False, detail=parsed.error.caret())
        elif outcome.code == "not_allowed":
            self.bar.show_result(outcome.message, ok=False)
        else:
            if (view := followed(self.lab, outcome, self.view)) is not None:
                self.select_view(*view)  # the view panel shows what the line was about
            self._show_outcome(outcome)
        return outcome

    def run_lines(self, lines: Sequence[str]) -> None:
        """Run several lines (from a dialog) and show all they did."""
        with self.guard:
            outcomes = [self._execute(interpreter.parse(line)) for line in lines]
        if outcomes:
            text = "; ".join(outcome.message for outcome in outcomes if outcome.message)
            self.bar.show_result(text, ok=all(o.ok for o in outcomes))
        self.refresh_screen(views_now=True)

    def _execute(self, parsed: ParsedLine) -> Outcome:
        with self.guard:  # a reset confirmed in a dialog comes here too
            return executed(self.lab, parsed)  # an open lesson checks its goal

    def _show_outcome(self, outcome: Outcome) -> None:
        if outcome.kind == "say":  # large under the status line, for the audience
            self.query_one(Caption).show(outcome.message)
        elif outcome.message or not outcome.ok:
            self.bar.show_result(outcome.message, ok=outcome.ok)
        self.refresh_screen(views_now=True)

    def select_view(self, view: str, user: str | None = None) -> None:
        """Show `view` (for `user`, if given) in the view panel."""
        self.query_one(ViewPicker).show(view, user or self.view_user)
        self.refresh_screen(views_now=True)

    def on_view_picker_changed(self, message: ViewPicker.Changed) -> None:
        self.refresh_screen(views_now=True)

    def _confirm_reset(self, parsed: ParsedLine) -> None:
        def answered(yes: bool | None) -> None:
            if not yes:
                self.bar.show_result("reset cancelled: nothing changed", ok=True)
                return
            self._stop_all()
            outcome = self._execute(parsed)
            self.names.forget()
            self._show_outcome(outcome)

        question = "Reset the lab? Every event, user, product and order is forgotten."
        self.app.push_screen(ConfirmScreen(question, yes="Reset"), answered)

    # -- widgets' messages ----------------------------------------------------------

    def on_bus_view_lane_selected(self, message: BusView.LaneSelected) -> None:
        self.selected_lane = message.lane
        self.refresh_screen()

    def on_event_log_event_selected(self, message: EventLog.EventSelected) -> None:
        with self.guard:
            event = find_event(self.lab, message.position)
        if event is not None:
            self.bar.show_note(describe_event(event) + "   (t: its causation trace)")

    def on_job_row_stop_pressed(self, message: JobRow.StopPressed) -> None:
        self.action_stop_load()

    # -- actions (the app's `lab('NAME')` bindings) ------------------------------------

    def action_toggle_pause(self) -> None:
        self.run_line("resume" if self.lab.paused else "pause")

    def action_step(self) -> None:
        self.run_line("step")

    def action_slower(self) -> None:
        slower = [speed for speed in SPEEDS if speed < self.lab.speed - 1e-9]
        if slower:
            self.run_line(f"speed {slower[-1]:g}")
        else:
            self.bar.show_result(f"already at the slowest speed, x{self.lab.speed:g}", ok=False)

    def action_faster(self) -> None:
        faster = [speed for speed in SPEEDS if speed > self.lab.speed + 1e-9]
        if faster:
            self.run_line(f"speed {faster[0]:g}")
        else:
            self.bar.show_result(f"already at the fastest speed, x{self.lab.speed:g}", ok=False)

    def action_toggle_forms(self) -> None:
        """Into the forms (shown first if hidden); from inside them, hide them and go back
        to the bar."""
        form = self.query_one(CommandForm)
        if in_form(self.app.focused):
            self.toggle_class("-forms-toggled")
            self.bar.input.focus()
            return
        if not form.display:
            self.toggle_class("-forms-toggled")
        self.call_after_refresh(form.focus_verb)  # once the form is laid out

    def action_leave_bar(self) -> None:
        if in_form(self.app.focused):
            self.bar.input.focus()
        elif isinstance(self.app.focused, Input):
            self.bus.focus()

    def action_focus_bar(self) -> None:
        self.bar.input.focus()

    def action_rebuild(self) -> None:
        self.start_rebuild(self.selected_lane)

    def action_lane_settings(self) -> None:
        self.open_lane_settings(self.selected_lane)

    def action_time_travel(self) -> None:
        if isinstance(self.app.screen, TimeTravelScreen):
            self.app.screen.dismiss(None)
            return
        with self.guard:
            timeline = Timeline.of(self.lab)
        screen = TimeTravelScreen(
            timeline,
            view=self.view,
            user=self.view_user,
            fork_clock=self.fork_clock,
            lesson_open=self.lesson.is_open,
        )
        self.app.push_screen(screen, self._travelled)

    def _travelled(self, fork: Fork | None) -> None:
        if fork is not None:
            self.post_message(self.Forked(fork.lab))
            self.branch = f"⑂ on a fork at #{fork.position}"
            self.switch_lab(fork.lab, fork.note)
            self.select_view(fork.view, fork.user or None)

    def action_trace(self) -> None:
        position = self.query_one(EventLog).cursor_position or self.lab.head
        if not position:
            self.bar.show_result("no events to trace yet", ok=False)
            return
        self.app.push_screen(TraceScreen(self.lab, position, self.guard))

    def action_predict(self) -> None:
        self.app.push_screen(
            PredictScreen(self.lab, self.run_line, self.view, self.view_user, self.guard)
        )

    def open_lane_settings(self, lane: str) -> None:
        settings = LaneSettingsScreen(
            lane, str(self.lab.latencies[lane]), str(self.lab.faults[lane])
        )
        self.app.push_screen(settings, self._settings_done)

    def _settings_done(self, lines: list[str] | None) -> None:
        if lines:
            self.run_lines(lines)

    def switch_lab(self, lab: Lab, note: str = "") -> None:
        """Go on with `lab` (a fork); the app owns it."""
        self._stop_all()
        self.lab = lab
        self.lesson.lab = lab
        self.names.forget()
        self.redraw.forget()
        self._failure = ""
        self._learn_names()
        if note:
            self.bar.show_result(note, ok=True)
        self.refresh_screen(views_now=True)
