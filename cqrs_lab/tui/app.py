"""The lab screen: the command bar and forms, the event bus, the projections beside their
CRUD twins, the event log and the metrics, all drawn from one Lab.

One timer (~30 Hz) lets the lab deliver what is due, takes one snapshot and hands it to the
widgets inside one `batch_update`: however many events arrive, the screen redraws once a
frame. Every line the learner sends, typed or from a form, dialog or the palette, goes
through `Lab.execute`, so the screen and `cqrs-lab run` behave the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Sequence
from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType, Keymap
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, ProgressBar, Select

from cqrs_lab import script as sc
from cqrs_lab.lab import VIEW_LANES, Lab, LabSnapshot, LaneState, Outcome, RebuildProgress
from cqrs_lab.lab.time_travel import Timeline
from cqrs_lab.lessons import Lesson
from cqrs_lab.sim.clock import Clock, ScaledClock
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.tui.caption import Caption
from cqrs_lab.tui.command_bar import CommandBar
from cqrs_lab.tui.completion import Vocabulary, WordSuggester
from cqrs_lab.tui.forms import CommandForm
from cqrs_lab.tui.lesson_panel import HINT_KEY, LESSON_KEY_HELP, LESSON_KEYS, LessonPanel
from cqrs_lab.tui.palette import LabCommands
from cqrs_lab.tui.screens import ConfirmScreen, HelpScreen, LaneSettingsScreen
from cqrs_lab.tui.screens.predict import PredictScreen
from cqrs_lab.tui.screens.time_travel import TimeTravelScreen
from cqrs_lab.tui.screens.trace import TraceScreen
from cqrs_lab.tui.widgets import BusView, EventLog, MetricsStrip, ViewPanel

REFRESH_HZ = 30.0
VIEW_REFRESH_TICKS = 8
"""The view panel queries the database: at most every 8th tick (about 4 times a second)."""
METRICS_SAMPLE_SECONDS = 0.25
"""Lab seconds between two lag samples of the metrics strip (also drawn on any change)."""
SPEEDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0)
"""The speeds F7 and F8 step through."""
USER_VIEWS = ("cart", "orders")
VIEW_OF_VERB = {
    "add-product": "catalog",
    "restock": "catalog",
    "add-to-cart": "cart",
    "remove-from-cart": "cart",
    "place-order": "orders",
    "pay": "orders",
    "cancel": "orders",
    "ship": "orders",
}
"""The view that shows what a shop command changed: the panel follows the last command."""
KEY_HELP = {
    "help": "this help",
    "toggle_forms": "show or hide the shop command forms",
    "toggle_pause": "pause or resume the lab clock",
    "step": "deliver the next event in flight (moves lab time to it)",
    "slower": "slow the lab clock down",
    "faster": "speed the lab clock up",
    "command_palette": "command palette: every lab action",
    "leave_bar": "leave the command bar (then the single keys work)",
    "focus_bar": "back to the command bar",
    "rebuild": "rebuild the selected lane's projection",
    "lane_settings": "latency and faults of the selected lane",
    "time_travel": "time travel: the views as of an earlier event; fork from there",
    "trace": "causation trace of the event under the log's cursor (or the newest)",
    "predict": "hold the view's lane, predict what it will show, then release",
    "quit": "quit",
    **LESSON_KEY_HELP,
}
"""What each action does, for the help screen."""


class StatusLine(Widget):
    """The header line. Redrawn only when its text changes, and never re-laid out (a
    `Static.update` would lay the whole screen out again, 30 times a second)."""

    def __init__(self, **options: str) -> None:
        super().__init__(**options)
        self._text = Text()

    def show(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return self._text


class LabApp(App[None]):
    """The CQRS Lab screen on one Lab (which the caller opens and closes)."""

    CSS_PATH: ClassVar = [
        "app.tcss",
        "widgets/widgets.tcss",
        "lessons.tcss",
        "caption.tcss",
        "screens/travel.tcss",
    ]
    TITLE = "CQRS Lab"
    AUTO_FOCUS = "#command-input"
    COMMANDS = App.COMMANDS | {LabCommands}
    VERTICAL_BREAKPOINTS: ClassVar = [(0, "-short"), (34, "-medium"), (44, "-tall")]
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (140, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        # Function keys work from anywhere, even in the command bar or a dialog.
        Binding("f1", "help", "Help", priority=True, id="help"),
        HINT_KEY,
        Binding("f2", "toggle_forms", "Forms", priority=True, id="forms"),
        *LESSON_KEYS,
        Binding("f5", "toggle_pause", "Pause", priority=True, id="pause"),
        Binding("f6", "step", "Step", priority=True, id="step"),
        Binding("f7", "slower", "Slower", priority=True, id="slower"),
        Binding("f8", "faster", "Faster", priority=True, id="faster"),
        Binding("f9", "time_travel", "Travel", priority=True, id="time-travel"),
        Binding("ctrl+p", "command_palette", "Palette", show=False, priority=True, id="palette"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
        # Single keys: only when no input has focus (Escape leaves the bar).
        Binding("escape", "leave_bar", "Leave bar", show=False, id="leave-bar"),
        Binding("space", "toggle_pause", "Pause", show=False, id="pause-key"),
        Binding("n", "step", "Step", show=False, id="step-key"),
        Binding("minus", "slower", "Slower", show=False, id="slower-key"),
        Binding("plus,equals_sign", "faster", "Faster", show=False, id="faster-key"),
        Binding("question_mark", "help", "Help", show=False, id="help-key"),
        Binding("r", "rebuild", "Rebuild", id="rebuild"),
        Binding("l", "lane_settings", "Lane", id="lane-settings"),
        Binding("colon", "focus_bar", "Bar", id="focus-bar"),
        Binding("T", "time_travel", "Time travel", show=False, id="time-travel-key"),
        Binding("t", "trace", "Trace", id="trace"),
        Binding("p", "predict", "Predict", id="predict"),
    ]

    def __init__(
        self, lab: Lab, *, refresh_hz: float = REFRESH_HZ, lesson: Lesson | None = None
    ) -> None:
        super().__init__()
        self.lab = lab
        self.first_lesson = lesson
        """A lesson to open at start (`cqrs-lab lesson ID`)."""
        self.refresh_hz = refresh_hz
        self.vocabulary = Vocabulary()
        self.selected_lane = "orders"
        self.view = "catalog"
        self.view_user = ""
        self.keymap: Keymap = {}
        self._rebuild: Generator[RebuildProgress, None, None] | None = None
        self._rebuild_lane = ""
        self._rebuilt = 0
        self._ticks = 0
        self._view_tick = -VIEW_REFRESH_TICKS
        self._view_key: tuple[object, ...] | None = None
        self._log_key: tuple[int, int] | None = None
        self._lanes: tuple[LaneState, ...] = ()
        self._metrics_key: tuple[object, ...] | None = None
        self._metrics_at = float("-inf")
        self._learned = 0
        self._failure = ""
        self._main: Screen[object] | None = None
        self.fork_clock: Callable[[], Clock] = ScaledClock
        """The clock a fork runs on (tests give one on a fake wall)."""
        self._forks: list[Lab] = []

    # -- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        yield Caption(id="caption")
        yield CommandBar(self._words, id="command-bar")
        yield CommandForm(self._words, id="command-form")
        with Horizontal(id="rebuild-row"):
            yield Label(id="rebuild-label", markup=False)
            yield ProgressBar(id="rebuild-progress", show_eta=False)
        yield BusView(id="bus")
        with Horizontal(id="middle"):
            with Vertical(id="views"):
                with Horizontal(id="view-picker"):
                    yield Label("view", id="view-label")
                    yield Select(
                        [(view, view) for view in sc.VIEWS],
                        value=self.view,
                        allow_blank=False,
                        compact=True,
                        id="view-select",
                    )
                    yield Input(
                        placeholder="user (cart, orders)",
                        compact=True,
                        id="view-user",
                        suggester=WordSuggester("user", self._words),
                    )
                yield ViewPanel(id="view-panel")
            yield EventLog(id="event-log")
        yield MetricsStrip(id="metrics")
        yield LessonPanel(self.lab, self.first_lesson, id="lesson-panel")
        yield Footer()

    def _words(self) -> Vocabulary:
        return self.vocabulary

    def on_mount(self) -> None:
        self._main = self.screen
        self.bus.selected = self.selected_lane
        self.refresh_screen(views_now=True)
        if self.refresh_hz > 0:
            self.set_interval(1 / self.refresh_hz, self.tick, name="lab-refresh")
        self.call_after_refresh(self._learn_names)

    def _learn_names(self) -> None:
        """Names for completion from a lab opened on a file (after the first frame)."""
        try:
            known = Vocabulary.from_lab(self.lab)
        except Exception as error:  # completion is a comfort: never fail the screen for it
            self.log.warning(f"no names for completion: {error}")
            return
        for kind in ("users", "skus", "orders"):
            mine = getattr(self.vocabulary, kind)
            mine.extend(word for word in getattr(known, kind) if word not in mine)

    @property
    def main(self) -> Screen[object]:
        """The lab screen itself (the current screen may be a dialog on top of it)."""
        return self._main or self.screen

    @property
    def bar(self) -> CommandBar:
        return self.main.query_one(CommandBar)

    @property
    def bus(self) -> BusView:
        return self.main.query_one(BusView)

    @property
    def lesson(self) -> LessonPanel:
        return self.main.query_one(LessonPanel)

    # -- the refresh ----------------------------------------------------------------

    def tick(self) -> None:
        """One frame: the lab delivers what is due by its clock, the screen redraws."""
        try:
            self.lab.tick()
            self.refresh_screen()
        except NoMatches:  # quitting: the widgets are already gone
            return
        except Exception as error:  # a failing database must not take the screen down
            failure = f"the lab failed: {type(error).__name__}: {error}"
            if failure != self._failure:  # said once, not 30 times a second
                self._failure = failure
                self.bar.show_result(failure, ok=False, keep_line=True)

    def refresh_screen(self, *, views_now: bool = False) -> None:
        """Draw one snapshot of the lab on every widget, in one batch."""
        self._ticks += 1
        snapshot = self.lab.snapshot()
        main = self.main
        with self.batch_update():
            status = main.query_one(StatusLine)
            status.show(status_text(snapshot, self.selected_lane))
            status.set_class(snapshot.paused, "-paused")
            if snapshot.in_flight or snapshot.lanes != self._lanes:
                self._lanes = snapshot.lanes  # nothing moves on an idle bus: no redraw
                self.bus.show(snapshot)
            log_key = (snapshot.head, len(snapshot.recent_events))
            if log_key != self._log_key:
                self._log_key = log_key
                main.query_one(EventLog).show(snapshot.recent_events)
                self._learn(snapshot)
            self._show_metrics(snapshot)
            self._advance_rebuild()
            self._refresh_views(snapshot, now=views_now)
            main.query_one(LessonPanel).follow()

    def _learn(self, snapshot: LabSnapshot) -> None:
        if snapshot.head < self._learned:  # the lab was reset
            self.vocabulary.clear()
        fresh = [event for event in snapshot.recent_events if event.position > self._learned]
        self.vocabulary.learn(reversed(fresh))
        self._learned = snapshot.head

    def _show_metrics(self, snapshot: LabSnapshot) -> None:
        """A lag sample every quarter of a lab second, and whenever a number changed."""
        key = (snapshot.head, *(lane.checkpoint for lane in snapshot.lanes), snapshot.in_flight)
        if key == self._metrics_key and snapshot.now - self._metrics_at < METRICS_SAMPLE_SECONDS:
            return
        self._metrics_key, self._metrics_at = key, snapshot.now
        self.main.query_one(MetricsStrip).show(snapshot, self.lab.metrics)

    def _refresh_views(self, snapshot: LabSnapshot, *, now: bool) -> None:
        lane = snapshot.lane(VIEW_LANES[self.view])
        behind = round(lane.lag_seconds, 1) if lane.lag_events else 0.0
        key = (self.view, self.view_user, snapshot.head, lane.checkpoint, behind)
        if key == self._view_key:
            return
        if not now and self._ticks - self._view_tick < VIEW_REFRESH_TICKS:
            return
        self._view_key, self._view_tick = key, self._ticks
        user = (self.view_user or None) if self.view in USER_VIEWS else None
        projection = self.lab.query(self.view, user, record=False)
        crud = self.lab.query(self.view, user, crud=True, record=False)
        self.main.query_one(ViewPanel).show(projection, crud)

    # -- running lines --------------------------------------------------------------

    @on(CommandBar.Submitted)
    def _bar_line(self, message: CommandBar.Submitted) -> None:
        self.run_line(message.line)

    @on(CommandForm.Submitted)
    def _form_line(self, message: CommandForm.Submitted) -> None:
        outcome = self.run_line(message.line)
        if outcome is not None and outcome.ok:
            self.main.query_one(CommandForm).clear()

    def run_line(self, line: str) -> Outcome | None:
        """Run one lab line and show what it did; None while a reset waits to be confirmed."""
        try:
            action = sc.parse_line(line)
        except sc.ScriptError as error:
            outcome = self._execute(line)
            self.bar.show_result(str(error), ok=False, detail=error.caret())
            return outcome
        if isinstance(action, sc.Reset):
            self._confirm_reset(line)
            return None
        outcome = self._execute(line)
        self._follow(action, outcome)
        self._show_outcome(outcome)
        return outcome

    def run_lines(self, lines: Sequence[str]) -> None:
        """Run several lines (from a dialog) and show all they did."""
        outcomes = [self._execute(line) for line in lines]
        if outcomes:
            text = "; ".join(outcome.message for outcome in outcomes if outcome.message)
            self.bar.show_result(text, ok=all(o.ok for o in outcomes), keep_line=True)
        self.refresh_screen(views_now=True)

    def _execute(self, line: str) -> Outcome:
        try:
            return self.lesson.execute(line)  # through the open lesson, which checks its goal
        except Exception as error:  # the Lab should not raise for input; if it does, say so
            message = f"the lab failed on this line: {type(error).__name__}: {error}"
            return Outcome(line, False, "error", message, {}, type(error).__name__)

    def _show_outcome(self, outcome: Outcome) -> None:
        if outcome.kind == "say":
            self.show_caption(outcome.message)
        elif outcome.message or not outcome.ok:
            self.bar.show_result(outcome.message, ok=outcome.ok, keep_line=not outcome.ok)
        self.refresh_screen(views_now=True)

    def show_caption(self, text: str) -> None:
        """Show `text` large under the status line, for the audience (empty: hide it)."""
        self.main.query_one(Caption).show(text)

    def _follow(self, action: sc.Action | None, outcome: Outcome) -> None:
        """Point the view panel at what the line was about."""
        if not outcome.ok:
            return
        if isinstance(action, sc.Query):
            self.select_view(action.view, action.username)
        elif isinstance(action, sc.Send):
            self.select_view(VIEW_OF_VERB.get(action.verb, self.view), _user_of(self.lab, outcome))

    def select_view(self, view: str, user: str | None = None) -> None:
        """Show `view` (for `user`, if given) in the view panel."""
        self.view = view
        if user:
            self.view_user = user
        main = self.main
        main.query_one("#view-select", Select).value = view
        main.query_one("#view-user", Input).value = self.view_user
        self.refresh_screen(views_now=True)

    @on(Select.Changed, "#view-select")
    def _view_picked(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.view:
            self.view = event.value
            self.refresh_screen(views_now=True)

    @on(Input.Changed, "#view-user")
    def _user_typed(self, event: Input.Changed) -> None:
        if event.value.strip() != self.view_user:
            self.view_user = event.value.strip()
            self.refresh_screen(views_now=True)

    # -- widgets' messages ----------------------------------------------------------

    @on(BusView.LaneSelected)
    def _lane_selected(self, message: BusView.LaneSelected) -> None:
        self.selected_lane = message.lane
        self.refresh_screen()

    @on(EventLog.EventSelected)
    def _event_selected(self, message: EventLog.EventSelected) -> None:
        event = _find_event(self.lab, message.position)
        if event is not None:
            self.bar.show_note(describe_event(event) + "   (t: its causation trace)")

    # -- actions --------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Lesson keys only while a lesson is open (F2 shows the forms otherwise)."""
        if action in ("lesson", "lessons"):
            try:
                return self.lesson.allows(str(parameters[0]) if parameters else action)
            except NoMatches:  # starting or quitting
                return False
        return True

    def action_lesson(self, name: str) -> None:
        self.lesson.act(name)

    def action_lessons(self) -> None:
        self.lesson.choose()

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

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen(self.key_help()))

    def action_toggle_forms(self) -> None:
        self.main.toggle_class("-forms-toggled")

    def action_leave_bar(self) -> None:
        if isinstance(self.focused, Input):
            self.bus.focus()

    def action_focus_bar(self) -> None:
        self.bar.input.focus()

    def action_rebuild(self) -> None:
        self.start_rebuild(self.selected_lane)

    def action_lane_settings(self) -> None:
        self.open_lane_settings(self.selected_lane)

    def action_reset(self) -> None:
        self.run_line("reset")

    def action_time_travel(self) -> None:
        if isinstance(self.screen, TimeTravelScreen):
            self.screen.dismiss(None)
            return
        timeline = Timeline.of(self.lab)
        screen = TimeTravelScreen(
            timeline, view=self.view, user=self.view_user, fork_clock=self.fork_clock
        )
        self.push_screen(screen)

    def action_trace(self) -> None:
        position = self.main.query_one(EventLog).cursor_position or self.lab.head
        if not position:
            self.bar.show_result("no events to trace yet", ok=False, keep_line=True)
            return
        self.push_screen(TraceScreen(self.lab, position))

    def action_predict(self) -> None:
        self.push_screen(PredictScreen(self.view, self.view_user))

    def switch_lab(self, lab: Lab, note: str = "") -> None:
        """Make `lab` (a fork) the live lab. The app closes the labs it switched to; the
        caller still closes the one it gave."""
        self._stop_rebuild()
        previous, self.lab = self.lab, lab
        self.lesson.lab = lab
        if previous in self._forks:
            self._forks.remove(previous)
            previous.close()
        self._forks.append(lab)
        self.vocabulary.clear()
        self._learned = 0
        self._view_key = self._log_key = self._metrics_key = None
        self._lanes = ()
        self._failure = ""
        self._learn_names()
        if note:
            self.bar.show_result(note, ok=True, keep_line=True)
        self.refresh_screen(views_now=True)

    def on_unmount(self) -> None:
        for lab in self._forks:
            lab.close()
        self._forks.clear()

    def start_rebuild(self, lane: str) -> None:
        """Rebuild a projection one batch per frame, with a progress bar."""
        if self._rebuild is not None:
            self.bar.show_result("a rebuild is already running", ok=False, keep_line=True)
            return
        self._rebuild = self.lab.rebuild_steps(lane)
        self._rebuild_lane, self._rebuilt = lane, 0
        self.main.query_one("#rebuild-label", Label).update(f"rebuilding {lane} ")
        self.main.query_one("#rebuild-progress", ProgressBar).update(total=None, progress=0)
        self.main.query_one("#rebuild-row").display = True
        self.refresh_screen(views_now=True)

    def _advance_rebuild(self) -> None:
        if self._rebuild is None:
            return
        try:
            progress = next(self._rebuild)
        except StopIteration:
            self._end_rebuild(f"rebuilt {self._rebuild_lane} from {self._rebuilt} events", True)
        except Exception as error:  # shown, never a traceback
            self._end_rebuild(f"the rebuild failed: {error}", False)
        else:
            self._rebuilt = progress.done
            bar = self.main.query_one("#rebuild-progress", ProgressBar)
            bar.update(total=max(progress.total, 1), progress=progress.done)

    def _end_rebuild(self, message: str, ok: bool) -> None:
        self._rebuild = None
        self.main.query_one("#rebuild-row").display = False
        self.bar.show_result(message, ok=ok, keep_line=True)
        self._view_key = None

    def _stop_rebuild(self) -> None:
        if self._rebuild is not None:
            self._rebuild.close()
            self._end_rebuild("rebuild stopped", False)

    def open_lane_settings(self, lane: str) -> None:
        settings = LaneSettingsScreen(
            lane, str(self.lab.latencies[lane]), str(self.lab.faults[lane])
        )
        self.push_screen(settings, self._settings_done)

    def _settings_done(self, lines: list[str] | None) -> None:
        if lines:
            self.run_lines(lines)

    def _confirm_reset(self, line: str) -> None:
        def answered(yes: bool | None) -> None:
            if not yes:
                self.bar.show_result("reset cancelled: nothing changed", ok=True)
                return
            self._stop_rebuild()
            outcome = self._execute(line)
            self.vocabulary.clear()
            self._show_outcome(outcome)

        question = "Reset the lab? Every event, user, product and order is forgotten."
        self.push_screen(ConfirmScreen(question, yes="Reset"), answered)

    # -- keys -----------------------------------------------------------------------

    def set_keymap(self, keymap: Keymap) -> None:
        self.keymap = dict(keymap)
        super().set_keymap(keymap)

    def update_keymap(self, keymap: Keymap) -> None:
        self.keymap = {**self.keymap, **keymap}
        super().update_keymap(keymap)

    def get_key_display(self, binding: Binding) -> str:
        """Function keys as F1, F5... (as printed on keyboards)."""
        shown = super().get_key_display(binding)
        return shown.upper() if re.fullmatch(r"f[0-9]{1,2}", shown) else shown

    def key_help(self) -> list[tuple[str, str]]:
        """(keys, what they do) for the help screen, with the keymap applied."""
        keys: dict[str, list[str]] = {}
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            key = self.keymap.get(binding.id or "", binding.key)
            shown = [self.get_key_display(replace(binding, key=k.strip())) for k in key.split(",")]
            keys.setdefault(binding.action, []).extend(shown)
        return [(" / ".join(shown), KEY_HELP.get(action, action)) for action, shown in keys.items()]


