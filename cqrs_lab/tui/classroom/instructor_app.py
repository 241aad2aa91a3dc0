"""`cqrs-lab classroom watch CODE`: the instructor's screen as an app of its own."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.screen import Screen

from cqrs_lab.tui.classroom.instructor_screen import InstructorScreen


class InstructorApp(App[None]):
    CSS_PATH: ClassVar = ["instructor.tcss"]
    TITLE = "CQRS Lab classroom"

    def __init__(self, room_screen: InstructorScreen) -> None:
        """The app of one instructor's screen (the caller closes the instructor's store)."""
        super().__init__()
        self.room_screen = room_screen
        self.instructor = room_screen.instructor

    def get_default_screen(self) -> Screen[None]:
        return self.room_screen
