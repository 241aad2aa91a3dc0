"""The instructor's screen: the room live, one attendee's lab on the projector, and what the
instructor sends to everyone.

A timer polls the classroom a few times a second (`Instructor.poll`: one query for the new
activity rows) and redraws the grid; the picture of the attendee watched is read with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from cqrs_lab.classroom.instructor import Instructor
from cqrs_lab.classroom.model import Filter, SortKey, arrange, clock_text, next_in
from cqrs_lab.store.errors import StoreError
from cqrs_lab.tui.classroom.picture_view import PictureView
from cqrs_lab.tui.classroom.room_grid import LEGEND, RoomGrid
from cqrs_lab.tui.classroom.shop_view import SharedShopView
from cqrs_lab.tui.key_footer import KeyFooter
from cqrs_lab.tui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from cqrs_lab.classroom.shop_watch import ShopWatch  # opens a lab: only when asked

POLL_HZ = 4.0
"""Polls of the classroom a second: an attendee's change shows within a second."""
OPEN_LESSON = "lesson"
"""`lesson ID [STEP]` in the line for everyone opens that lesson on every attendee's lab."""
SHOWN_REJECTIONS = 6
"""The selected attendee's latest rejected lines, shown under the grid."""
NOT_SHARED = "Not a shared shop: each attendee has a shop of their own."


