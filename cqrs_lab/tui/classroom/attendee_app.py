"""`cqrs-lab join CODE`: the lab screen, with the attendee's link to the classroom ticking.

The lab screen is the normal one (`LabApp`); a timer here hands the link what the attendee's
lab shows a few times a second (`AttendeeLink.tick`), and applies what the instructor
broadcast to the screen, saying so in the screen's caption.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.css.query import NoMatches

from cqrs_lab.classroom.link import AttendeeLink, state_of
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.outcome import Outcome
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.caption import Caption

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab
    from cqrs_lab.tui.lab_screen import LabScreen

TUI = Path(inspect.getfile(LabApp)).parent
TICK_HZ = 4.0
"""Exchanges with the classroom a second: the instructor sees a change within a second."""


class ScreenHost:
    """What a broadcast does on the attendee's lab screen (`link.Host`)."""

    def __init__(self, screen: LabScreen) -> None:
        self.screen = screen

    def open_lesson(self, lesson_id: str, step: int | None) -> None:
        panel = self.screen.lesson
        lesson = next((one for one in panel.catalog.lessons if one.id == lesson_id), None)
        if lesson is None:
            self.say(f"The instructor opened lesson {lesson_id}, which this lab does not have")
            return
        panel.open(lesson, step)

    def run_line(self, line: str) -> Outcome | None:
        return self.screen.run_line(line)

    def reset(self) -> None:
        """The lab emptied; an open lesson starts again at the step the attendee is on."""
        run = self.screen.lesson.run
        if run is not None:
            self.screen.lesson.open(run.lesson, run.step_index)
            return
        execute(self.screen.lab, "reset")
        self.screen.refresh_screen(views_now=True)

    def say(self, caption: str) -> None:
        self.screen.query_one(Caption).show(caption)


def seat_label(link: AttendeeLink) -> str:
    """The attendee's classroom and name, as the status line shows them (and whether the
    classroom is out of reach: the lab goes on, what they do reaches the instructor later)."""
    where = f"{link.code} · {link.name}"
    return where if link.problem is None else f"{where} (offline)"


Seating = Callable[[str], tuple[AttendeeLink, Callable[[], "Lab"]]]
"""Seats a name (or raises `StoreError` with the line to show): their link, and the opener of
their lab (in a shared shop the classroom's database, else their own file)."""


class AttendeeApp(LabApp):
    """The lab screen of an attendee seated in a classroom (`link`); it leaves as it ends.
    Without a link, the screen asks the name first (`seating`, for `serve --classroom`), and
    the lab opens once the name is seated."""

    CSS_PATH: ClassVar = [TUI / path for path in LabApp.CSS_PATH]
    """The lab screen's styles (a subclass's relative paths would start from here)."""

    def __init__(
        self,
        link: AttendeeLink | None,
        *,
        tick_hz: float = TICK_HZ,
        seating: tuple[str, Seating] | None = None,
        **options: Any,
    ) -> None:
        """`seating`: the classroom's code and how to seat a name, when there is no link."""
        if link is None and seating is None:
            raise ValueError("an attendee's screen needs a link or a way to seat a name")
        if link is None:
            options["opener"] = self._open_seated
        super().__init__(**options)
        self.link: AttendeeLink | None = None
        self.seating = seating
        self.tick_hz = tick_hz
        self.latecomer = True
        """The lesson the instructor opened before this attendee came is still to open."""
        self._came_after = 0  # broadcasts up to here were sent before they came
        self._problem: str | None = None
        self._seated_opener: Callable[[], Lab] | None = None
        if link is not None:
            self._seated(link)

    def _seated(self, link: AttendeeLink) -> None:
        self.link = link
        self._came_after = link.heard

    def _seat(self, name: str) -> None:
        assert self.seating is not None
        link, opener = self.seating[1](name)
        self._seated(link)
        self._seated_opener = opener

    def _open_seated(self) -> Lab:
        assert self._seated_opener is not None, "the lab opens once a name is seated"
        return self._seated_opener()

    async def _open_lab(self, screen_type: type[LabScreen]) -> None:
        """With a name to ask, ask it first; the lab opens once it is seated."""
        if self.link is not None or self.seating is None:
            await super()._open_lab(screen_type)
            return
        from cqrs_lab.tui.classroom.name_screen import NameScreen

        def seated(_: str | None) -> None:
            self.call_later(super(AttendeeApp, self)._open_lab, screen_type)

        await self.push_screen(NameScreen(self.seating[0], self._seat), seated)

    def on_mount(self) -> None:  # beside LabApp's own (Textual calls each class's handler)
        self.set_interval(1 / self.tick_hz, self.classroom_tick)

    def on_unmount(self) -> None:  # runs before LabApp's, which closes the lab
        if self.link is not None:
            self.link.leave()

    def _open_where_they_are(self, link: AttendeeLink, host: ScreenHost) -> None:
        """A latecomer opens the lesson the instructor opened before they came; one coming
        back opens their own lesson at their step, unless the instructor opened one since."""
        opened = link.last_lesson_broadcast()
        if opened is not None and opened.seq > self._came_after:
            return  # sent after they came: the tick applies it
        back, back_at = link.restored, link.restored_at
        since = opened is not None and back_at is not None and opened.at > back_at
        if back is not None and back.lesson is not None and not since:
            host.open_lesson(back.lesson, back.step)
            host.say(f"Welcome back, {link.name}: step {back.step + 1}, where you were")
            return
        if opened is not None:
            link.apply_broadcast(opened, host)

    def classroom_tick(self) -> None:
        """Publish what changed; apply what the instructor sent."""
        if not self.ready or self.link is None:
            return
        screen, link = self.main, self.link
        try:
            run = screen.lesson.run
        except NoMatches:  # the lab screen is still composing
            return
        link.attach(screen.lab)
        screen.seat = seat_label(link)
        host = ScreenHost(screen)
        if self.latecomer and screen.lesson.is_mounted:  # its buttons are there to draw
            self.latecomer = False
            if run is None:
                self._open_where_they_are(link, host)
                run = screen.lesson.run
        state = state_of(run, paused=screen.lab.paused)
        for broadcast in link.tick(state, screen.lab):
            link.apply_broadcast(broadcast, host)
        if link.problem != self._problem:
            self._problem = link.problem
            if link.problem is not None:
                host.say(f"The classroom cannot be reached: {link.problem}")
