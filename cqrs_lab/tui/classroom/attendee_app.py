"""`cqrs-lab join CODE`: the lab screen, with the attendee's link to the classroom ticking.

The lab screen is the normal one (`LabApp`); a timer here hands the link what the attendee's
lab shows a few times a second (`AttendeeLink.tick`), and applies what the instructor
broadcast to the screen, saying so in the screen's caption.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.css.query import NoMatches

from cqrs_lab.classroom.link import AttendeeLink, state_of
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.outcome import Outcome
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.caption import Caption

if TYPE_CHECKING:
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


class AttendeeApp(LabApp):
    """The lab screen of an attendee seated in a classroom (`link`); it leaves as it ends."""

    CSS_PATH: ClassVar = [TUI / path for path in LabApp.CSS_PATH]
    """The lab screen's styles (a subclass's relative paths would start from here)."""

    def __init__(self, link: AttendeeLink, *, tick_hz: float = TICK_HZ, **options: Any) -> None:
        super().__init__(**options)
        self.link = link
        self.tick_hz = tick_hz
        self.latecomer = True
        """The lesson the instructor opened before this attendee came is still to open."""
        self._came_after = link.heard  # broadcasts up to here were sent before they came
        self._problem: str | None = None

    def on_mount(self) -> None:  # beside LabApp's own (Textual calls each class's handler)
        self.set_interval(1 / self.tick_hz, self.classroom_tick)

    def on_unmount(self) -> None:  # runs before LabApp's, which closes the lab
        self.link.leave()

    def classroom_tick(self) -> None:
        """Publish what changed; apply what the instructor sent."""
        if not self.ready:
            return
        screen, link = self.main, self.link
        try:
            run = screen.lesson.run
        except NoMatches:  # the lab screen is still composing
            return
        link.attach(screen.lab)
        host = ScreenHost(screen)
        if self.latecomer:
            self.latecomer = False
            opened = link.last_lesson_broadcast()
            if run is None and opened and opened.seq <= self._came_after:
                link.apply_broadcast(opened, host)
                run = screen.lesson.run
        state = state_of(run, paused=screen.lab.paused)
        for broadcast in link.tick(state, screen.lab):
            link.apply_broadcast(broadcast, host)
        if link.problem != self._problem:
            self._problem = link.problem
            if link.problem is not None:
                host.say(f"The classroom cannot be reached: {link.problem}")