class InstructorScreen(Screen[None]):
    AUTO_FOCUS = "#room-grid"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort", "Sort", id="room-sort"),
        Binding("f", "filter", "Filter", id="room-filter"),
        Binding("colon,e", "everyone", "Line to everyone", id="room-everyone"),
        Binding("p", "pause", "Pause/resume all", id="room-pause"),
        Binding("r", "reset", "Reset all", id="room-reset"),
        Binding("b", "shop", "Shared shop", id="room-shop"),
        Binding("escape", "stop_watching", "Stop watching", id="room-unwatch"),
        Binding("q", "app.quit", "Quit", id="room-quit"),
    ]

    def __init__(
        self,
        instructor: Instructor,
        *,
        poll_hz: float | None = POLL_HZ,
        shop: Callable[[], ShopWatch] | None = None,
    ) -> None:
        """`poll_hz=None`: poll once at start and then only when told (`poll`), for tests.
        `shop` opens the instructor's watch on a shared shop (None: not a shared shop)."""
        super().__init__()
        self.instructor = instructor
        self.poll_hz = poll_hz
        self.open_shop = shop
        self.shop: ShopWatch | None = None
        self.showing_shop = False
        self.sort = SortKey.NAME
        self.only = Filter.ALL
        self.timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="room-title", markup=False)
        yield RoomGrid(id="room-grid")
        yield Static(LEGEND, id="room-legend", markup=False)
        yield SharedShopView(id="room-shop")
        with Horizontal(id="room-bottom"):
            yield Static(id="room-detail", markup=False)
            yield PictureView(id="room-picture")
        yield Input(
            placeholder="a lab line for everyone ({name}: each attendee's), or: lesson ID [STEP]",
            id="room-line",
        )
        yield Static(id="room-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.poll()
        if self.poll_hz:
            self.timer = self.set_interval(1 / self.poll_hz, self.poll)

    def on_unmount(self) -> None:
        if self.shop is not None:
            self.shop.close()
            self.shop = None

    @property
    def grid(self) -> RoomGrid:
        return self.query_one(RoomGrid)

    # -- the room, live -----------------------------------------------------------------

    def poll(self) -> None:
        """Fold in what attendees published, and redraw."""
        instructor = self.instructor
        try:
            instructor.poll()
            picture = None
            if instructor.watching is not None:
                picture = instructor.store.picture(instructor.code, instructor.watching)
        except StoreError as error:
            self.say(f"the classroom cannot be read: {error}", problem=True)
            return
        now = instructor.clock()
        room = instructor.room
        lesson = room.current_lesson(instructor.lesson)
        seats = arrange(
            room.seats.values(),
            lesson=lesson,
            now=now,
            sort=self.sort,
            only=self.only,
            thresholds=room.thresholds,
        )
        with self.app.batch_update():
            self.grid.show(
                seats,
                lesson=lesson,
                now=now,
                thresholds=room.thresholds,
                watching=instructor.watching,
            )
            self._title(lesson, now)
            self._detail(now)
            at, data = picture if picture is not None else (now, None)
            self.query_one(PictureView).show(instructor.watching, data, max(0.0, now - at))
            if self.showing_shop:
                self._show_shop(now)

    # -- the shared shop on the projector -------------------------------------------------

    def action_shop(self) -> None:
        """Show the shared shop instead of the room (and back)."""
        self.showing_shop = not self.showing_shop
        self.set_class(self.showing_shop, "-shop")
        # The grid hides with the room: the view takes the focus, so keys stay the screen's.
        (self.query_one(SharedShopView) if self.showing_shop else self.grid).focus()
        self.poll()

    def _show_shop(self, now: float) -> None:
        view = self.query_one(SharedShopView)
        clashes = list(self.instructor.room.clashes)
        if self.open_shop is None:
            view.show(None, clashes, now, NOT_SHARED)
            return
        try:
            if self.shop is None:
                self.shop = self.open_shop()
            view.show(self.shop.picture(), clashes, now)
        except StoreError as error:
            view.show(None, clashes, now, f"the shared shop cannot be read: {error}")

    def _title(self, lesson: str | None, now: float) -> None:
        instructor = self.instructor
        room = instructor.room
        present = room.present()
        stuck = sum(1 for seat in present if seat.stuck(now, room.thresholds))
        on_lesson = sum(1 for seat in present if seat.state.lesson == lesson)
        title = Text.assemble(
            (f"Classroom {instructor.code}", "bold"),
            f"  {instructor.classroom.title}  " if instructor.classroom.title else "  ",
            f"lesson {lesson}  " if lesson else "no lesson open  ",
            (f"{room.done_count(lesson)}/{on_lesson} done  " if lesson else "", "bold green"),
            f"{len(present)} here",
        )
        if stuck:
            title.append(f"  {stuck} stuck", "bold red")
        title.append(f"  sort: {self.sort}  filter: {self.only}", "dim")
        if instructor.paused:
            title.append("  everyone paused", "bold yellow")
        self.query_one("#room-title", Static).update(title)

    def _detail(self, now: float) -> None:
        seat = self.grid.selected
        detail = self.query_one("#room-detail", Static)
        if seat is None:
            detail.update("")
            return
        state = seat.state
        text = Text(seat.name, "bold")
        if state.lesson is not None:
            text.append(f"  {state.lesson} step {state.step + 1}/{state.steps}")
            text.append(f"  for {clock_text(seat.time_on_step(now))}")
            text.append(f"  hints {state.hints}")
            if state.shown:
                text.append("  shown the solution", "yellow")
        if why := seat.stuck(now, self.instructor.room.thresholds):
            text.append(f"\nstuck: {why}", "bold red")
        recent = seat.recent_rejections(now, self.instructor.room.thresholds.window)
        text.append(f"\nrejected lately: {len(recent)}", "bold" if recent else "dim")
        for rejection in recent[-SHOWN_REJECTIONS:]:
            text.append(f"\n  {rejection.line}", "red")
            text.append(f"  {rejection.message}", "dim")
        detail.update(text)

    def say(self, message: str, *, problem: bool = False) -> None:
        status = self.query_one("#room-status", Static)
        status.update(Text(message, "bold red" if problem else ""))

    # -- choosing and watching ------------------------------------------------------------

    @on(RoomGrid.Chosen)
    def _chosen(self, event: RoomGrid.Chosen) -> None:
        self._send(lambda: self.instructor.watch(event.name), f"watching {event.name}'s lab")
        self.poll()

    def action_stop_watching(self) -> None:
        if self.focused is self.query_one("#room-line", Input):
            self.grid.focus()
            return
        if self.instructor.watching is not None:
            self._send(lambda: self.instructor.watch(None), "stopped watching")
            self.poll()

    def action_sort(self) -> None:
        self.sort = next_in(list(SortKey), self.sort)
        self.poll()

    def action_filter(self) -> None:
        self.only = next_in(list(Filter), self.only)
        self.poll()

    # -- broadcasts -----------------------------------------------------------------------

    def action_everyone(self) -> None:
        self.query_one("#room-line", Input).focus()

    @on(Input.Submitted, "#room-line")
    def _line(self, event: Input.Submitted) -> None:
        line = event.value.strip()
        if not line:
            return
        try:
            if line.split()[0] == OPEN_LESSON:
                refusal = self._open_lesson(line.split()[1:])
            else:
                refusal = self.instructor.everyone(line)
        except StoreError as error:
            self.say(f"not sent: {error}", problem=True)
            return
        if refusal is not None:
            self.say(f"not sent: {refusal}", problem=True)
            return
        event.input.value = ""
        self.say(f"sent to everyone: {line}")
        self.poll()

    def _open_lesson(self, words: list[str]) -> str | None:
        """`lesson ID [STEP]`: open a lesson (its id, or the start of one: `lesson 03`), at a
        step (from 1), for everyone; why not."""
        from cqrs_lab.lessons import load_course

        if not 1 <= len(words) <= 2 or (len(words) == 2 and not words[1].isdigit()):
            return (
                f"usage: {OPEN_LESSON} ID [STEP], e.g. {OPEN_LESSON} 03 2"
                " (the start of an id will do)"
            )
        lessons = load_course().loaded.lessons
        found = [one for one in lessons if one.id == words[0]] or [
            one for one in lessons if one.id.startswith(words[0])
        ]
        if len(found) != 1:
            which = "no lesson" if not found else "more than one lesson starts with"
            return f"{which} {words[0]!r}: the lessons are {', '.join(one.id for one in lessons)}"
        lesson = found[0]
        step = int(words[1]) - 1 if len(words) == 2 else None
        if step is not None and not 0 <= step < len(lesson.steps):
            return f"{lesson.id} has steps 1 to {len(lesson.steps)}"
        self.instructor.open_lesson(lesson, step)
        return None

    def action_pause(self) -> None:
        paused = not self.instructor.paused
        said = "paused everyone's clock" if paused else "resumed everyone's clock"
        self._send(lambda: self.instructor.set_paused(paused), said)
        self.poll()

    def action_reset(self) -> None:
        question = "Reset every attendee's lab? Their shop starts empty again."
        self.app.push_screen(ConfirmScreen(question, yes="Reset everyone"), self._reset_answer)

    def _reset_answer(self, yes: bool | None) -> None:
        if yes:
            self._send(self.instructor.reset_everyone, "reset everyone's lab")
        else:
            self.say("nothing was reset")

    def _send(self, send: Callable[[], None], said: str) -> None:
        try:
            send()
        except StoreError as error:
            self.say(f"not sent: {error}", problem=True)
            return
        self.say(said)
