"""Time travel: a scrubber over lab time. At each moment the screen shows the bus as it was
(every event in flight where it was on its lane, each projection's checkpoint), the chosen
view's answer from its projection as of that checkpoint beside the CRUD twin's as of the
head, stale when it was stale, and the event log up to then. It steps from one happening to
the next (an event appended, a delivery falling due), or by a second of lab time, and plays
forward at a chosen speed. "Fork from here" makes that moment's head the live head of a new
branch of the lab.

The bus comes from `rewind.BusHistory` (read once, answered in logarithmic time), the views
from `rewind_views.ViewsThen` (scratch databases moved along the log) off the screen's
thread, one lookup at a time: while one runs the scrubber may move on, and only the moment
it rests on is looked up next.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Static

from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.lab.rewind import Moment
from cqrs_lab.lab.rewind_views import ViewsThen
from cqrs_lab.lab.time_travel import Timeline
from cqrs_lab.read.view_specs import USER_VIEWS, VIEW_LANES
from cqrs_lab.read.views import ViewRows
from cqrs_lab.sim.clock import Clock
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.tui.key_footer import KeyFooter
from cqrs_lab.tui.screens.confirm import ConfirmScreen
from cqrs_lab.tui.screens.scrubber import Scrubber
from cqrs_lab.tui.widgets import BusView, EventLog, ViewPanel
from cqrs_lab.tui.widgets.view_picker import ViewPicker

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab

SPEEDS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0)
"""Playing speeds, in lab seconds a second."""
FRAME = 1 / 20
"""Seconds between two frames while playing."""
ALL_LANES_FROM = 34
"""Rows from which the bus shows every lane; below, only the chosen view's lane."""
LOG_EVENTS = 500
"""Events shown in the screen's event log (the newest up to the moment)."""


@dataclass(frozen=True, slots=True)
class Fork:
    """What the screen is dismissed with after a fork: the live lab goes on with `lab`."""

    lab: Lab
    note: str
    """Said under the command bar as the live lab switches to the fork."""
    view: str
    user: str
    """The view (and user) the screen showed: the lab screen goes on showing them."""
    position: int
    """The event the fork branched at."""