def status_text(snapshot: LabSnapshot, lane: str) -> Text:
    """The header: lab time, running or PAUSED (in words), speed, seed, head, selected lane."""
    text = Text(" CQRS Lab ", style="bold")
    text.append("│ ")
    text.append(f"t={snapshot.now:.1f}s ", style="bold")
    text.append("│ ")
    text.append("‖ PAUSED " if snapshot.paused else "▶ running ", style="bold")
    text.append(f"speed x{snapshot.speed:g} ")
    text.append("│ ")
    text.append(f"seed {snapshot.seed} │ head #{snapshot.head} │ {snapshot.in_flight} in flight ")
    text.append(f"│ lane: {lane} ")
    return text


def describe_event(event: RecordedEvent) -> str:
    """One event in full, for the line under the bar."""
    meta = event.metadata
    data = json.dumps(event.data, default=str)
    return (
        f"event #{event.position} {event.type} on {event.stream_id} v{event.version} "
        f"at t={meta.recorded_at:.3f}s, correlation {meta.correlation_id[:8]}, "
        f"causation {meta.causation_id[:8]}: {data}"
    )


def _find_event(lab: Lab, position: int) -> RecordedEvent | None:
    for event in lab.recent:
        if event.position == position:
            return event
    found = lab.store.read_all(after=position - 1, limit=1)
    return found[0] if found and found[0].position == position else None


def _user_of(lab: Lab, outcome: Outcome) -> str | None:
    """The user a command's events are about (pay, ship and cancel name only an order)."""
    positions = {event["position"] for event in outcome.data.get("events", ())}
    for event in lab.recent:
        if event.position in positions and isinstance(event.data.get("username"), str):
            return str(event.data["username"])
    return None
