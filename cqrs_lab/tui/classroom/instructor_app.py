"""`cqrs-lab classroom watch CODE`: the instructor's screen as an app of its own."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.screen import Screen

from cqrs_lab.classroom.instructor import Instructor
from cqrs_lab.classroom.model import Thresholds
from cqrs_lab.classroom.storage import Classroom, ClassroomStore
from cqrs_lab.tui.classroom.instructor_screen import POLL_HZ, InstructorScreen

if TYPE_CHECKING:
    from cqrs_lab.classroom.shop_watch import ShopWatch


class InstructorApp(App[None]):
    CSS_PATH: ClassVar = ["instructor.tcss"]
    TITLE = "CQRS Lab classroom"

    def __init__(
        self,
        store: ClassroomStore,
        classroom: Classroom,
        *,
        clock: Callable[[], float] = time.time,
        thresholds: Thresholds | None = None,
        poll_hz: float | None = POLL_HZ,
        shop: Callable[[], ShopWatch] | None = None,
    ) -> None:
        """On `store` (the caller closes it). `clock` is the wall clock the room is timed by;
        `shop` opens the watch on a shared shop's store, for the projector (`b`)."""
        super().__init__()
        self.instructor = Instructor(store, classroom, clock=clock, thresholds=thresholds)
        self.poll_hz = poll_hz
        self.shop = shop

    def get_default_screen(self) -> Screen[None]:
        return InstructorScreen(self.instructor, poll_hz=self.poll_hz, shop=self.shop)

    @property
    def room_screen(self) -> InstructorScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, InstructorScreen)
        return screen