class TimeTravelScreen(Screen[Fork | None]):
    """The lab as at a chosen lab time. Escape goes back to the live lab (None); a fork
    dismisses it with the `Fork`."""

    AUTO_FOCUS = "#travel-scrubber"
    # Below 100 columns (-compact) the event log folds away: the two tables come first.
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-compact"), (100, "-narrow"), (140, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to the live lab", id="travel.back"),
        Binding("f", "fork", "Fork from here", id="travel.fork"),
        Binding("space", "play", "Play/stop", id="travel.play"),
        Binding("minus", "speed(-1)", "Slower", id="travel.slower"),
        Binding("plus,equals_sign", "speed(1)", "Faster", id="travel.faster"),
    ]

    def __init__(
        self,
        timeline: Timeline,
        *,
        view: str = "orders",
        user: str = "",
        fork_clock: Callable[[], Clock] | None = None,
        lesson_open: bool = False,
    ) -> None:
        super().__init__()
        self.timeline = timeline
        self.history = timeline.bus
        self.lesson_open = lesson_open
        """A lesson checks its steps on the live lab: no fork then."""
        self.view = view
        self.user = user
        self.fork_clock = fork_clock
        self.views = ViewsThen(timeline.events)
        self.moment = self.history.at(self.history.moments[-1])
        """The moment on screen (the bus and the position line)."""
        self.shown: Moment | None = None
        """The moment the view panel shows (looked up off the screen's thread)."""
        self.speed = 1.0
        self.wall: Callable[[], float] = time.monotonic
        """Real time, which playing follows (tests give a wall that stands still)."""
        self._playing: Timer | None = None
        self._played_at = 0.0
        self._looking = False
        self._forking = False
        self._log_head: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            "Time travel · ←/→ step · shift+←/→ 1 s · space play · -/+ speed · f fork",
            id="travel-title",
            markup=False,
        )
        yield Scrubber(self.history, self.moment.at, id="travel-scrubber")
        yield Static(id="travel-position", markup=False)
        yield BusView(id="travel-bus")
        with Horizontal(id="travel-middle"):
            with Vertical(id="travel-views"):
                yield ViewPicker(self.view, user=self.user, id="travel-picker", prefix="travel")
                yield ViewPanel(id="travel-panel")
            yield EventLog(id="travel-log")
        with Horizontal(id="travel-buttons"):
            yield Static(id="travel-note", markup=False)
            yield Button("Fork from here (f)", variant="warning", id="travel-fork")
            yield Button("Back to the live lab (Esc)", id="travel-back")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(BusView).selected = VIEW_LANES.get(self.view)
        self._show(self.moment.at)

    def on_unmount(self) -> None:
        self._stop()
        if not self._looking:
            self.views.close()

    # -- choosing a moment -------------------------------------------------------------

    @on(Scrubber.Changed)
    def _scrubbed(self, message: Scrubber.Changed) -> None:
        self._show(message.at)

    @on(EventLog.EventSelected)
    def _event_chosen(self, message: EventLog.EventSelected) -> None:
        """Jump to the moment the chosen event was appended."""
        message.stop()
        self.go_to(self.history.moment_of(message.position))

    def go_to(self, at: float) -> None:
        """Move the scrubber to lab time `at`."""
        self.query_one(Scrubber).go_to(at)

    def go_to_event(self, position: int) -> None:
        """Move the scrubber to the moment event `position` was appended."""
        self.go_to(self.history.moment_of(position))

    def _show(self, at: float) -> None:
        before = self.moment
        self.moment = moment = self.history.at(at)
        self._show_bus()
        self._describe(before, moment)
        if self._log_head != moment.head:
            self._show_log(moment.head)
        self._look_up()

    def _show_bus(self) -> None:
        snapshot = self.moment.snapshot(
            self.timeline.live, self.history, paused=self._playing is None
        )
        if self.size.height < ALL_LANES_FROM:  # a short screen: the lane in question only
            lane = VIEW_LANES[self.view]
            snapshot = replace(
                snapshot, lanes=tuple(each for each in snapshot.lanes if each.name == lane)
            )
        self.query_one(BusView).show(snapshot)

    def on_resize(self) -> None:
        self._show_bus()

    def _describe(self, before: Moment, moment: Moment) -> None:
        """The line under the scrubber: the moment, its head and what just happened."""
        head, last = moment.head, self.timeline.head
        flying = sum(len(lane.in_flight) for lane in moment.lanes)
        text = f"t={moment.at:.2f}s · head #{head} of #{last} · {flying} in flight"
        happened: list[str] = []
        if before.at < moment.at:  # what happened since the moment before (stepping on)
            happened += [f"{e.type} #{e.position} appended" for e in self._events(before, head)]
            happened += [
                f"{now.name} reached #{now.checkpoint}"
                for was, now in zip(before.lanes, moment.lanes, strict=True)
                if now.checkpoint > was.checkpoint
            ]
        if happened:
            text += " · just now: " + ", ".join(happened[:4]) + ("…" if len(happened) > 4 else "")
        if not moment.recorded:  # stored before the lab opened: say so, never guess
            text += f" · no delivery record before #{self.history.record_from}: lanes unknown"
        if self._playing is not None:
            text += f" · ▶ playing x{self.speed:g}"
        elif self.speed != 1.0:
            text += f" · speed x{self.speed:g}"
        self.query_one("#travel-position", Static).update(text)

    def _events(self, before: Moment, head: int) -> list[RecordedEvent]:
        return [e for e in self.timeline.events[before.head : head] if e.position > before.head]

    def _show_log(self, head: int) -> None:
        self._log_head = head
        end = bisect_right(self.history.positions, head)
        kept = self.timeline.events[max(0, end - LOG_EVENTS) : end]
        self.query_one(EventLog).show(kept[::-1])

    # -- the views ---------------------------------------------------------------------

    def _look_up(self) -> None:
        if not self._looking:
            self._looking = True
            self._answers(self.moment, self.view, self._user())

    @work(thread=True, group="time-travel", exit_on_error=False)
    def _answers(self, moment: Moment, view: str, user: str | None) -> None:
        """Look the view's two answers up off the screen's thread (a long log takes a
        moment the first time)."""
        try:
            lane = moment.lane(VIEW_LANES[view])
            rows = self.views.projection(view, user, lane.checkpoint)
            twin = self.views.crud(view, user, moment.head)
        except Exception as error:  # shown on the screen, never a traceback
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self._found, moment, view, user, rows, twin)

    def _found(
        self, moment: Moment, view: str, user: str | None, rows: ViewRows, twin: ViewRows
    ) -> None:
        self._looking = False
        if not self.is_attached:
            self.views.close()
            return
        if (moment, view, user) != (self.moment, self.view, self._user()):
            self._look_up()  # the scrubber moved on: look up where it rests now
            return
        self.shown = moment
        lane = moment.lane(VIEW_LANES[view])
        target = self.history.last_write(user, moment.head)
        behind = 0.0 if lane.oldest is None else moment.at - self.history.moment_of(lane.oldest)
        projection = QueryAnswer(
            view, user, "projection", rows, lane.checkpoint, moment.head, lane.behind, behind,
            stale=lane.checkpoint < target,
        )  # fmt: skip
        crud = QueryAnswer(view, user, "crud", twin, moment.head, moment.head, 0, 0.0, False)
        self.query_one(ViewPanel).show(projection, crud)
        if view in USER_VIEWS and user is None:
            self._note(f"type a user to see {view} (e.g. {self._a_user() or 'alice'})")
        elif projection.stale:
            self._note(
                f"✗ STALE then: {user or 'the session'} wrote #{target}, the {lane.name} "
                f"projection was at #{lane.checkpoint} ({lane.behind} behind)",
                error=True,
            )
        else:
            self._note("")

    def _failed(self, error: Exception) -> None:
        self._looking = False
        self._note(f"✗ cannot show that moment: {error}", error=True)

    def _user(self) -> str | None:
        return (self.user or None) if self.view in USER_VIEWS else None

    def on_view_picker_changed(self, message: ViewPicker.Changed) -> None:
        message.stop()
        picker = self.query_one(ViewPicker)
        self._follow(picker.view, picker.user)

    def select_view(self, view: str, user: str | None = None) -> None:
        user = self.user if user is None else user
        self.query_one(ViewPicker).show(view, user)
        self._follow(view, user)

    def _follow(self, view: str, user: str) -> None:
        """Show `view` for `user`: its lane picked out on the bus, its answer looked up."""
        if view != self.view:
            self.view = view
            self.query_one(BusView).selected = VIEW_LANES[view]
            self._show_bus()
        self.user = user
        self._look_up()

    def _a_user(self) -> str | None:
        for event in self.timeline.events:
            if event.type == "UserRegistered":
                return str(event.data["username"])
        return None

    def _note(self, text: str, *, error: bool = False) -> None:
        note = self.query_one("#travel-note", Static)
        note.update(text)
        note.set_class(error, "-error")

    # -- playing -----------------------------------------------------------------------

    def action_play(self) -> None:
        if self._playing is not None:
            self._stop()
        else:
            scrubber = self.query_one(Scrubber)
            if scrubber.at >= scrubber.end:
                scrubber.go_to(scrubber.start)
            self._played_at = self.wall()
            self._playing = self.set_interval(FRAME, self._frame)
        self._show(self.moment.at)

    def action_speed(self, step: int) -> None:
        index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, index + step))]
        self._show(self.moment.at)

    def advance(self, seconds: float) -> None:
        """Play `seconds` of lab time forward; stop at the end."""
        scrubber = self.query_one(Scrubber)
        scrubber.go_to(scrubber.at + seconds)
        if scrubber.at >= scrubber.end and self._playing is not None:
            self._stop()
            self._show(scrubber.at)

    def _frame(self) -> None:
        now = self.wall()
        elapsed, self._played_at = now - self._played_at, now
        self.advance(elapsed * self.speed)

    def _stop(self) -> None:
        if self._playing is not None:
            self._playing.stop()
            self._playing = None

    # -- fork and back -----------------------------------------------------------------

    @on(Button.Pressed, "#travel-back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    @on(Button.Pressed, "#travel-fork")
    def _fork_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_fork()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_fork(self) -> None:
        if self._forking:
            return
        if self.lesson_open:
            self._note("✗ close the lesson first: its steps are checked on this lab", error=True)
            return
        self._stop()
        position = self.moment.head
        later = self.timeline.head - position
        where = self.timeline.fork_database(position)
        if where == ":memory:":
            place, original = "in memory", "The original lab is left behind, unchanged."
        else:
            place, original = f"in a new file, {where}", "The original file stays as it is."
        if later:
            left_out = f"the {later} events after it are" if later > 1 else "the event after it is"
            kept = f"{left_out} not in the branch"
        else:
            kept = "it holds every event so far"
        flying = sum(len(lane.in_flight) for lane in self.moment.lanes)
        settled = f" Its {flying} deliveries in flight then arrive at once." if flying else ""
        question = (
            f"Fork the lab at event #{position}? The live lab goes on from #{position} as a "
            f"new branch ({place}): {kept}.{settled} {original}"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._forking = True
                self._note(f"forking at #{position}…")
                self._fork(position, where)

        self.app.push_screen(ConfirmScreen(question, yes="Fork"), answered)

    @work(thread=True, group="time-travel-fork", exit_on_error=False)
    def _fork(self, position: int, where: str) -> None:
        clock = self.fork_clock() if self.fork_clock else None
        try:
            lab = self.timeline.fork(position, db=where, clock=clock)
        except Exception as error:  # shown on the screen, never a traceback
            self.app.call_from_thread(self._fork_failed, error)
            return
        self.app.call_from_thread(self._forked, position, where, lab)

    def _fork_failed(self, error: Exception) -> None:
        self._forking = False
        self._note(f"✗ the fork failed: {error}", error=True)

    def _forked(self, position: int, where: str, lab: Lab) -> None:
        place = "" if where == ":memory:" else f" (saved in {where})"
        note = f"forked at #{position}: new commands append after it{place}"
        self.dismiss(Fork(lab, note, self.view, self.user, position))
