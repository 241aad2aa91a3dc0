"""The lab screen: the command bar and forms, the event bus, the projections beside their
CRUD twins, the event log and the metrics, all drawn from one Lab.

One timer (~30 Hz) lets the lab deliver what is due, takes one snapshot and hands it to the
widgets inside one `batch_update`: however many events arrive, the screen redraws once a
frame. Every line the learner sends, typed or from a form, dialog or the palette, goes
through `Lab.execute`, so the screen and `cqrs-lab run` behave the same; except `load` and
`rebuild`, which the screen runs over many frames with a progress bar (`Lab.start_load`,
`Lab.rebuild_steps`, the same work `Lab.execute` would do at once), so it never freezes.

Drawing comes first: this module imports only Textual, and `LabApp(opener=...)` shows a light
first frame ("opening lab…") before the lab's own modules (SQLAlchemy, SQLModel, pydantic,
most of the start-up time) are imported in a thread and the lab is opened. Lines typed
meanwhile are kept and run once the lab is open. `LabApp(lab)` is ready at once.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap, BindingType, Keymap
from textual.command import Provider
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, ProgressBar, Select, Static

from cqrs_lab.config import Config, load_config
from cqrs_lab.read.view_specs import USER_VIEWS, VIEW_LANES
from cqrs_lab.tui.caption import Caption
from cqrs_lab.tui.settings import (
    apply_app_settings,
    apply_keymap,
    apply_lab_settings,
    save_theme_choice,
    screenshot_folder,
)
from cqrs_lab.tui.settings import (
    default_opener as _default_opener,
)
from cqrs_lab.tui.speeds import SPEEDS

if TYPE_CHECKING:
    # Bound at run time by `load_lab_modules`, after the first frame.
    from cqrs_lab import script as sc
    from cqrs_lab.lab import Lab, LabSnapshot, LaneState, Outcome, RebuildProgress, interpreter
    from cqrs_lab.lab.load import LoadRun
    from cqrs_lab.lab.time_travel import Timeline
    from cqrs_lab.lessons import Lesson
    from cqrs_lab.sim.clock import Clock, ScaledClock
    from cqrs_lab.sim.durations import format_duration
    from cqrs_lab.store.event_store import RecordedEvent
    from cqrs_lab.tui.command_bar import CommandBar
    from cqrs_lab.tui.completion import Vocabulary, WordSuggester
    from cqrs_lab.tui.forms import CommandForm
    from cqrs_lab.tui.lesson_panel import HINT_KEY, LESSON_KEY_HELP, LESSON_KEYS, LessonPanel
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
    "stop_load": "stop the load running in the background (`load RATE/s for DURATION`)",
    "lane_settings": "latency and faults of the selected lane",
    "time_travel": "time travel: the views as of an earlier event; fork from there",
    "trace": "causation trace of the event under the log's cursor (or the newest)",
    "predict": "hold the view's lane, predict what it will show, then release",
    "quit": "quit",
}
"""What each action does, for the help screen (with the lesson panel's `LESSON_KEY_HELP`)."""
REBUILD_BATCH = 2_000
"""Events a rebuild replays a frame: about 25 ms here (the lab rebuilds ~70,000 events/s)."""
LOAD_ARRIVALS_PER_FRAME = 100
"""A fast load sends at most this many requests a frame, so the screen keeps drawing; late
arrivals go out in the next frames."""
OPENING = "opening lab…"
MODE_KEYS = ("pause-key", "step-key", "slower-key", "faster-key", "help-key", "focus-bar")
"""The single keys the status line names while they are live (focus off every input)."""


class LabUnavailable(Exception):
    """The lab cannot be opened: the message says why (the app exits with it, code 2)."""


def load_lab_modules() -> None:
    """Import what the lab screen needs beyond its first frame, and bind it in this module.

    Most of the app's start-up time is here (SQLAlchemy, SQLModel, pydantic), so the app runs
    this in a thread after its first frame: imports are thread-safe, and nothing here touches
    a lab. The app uses these names only once it is `ready`. Later calls find everything
    imported already.
    """
    global sc, interpreter, Outcome, Timeline, ScaledClock, format_duration, CommandBar
    global Vocabulary, WordSuggester, CommandForm, HINT_KEY, LESSON_KEY_HELP, LESSON_KEYS
    global LessonPanel, ConfirmScreen, HelpScreen, LaneSettingsScreen, PredictScreen
    global TimeTravelScreen, LoadRun, TraceScreen, BusView, EventLog, MetricsStrip, ViewPanel
    from cqrs_lab import script as sc
    from cqrs_lab.lab import Outcome, interpreter
    from cqrs_lab.lab.load import LoadRun
    from cqrs_lab.lab.time_travel import Timeline
    from cqrs_lab.sim.clock import ScaledClock
    from cqrs_lab.sim.durations import format_duration
    from cqrs_lab.tui.command_bar import CommandBar
    from cqrs_lab.tui.completion import Vocabulary, WordSuggester
    from cqrs_lab.tui.forms import CommandForm
    from cqrs_lab.tui.lesson_panel import HINT_KEY, LESSON_KEY_HELP, LESSON_KEYS, LessonPanel
    from cqrs_lab.tui.screens import ConfirmScreen, HelpScreen, LaneSettingsScreen
    from cqrs_lab.tui.screens.predict import PredictScreen
    from cqrs_lab.tui.screens.time_travel import TimeTravelScreen
    from cqrs_lab.tui.screens.trace import TraceScreen
    from cqrs_lab.tui.widgets import BusView, EventLog, MetricsStrip, ViewPanel


def _lab_commands() -> type[Provider]:
    """The palette's lab actions, imported when the palette first opens."""
    from cqrs_lab.tui.palette import LabCommands

    return LabCommands


def _scaled_clock() -> Clock:
    return ScaledClock()


class EarlyInput(Input):
    """The command bar of the first frame, while the lab opens: it keeps the lines typed
    (Enter clears it at once, like the bar, so keys typed next start a fresh line)."""

    async def action_submit(self) -> None:
        line, self.value = self.value, ""
        self.post_message(self.Submitted(self, line))


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
    """The CQRS Lab screen on one Lab: given, or opened after the first frame."""

    CSS_PATH: ClassVar = [
        "app.tcss",
        "widgets/widgets.tcss",
        "lessons.tcss",
        "caption.tcss",
        "screens/travel.tcss",
    ]
    TITLE = "CQRS Lab"
    AUTO_FOCUS = "#command-input"
    COMMANDS = App.COMMANDS | {_lab_commands}
    VERTICAL_BREAKPOINTS: ClassVar = [(0, "-short"), (34, "-medium"), (44, "-tall")]
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (140, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        # Function keys work from anywhere, even in the command bar or a dialog.
        Binding("f1", "help", "Help", priority=True, id="help"),
        # The lesson keys (F2 hint, F3, F4, h, [, ]) join around F2 forms when the lab opens.
        Binding("f2", "toggle_forms", "Forms", priority=True, id="forms"),
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
        Binding("ctrl+x", "stop_load", "Stop load", priority=True, id="stop-load"),
        Binding("x", "stop_load", "Stop load", show=False, id="stop-load-key"),
        Binding("l", "lane_settings", "Lane", id="lane-settings"),
        Binding("colon", "focus_bar", "Bar", id="focus-bar"),
        Binding("T", "time_travel", "Time travel", show=False, id="time-travel-key"),
        Binding("t", "trace", "Trace", id="trace"),
        Binding("p", "predict", "Predict", id="predict"),
    ]

    lab: Lab
    """The live lab (set once it is open: at once when given, else after the first frame)."""
    vocabulary: Vocabulary

    def __init__(
        self,
        lab: Lab | None = None,
        *,
        opener: Callable[[], Lab] | None = None,
        refresh_hz: float = REFRESH_HZ,
        lesson: Lesson | None = None,
        lesson_step: int | None = None,
        config: Config | None = None,
    ) -> None:
        """On `lab` (which the caller opens and closes), or on the lab `opener` returns after
        the first frame (the app closes that one; it raises `LabUnavailable` if it cannot).
        With neither (`textual run --dev cqrs_lab.tui.app:LabApp`), on the lab `cqrs-lab`
        would open, with the user's config file.

        `config` gives the theme, keymap, speed, latencies and screenshot folder; without
        one the app uses no config file at all (tests)."""
        if lab is not None and opener is not None:
            raise ValueError("give the lab screen a lab or an opener, not both")
        if lab is None and opener is None:
            config = config or load_config()
            opener = _default_opener(config)
        super().__init__()
        self.config = config or Config()
        self.opener = opener
        self._opened: Lab | None = None  # the lab the opener gave: the app closes it
        self.ready = False
        """True once the lab is open and the lab's widgets are on the screen."""
        self._early_lines: list[str] = []
        self.first_lesson = lesson
        """A lesson to open at start (`cqrs-lab lesson ID`)."""
        self.first_step = lesson_step
        """The step (from 0) to open it at (`--step N`); None: where the learner left it."""
        self.refresh_hz = refresh_hz
        self.selected_lane = "orders"
        self.view = "catalog"
        self.view_user = ""
        self.keymap: Keymap = {}
        self._rebuild: Iterator[RebuildProgress] | None = None
        self._rebuild_lane = ""
        self._rebuilt: dict[str, int] = {}
        self._load: LoadRun | None = None
        self._ticks = 0
        self._view_tick = -VIEW_REFRESH_TICKS
        self._view_key: tuple[object, ...] | None = None
        self._log_key: tuple[int, int] | None = None
        self._lanes: tuple[LaneState, ...] = ()
        self._snapshot: LabSnapshot | None = None
        self._metrics_key: tuple[object, ...] | None = None
        self._metrics_at = float("-inf")
        self._learned = 0
        self._failure = ""
        self._main: Screen[object] | None = None
        self.fork_clock: Callable[[], Clock] = _scaled_clock
        """The clock a fork runs on (tests give one on a fake wall)."""
        self._forks: list[Lab] = []
        self._settings_problems: list[str] = []
        if lab is not None:
            load_lab_modules()
            self._adopt(lab)

    def _adopt(self, lab: Lab) -> None:
        """The lab is open: from here on the screen is the lab's."""
        self.lab = lab
        self.vocabulary = Vocabulary()
        self._bind_lesson_keys()
        binding_ids = {
            binding.id
            for bindings in self._bindings.key_to_bindings.values()
            for binding in bindings
            if binding.id
        }
        self._settings_problems += apply_keymap(self, self.config, binding_ids)
        self._settings_problems += apply_lab_settings(lab, self.config)
        self.ready = True

    def _bind_lesson_keys(self) -> None:
        """The lesson panel's keys, in the place they would have in BINDINGS: F2 (hint) before
        F2 (forms), then F3, F4, h, [ and ]. They come from the lessons engine, which loads
        with the lab after the first frame, so they join the app's binding map (which Textual
        built from BINDINGS) here."""
        lesson = BindingsMap([HINT_KEY, *LESSON_KEYS]).key_to_bindings
        keys: dict[str, list[Binding]] = {}
        for key, bindings in self._bindings.key_to_bindings.items():
            keys[key] = [*lesson.pop(key, []), *bindings]
            if key == HINT_KEY.key:
                keys.update(lesson)
                lesson = {}
        keys.update(lesson)
        self._bindings = BindingsMap.from_keys(keys)

    # -- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        status = StatusLine(id="status")
        if not self.ready:
            status.show(Text(f" CQRS Lab │ {OPENING} ", style="bold"))
        yield status
        yield Caption(id="caption")
        if not self.ready:
            yield from self._compose_opening()
            return
        yield CommandBar(self._words, id="command-bar")
        yield CommandForm(self._words, id="command-form")
        with Horizontal(id="rebuild-row"):
            yield Label(id="rebuild-label", markup=False)
            yield ProgressBar(id="rebuild-progress", show_eta=False)
        with Horizontal(id="load-row"):
            yield Label(id="load-label", markup=False)
            yield ProgressBar(id="load-progress", show_eta=False)
            yield Button("Stop ^x", id="load-stop", compact=True)
        yield BusView(id="bus")
        with Horizontal(id="middle"):
            with Vertical(id="views"):
                with Horizontal(id="view-picker"):
                    yield Label("view", id="view-label")
                    yield Select(
                        [(view, view) for view in sc.VIEW_NAMES],
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
        yield LessonPanel(self.lab, self.first_lesson, step=self.first_step, id="lesson-panel")
        yield Footer()

    def _compose_opening(self) -> ComposeResult:
        """The first frame, while the lab opens: a command bar that keeps lines, the keys."""
        with Vertical(id="command-bar"):
            yield EarlyInput(
                placeholder="type a lab line: it runs as soon as the lab is open",
                id="command-input",
            )
            yield Static(OPENING, id="command-message", markup=False)
        yield Footer()

    def _words(self) -> Vocabulary:
        return self.vocabulary

    def on_mount(self) -> None:
        self._main = self.screen
        self._settings_problems += apply_app_settings(self, self.config)
        self._say_settings_problems()
        if self.ready:
            self._start()
        else:
            self.call_after_refresh(self._open_after_first_frame)

    def _start(self) -> None:
        """The lab's widgets are on the screen: draw the lab and start the refresh timer."""
        self.bus.selected = self.selected_lane
        self.watch(self.main, "focused", self._focus_moved, init=False)
        self.refresh_screen(views_now=True)
        if self.refresh_hz > 0:
            self.set_interval(1 / self.refresh_hz, self.tick, name="lab-refresh")
        self.call_after_refresh(self._learn_names)

    def _open_after_first_frame(self) -> None:
        self.run_worker(self._import_lab_modules(), name="lab-modules")

    async def _import_lab_modules(self) -> None:
        """In a thread, so the first frame stays live (and keeps what is typed) meanwhile;
        the lab itself opens on the UI thread, in the app's own message loop (`_open_lab`):
        the Lab is not thread-safe, and its store keeps a connection for the thread that
        opened it."""
        await asyncio.to_thread(load_lab_modules)
        self.call_later(self._open_lab)

    async def _open_lab(self) -> None:
        """Open the lab, put the lab's widgets in place of the first frame's, carry over
        what was typed, and run the lines entered meanwhile."""
        assert self.opener is not None
        try:
            lab = self.opener()
        except LabUnavailable as error:
            self.error_console.soft_wrap = True  # one line, as said (the terminal wraps it)
            self.exit(return_code=2, message=Text(str(error)))
            return
        self._opened = lab
        early = self.query_one(EarlyInput)
        # Nothing focused: the app is blurred (a served page starts so until it is clicked,
        # and would hand focus back to the first frame's input, gone by then).
        had_focus = self.focused in (early, None)
        self._adopt(lab)
        await self.recompose()
        self.refresh_bindings()
        self._start()
        bar = self.bar.input
        if had_focus:
            self.set_focus(bar)
        # After the focus event, which selects all the text (a key would replace it).
        bar.call_later(bar.insert_text_at_cursor, early.value)
        self._say_settings_problems()
        lines, self._early_lines = self._early_lines, []
        for line in lines:
            self.bar.history.add(line)
            self.run_line(line)

    @on(Input.Submitted, "EarlyInput")
    def _early_line(self, event: Input.Submitted) -> None:
        """A line typed before the lab opened: it runs once the lab is open."""
        event.stop()
        if not event.value.strip():
            return
        if self.ready:  # it arrived while the lab's widgets were being put in place
            self.bar.history.add(event.value)
            self.run_line(event.value)
            return
        self._early_lines.append(event.value)
        waiting = len(self._early_lines)
        note = f"{OPENING} {waiting} line{'s' if waiting > 1 else ''} waiting to run"
        self.query_one("#command-message", Static).update(note)

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
            self._poll_load()
            self._say_notices()
            self.refresh_screen()
        except NoMatches:  # quitting: the widgets are already gone
            return
        except Exception as error:  # a failing database must not take the screen down
            failure = f"the lab failed: {type(error).__name__}: {error}"
            if failure != self._failure:  # said once, not 30 times a second
                self._failure = failure
                self.bar.show_result(failure, ok=False)

    def _say_notices(self) -> None:
        """What happened to the lab that nobody here asked for (another lab reset it)."""
        if self.lab.notices:
            notices, self.lab.notices = self.lab.notices, []
            self.notify("; ".join(notices), title="shared database", severity="warning")

    def refresh_screen(self, *, views_now: bool = False) -> None:
        """Draw one snapshot of the lab on every widget, in one batch."""
        self._ticks += 1
        snapshot = self.lab.snapshot()
        main = self.main
        with self.batch_update():
            self._snapshot = snapshot
            self._show_status()
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
            self._show_load()
            self._refresh_views(snapshot, now=views_now)
            main.query_one(LessonPanel).follow()

    def _show_status(self) -> None:
        """The status line: the lab's state and where keys go (typing, or single keys)."""
        if self._snapshot is None:
            return
        mode = self.focus_mode()
        status = self.main.query_one(StatusLine)
        status.show(status_text(self._snapshot, self.selected_lane, mode))
        status.set_class(self._snapshot.paused, "-paused")

    def focus_mode(self) -> str:
        """Where keys go, in words: into an input (typing), or to the lab's single keys."""
        focused = self.main.focused
        if self._in_form(focused):
            return "typing: form · Esc bar"
        if isinstance(focused, Input):
            where = "bar" if focused is self.bar.input else "input"
            return f"typing: {where} · Esc keys"
        return f"keys: {self.single_keys()}"

    def single_keys(self) -> str:
        """The single keys of MODE_KEYS as the keymap sets them ('space n - + ? :')."""
        shown = []
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id in MODE_KEYS:
                key = self.keymap.get(binding.id, binding.key).split(",")[0].strip()
                shown.append(self.get_key_display(replace(binding, key=key)))
        return " ".join(shown)

    def _focus_moved(self, _focused: Widget | None) -> None:
        try:
            self._show_status()
        except NoMatches:  # quitting
            return

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

    # Handlers by name (not `@on`): the widgets' classes load after the first frame.

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
            self.main.query_one(CommandForm).clear()

    def on_command_form_left(self, message: CommandForm.Left) -> None:
        self.bar.input.focus()

    def run_line(self, line: str) -> Outcome | None:
        """Run one lab line and show what it did; None while a reset waits to be confirmed
        or a load or rebuild runs in the background."""
        try:
            action = sc.parse_line(line)
        except sc.ScriptError as error:
            outcome = self._execute(line)
            self.bar.show_result(str(error), ok=False, detail=error.caret())
            return outcome
        if refusal := self.lab.refusal(action):
            outcome = self._execute(line)  # refused there too: kept in history and metrics
            self.bar.show_result(refusal, ok=False)
            return outcome
        if isinstance(action, sc.Reset):
            self._confirm_reset(line)
            return None
        if isinstance(action, sc.Load | sc.Rebuild):
            self.lab.history.append(sc.mask_secrets(line).strip())  # as `Lab.execute` keeps it
            if isinstance(action, sc.Load):
                self.start_load(action.rate, action.duration)
            else:
                self.start_rebuild(action.lane)
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
            self.bar.show_result(text, ok=all(o.ok for o in outcomes))
        self.refresh_screen(views_now=True)

    def _execute(self, line: str) -> Outcome:
        try:
            return interpreter.execute(self.lab, line)  # an open lesson checks its goal
        except Exception as error:  # the Lab should not raise for input; if it does, say so
            message = f"the lab failed on this line: {type(error).__name__}: {error}"
            return Outcome(sc.mask_secrets(line), False, "error", message, {}, type(error).__name__)

    def _show_outcome(self, outcome: Outcome) -> None:
        if outcome.kind == "say":
            self.show_caption(outcome.message)
        elif outcome.message or not outcome.ok:
            self.bar.show_result(outcome.message, ok=outcome.ok)
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
            self.select_view(action.view or self.view, _user_of(self.lab, outcome))

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

    def on_bus_view_lane_selected(self, message: BusView.LaneSelected) -> None:
        self.selected_lane = message.lane
        self.refresh_screen()

    def on_event_log_event_selected(self, message: EventLog.EventSelected) -> None:
        event = _find_event(self.lab, message.position)
        if event is not None:
            self.bar.show_note(describe_event(event) + "   (t: its causation trace)")

    # -- actions --------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Lesson keys only while a lesson is open (F2 shows the forms otherwise); the lab's
        keys only once the lab is open; the stop key only while a load runs."""
        if action == "stop_load":  # hidden (False) while no load runs
            return self._load is not None
        if not self.ready:  # shown dimmed (None) until the lab is open
            return None if action in LAB_ACTIONS else True
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
        """Into the forms (shown first if hidden); from inside them, hide them and go back
        to the bar."""
        form = self.main.query_one(CommandForm)
        if self._in_form(self.focused):
            self.main.toggle_class("-forms-toggled")
            self.bar.input.focus()
            return
        if not form.display:
            self.main.toggle_class("-forms-toggled")
        self.call_after_refresh(form.focus_verb)  # once the form is laid out

    def _in_form(self, widget: Widget | None) -> bool:
        return widget is not None and any(
            node.id == "command-form" for node in widget.ancestors_with_self
        )

    def action_leave_bar(self) -> None:
        if self._in_form(self.focused):
            self.bar.input.focus()
        elif isinstance(self.focused, Input):
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
            self.bar.show_result("no events to trace yet", ok=False)
            return
        self.push_screen(TraceScreen(self.lab, position))

    def action_predict(self) -> None:
        self.push_screen(PredictScreen(self.view, self.view_user))

    def switch_lab(self, lab: Lab, note: str = "") -> None:
        """Make `lab` (a fork) the live lab. The app closes the labs it switched to; the
        caller still closes the one it gave."""
        self._stop_rebuild()
        self._stop_load()
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
            self.bar.show_result(note, ok=True)
        self.refresh_screen(views_now=True)

    def on_unmount(self) -> None:
        for lab in self._forks:
            lab.close()
        self._forks.clear()
        if self._opened is not None:
            self._opened.close()

    def start_rebuild(self, lane: str) -> None:
        """Rebuild a projection (or every one: `all`) one batch per frame, with a progress
        bar, so a large store never freezes the screen."""
        if self._rebuild is not None:
            self.bar.show_result("a rebuild is already running", ok=False)
            return
        if refusal := self.lab.refusal(sc.Rebuild(lane)):
            self.bar.show_result(refusal, ok=False)
            return
        try:
            names = self.lab.lanes_named(lane)
        except ValueError as error:
            self.bar.show_result(str(error), ok=False)
            return
        self._rebuild = self._rebuild_steps(names)
        self._rebuild_lane, self._rebuilt = "", {}
        self.main.query_one("#rebuild-progress", ProgressBar).update(total=None, progress=0)
        self.main.query_one("#rebuild-row").display = True
        self.refresh_screen(views_now=True)

    def _rebuild_steps(self, names: Sequence[str]) -> Iterator[RebuildProgress]:
        for name in names:
            yield from self.lab.rebuild_steps(name, batch=REBUILD_BATCH)

    def _advance_rebuild(self) -> None:
        if self._rebuild is None:
            return
        try:
            progress = next(self._rebuild)
        except StopIteration:
            done = ", ".join(f"{name} from {count} events" for name, count in self._rebuilt.items())
            self._end_rebuild(f"rebuilt {done}", True)
        except Exception as error:  # shown, never a traceback
            self._end_rebuild(f"the rebuild failed: {error}", False)
        else:
            if progress.projection != self._rebuild_lane:
                self._rebuild_lane = progress.projection
                label = self.main.query_one("#rebuild-label", Label)
                label.update(f"rebuilding {progress.projection} ")
            self._rebuilt[progress.projection] = progress.done
            bar = self.main.query_one("#rebuild-progress", ProgressBar)
            bar.update(total=max(progress.total, 1), progress=progress.done)

    def _end_rebuild(self, message: str, ok: bool) -> None:
        self._rebuild = None
        self.main.query_one("#rebuild-row").display = False
        self.bar.show_result(message, ok=ok)
        self._view_key = None

    def _stop_rebuild(self) -> None:
        if self._rebuild is not None:
            self._rebuild.close()
            self._end_rebuild("rebuild stopped", False)

    # -- a load in the background -----------------------------------------------------

    def start_load(self, rate: float, duration: float) -> None:
        """Run a Poisson workload (`load RATE/s for DURATION`) in the background, with a
        progress bar and a stop key.

        Not a thread worker (as issue 7 first put it): the Lab is not thread-safe, and a
        thread driving it would race the screen's own reads. The refresh timer polls the run
        every frame instead (`LoadRun.poll` sends the requests due by the lab clock, at most
        LOAD_ARRIVALS_PER_FRAME of them), on the UI thread like every other use of the lab;
        a paused lab clock pauses the load too.
        """
        if self._load is not None:
            self.bar.show_result("a load is already running (ctrl+x stops it)", ok=False)
            return
        try:
            self._load = LoadRun(self.lab, rate, duration)
        except Exception as error:  # shown, never a traceback
            self.bar.show_result(f"the load cannot start: {error}", ok=False)
            return
        label = f"load {rate:g}/s for {format_duration(duration)} "
        self.main.query_one("#load-label", Label).update(label)
        self.main.query_one("#load-progress", ProgressBar).update(total=100, progress=0)
        self.main.query_one("#load-row").display = True
        self.refresh_bindings()
        self.bar.show_note(f"{label.strip()}: running (ctrl+x, or x off the bar, stops it)")
        self.refresh_screen(views_now=True)

    def _poll_load(self) -> None:
        """Send the requests that fell due since the last frame; end the load when it is done."""
        if self._load is None:
            return
        try:
            self._load.poll(LOAD_ARRIVALS_PER_FRAME)
        except Exception as error:  # shown, never a traceback
            report = self._load.stop()
            self._end_load(f"the load failed: {error} ({report.summary()})", False)
            return
        if self._load.done:
            self._end_load(self._load.report.summary(), True)

    def _show_load(self) -> None:
        if self._load is not None:
            bar = self.main.query_one("#load-progress", ProgressBar)
            bar.update(progress=round(100 * self._load.progress, 1))

    def action_stop_load(self) -> None:
        if self._load is not None:
            self._end_load(self._load.stop().summary(), True)

    @on(Button.Pressed, "#load-stop")
    def _stop_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_stop_load()

    def _end_load(self, summary: str, ok: bool) -> None:
        self._load = None
        self.main.query_one("#load-row").display = False
        self.refresh_bindings()
        self.bar.show_result(summary, ok=ok)
        self._view_key = None

    def _stop_load(self) -> None:
        """Stop a running load quietly (the lab it ran on is going away)."""
        if self._load is not None:
            self._load.stop()
            self._end_load("load stopped", False)

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
            self._stop_load()
            outcome = self._execute(line)
            self.vocabulary.clear()
            self._show_outcome(outcome)

        question = "Reset the lab? Every event, user, product and order is forgotten."
        self.push_screen(ConfirmScreen(question, yes="Reset"), answered)

    # -- keys -----------------------------------------------------------------------

    def _say_settings_problems(self) -> None:
        """What in the config file could not be used, once, as notifications."""
        for problem in self._settings_problems:
            self.notify(problem, title="config file", severity="warning", timeout=12)
        self._settings_problems = []

    def watch_theme(self, theme: str) -> None:
        """A theme chosen in the app (ctrl+p → Theme) is kept for the next start."""
        if self.is_mounted and (problem := save_theme_choice(self.config, theme)):
            self.notify(problem, severity="warning")

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot: into the screenshot folder, created if need be (the
        browser downloads it when served)."""
        folder = path or screenshot_folder(self.config)
        return super().deliver_screenshot(filename, folder, time_format)

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
        for binding in _with_lesson_keys(self.BINDINGS):
            assert isinstance(binding, Binding)
            key = self.keymap.get(binding.id or "", binding.key)
            shown = [self.get_key_display(replace(binding, key=k.strip())) for k in key.split(",")]
            keys.setdefault(binding.action, []).extend(shown)
        said = KEY_HELP | LESSON_KEY_HELP
        return [(" / ".join(shown), said.get(action, action)) for action, shown in keys.items()]


LAB_ACTIONS = frozenset(
    binding.action for binding in LabApp.BINDINGS if isinstance(binding, Binding)
) - {"quit"}
"""The actions that need the lab: off until it is open."""


def _with_lesson_keys(bindings: Sequence[BindingType]) -> list[BindingType]:
    """`bindings` with the lesson keys where they belong: F2 hint before F2 forms, the rest
    after it."""
    keys: list[BindingType] = []
    for binding in bindings:
        if isinstance(binding, Binding) and binding.id == "forms":
            keys += [HINT_KEY, binding, *LESSON_KEYS]
        else:
            keys.append(binding)
    return keys


def status_text(snapshot: LabSnapshot, lane: str, mode: str = "") -> Text:
    """The header: lab time, running or PAUSED (in words), speed, seed, head, selected lane,
    and where keys go (`mode`)."""
    text = Text(" CQRS Lab ", style="bold")
    text.append("│ ")
    text.append(f"t={snapshot.now:.1f}s ", style="bold")
    text.append("│ ")
    text.append("‖ PAUSED " if snapshot.paused else "▶ running ", style="bold")
    text.append(f"speed x{snapshot.speed:g} ")
    text.append("│ ")
    text.append(f"seed {snapshot.seed} │ head #{snapshot.head} │ {snapshot.in_flight} in flight ")
    text.append(f"│ lane: {lane} ")
    if mode:
        text.append("│ ")
        text.append(f"{mode} ", style="bold reverse" if mode.startswith("keys") else "bold")
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
