"""The CQRS Lab app: the first frame, the keys and the keymap, and the labs it owns. The lab
itself is drawn and driven by `LabScreen` (`cqrs_lab.tui.lab_screen`).

Drawing comes first: this module imports only Textual, and `LabApp(opener=...)` shows a light
first frame (`OpeningScreen`, "opening lab…") before the lab screen's module, and with it the
lab's own (SQLAlchemy, SQLModel, pydantic: most of the start-up time), is imported in a
thread and the lab is opened. Lines typed meanwhile are kept and run once the lab is open.
`LabApp(lab)` is ready at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import SystemCommand
from textual.binding import BindingType
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import AwaitMount

from cqrs_lab.config import Config, load_config
from cqrs_lab.tui import keys
from cqrs_lab.tui.configured import ConfiguredApp
from cqrs_lab.tui.opening import OpeningScreen
from cqrs_lab.tui.settings import (
    apply_app_settings,
    apply_keymap,
    apply_lab_settings,
    default_opener,
)

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab
    from cqrs_lab.lessons import Lesson
    from cqrs_lab.sim.clock import Clock
    from cqrs_lab.tui.command_bar import CommandBar
    from cqrs_lab.tui.lab_screen import LabScreen
    from cqrs_lab.tui.lesson_panel import LessonPanel

REFRESH_HZ = 30.0


class LabUnavailable(Exception):
    """The lab cannot be opened: the message says why (the app exits with it, code 2)."""


def lab_screen_type() -> type[LabScreen]:
    """The one lazy import: the lab screen, and with it the lab (safe in a thread)."""
    from cqrs_lab.tui.lab_screen import LabScreen

    return LabScreen


def _scaled_clock() -> Clock:
    from cqrs_lab.sim.clock import ScaledClock

    return ScaledClock()


class LabApp(ConfiguredApp):
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
    VERTICAL_BREAKPOINTS: ClassVar = [(0, "-short"), (34, "-medium"), (44, "-tall")]
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (140, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = keys.BINDINGS

    def __init__(
        self,
        lab: Lab | None = None,
        *,
        opener: Callable[[], Lab] | None = None,
        refresh_hz: float = REFRESH_HZ,
        lesson: Lesson | None = None,
        lesson_step: int | None = None,
        config: Config | None = None,
        present: bool = False,
    ) -> None:
        """On `lab` (which the caller opens and closes), or on the lab `opener` returns after
        the first frame (the app closes that one; it raises `LabUnavailable` if it cannot).
        With neither (`textual run --dev cqrs_lab.tui.app:LabApp`), on the lab `cqrs-lab`
        would open, with the user's config file.

        `config` gives the theme, keymap, speed, latencies and screenshot folder; without
        one the app uses no config file at all (tests). `lesson` opens at start (`cqrs-lab
        lesson ID`), at step `lesson_step` (from 0; None: where the learner left it).
        `present`: in presenter mode (F10) once the lab is open."""
        if lab is not None and opener is not None:
            raise ValueError("give the lab screen a lab or an opener, not both")
        if lab is None and opener is None:
            config = config or load_config()
            opener = default_opener(config)
        super().__init__(config or Config())
        self.opener = opener
        self.refresh_hz = refresh_hz
        self.first_lesson, self.first_step = lesson, lesson_step
        self.present_at_start = present
        self.ready = False
        """True once the lab is open and the lab screen is up."""
        self.fork_clock: Callable[[], Clock] = _scaled_clock
        """The clock a fork runs on (tests give one on a fake wall)."""
        self._main: LabScreen | None = None
        self._opened: Lab | None = None  # the lab the opener gave: the app closes it
        self._fork: Lab | None = None  # the fork the screen went on with: the app closes it
        if lab is not None:
            self._adopt(lab, lab_screen_type())

    def _adopt(self, lab: Lab, screen_type: type[LabScreen]) -> LabScreen:
        """The lab is open: from here on the app is the lab's. The lesson keys come from the
        lessons engine, which loads with the lab, so they join the binding map here."""
        from cqrs_lab.tui.lesson_panel import HINT_KEY, LESSON_KEYS  # loaded with the lab

        self._bindings = keys.join_lesson_keys(self._bindings, HINT_KEY, LESSON_KEYS)
        binding_ids = keys.binding_ids(self._bindings)
        self.settings_problems += apply_keymap(self, self.config, binding_ids)
        self.settings_problems += apply_lab_settings(lab, self.config)
        self._main = screen_type(
            lab,
            refresh_hz=self.refresh_hz,
            key_names=self.single_keys,
            fork_clock=lambda: self.fork_clock(),
            lesson=self.first_lesson,
            lesson_step=self.first_step,
        )
        self.ready = True
        return self._main

    def get_default_screen(self) -> Screen[None]:
        return self._main if self._main is not None else OpeningScreen()

    def _get_dom_base(self) -> DOMNode:
        """`app.query` looks in the lab screen once there is one (Textual looks in the first
        screen, which is the opening one when the lab opens after the first frame)."""
        return self._main if self._main is not None else super()._get_dom_base()

    @property
    def main(self) -> LabScreen:
        """The lab screen (the current screen may be a dialog on top of it)."""
        assert self._main is not None, "the lab is not open yet"
        return self._main

    @property
    def lab(self) -> Lab:
        """The live lab."""
        return self.main.lab

    @property
    def bar(self) -> CommandBar:
        """The lab screen's command bar."""
        return self.main.bar

    @property
    def lesson(self) -> LessonPanel:
        """The lab screen's lesson panel (hidden until a lesson opens)."""
        return self.main.lesson

    # -- opening the lab after the first frame ------------------------------------------

    async def on_mount(self) -> None:
        self.settings_problems += apply_app_settings(self, self.config)
        self.say_settings_problems()
        if self.ready:  # the lab screen composes in its own task: up before the first frame
            await AwaitMount(self.main, [self.main])
            self._present_at_start()
        else:
            self.call_after_refresh(lambda: self.run_worker(self._import_lab(), name="lab-modules"))

    async def _import_lab(self) -> None:
        """In a thread, so the first frame stays live (and keeps what is typed) meanwhile;
        the lab itself opens on the UI thread, in the app's own message loop (`_open_lab`):
        the Lab is not thread-safe, and its store keeps a connection for the thread that
        opened it."""
        screen_type = await asyncio.to_thread(lab_screen_type)
        self.call_later(self._open_lab, screen_type)

    async def _open_lab(self, screen_type: type[LabScreen]) -> None:
        """Open the lab, put the lab screen in place of the first frame, carry over what was
        typed, and run the lines entered meanwhile."""
        assert self.opener is not None
        try:
            lab = self.opener()
        except LabUnavailable as error:
            self.error_console.soft_wrap = True  # one line, as said (the terminal wraps it)
            self.exit(return_code=2, message=Text(str(error)))
            return
        self._opened = lab
        opening = self.screen
        assert isinstance(opening, OpeningScreen)
        # Nothing focused: the app is blurred (a served page starts so until it is clicked,
        # and would hand focus back to the first frame's input, gone by then).
        had_focus = self.focused is None or self.focused.id == "command-input"
        typed, lines = opening.typed, opening.take()
        screen = self._adopt(lab, screen_type)
        await self.push_screen(screen)  # over the first frame, which stays below it
        self.refresh_bindings()
        bar = screen.bar.input
        if had_focus:
            self.set_focus(bar)
        # After the focus event, which selects all the text (a key would replace it).
        bar.call_later(bar.insert_text_at_cursor, typed)
        self.say_settings_problems()
        for line in [*lines, *opening.take()]:  # and any sent while the screen was switched
            screen.submit(line)
        self._present_at_start()

    def _present_at_start(self) -> None:
        if self.present_at_start:
            self.action_present()

    # -- the labs -------------------------------------------------------------------

    def on_lab_screen_forked(self, message: LabScreen.Forked) -> None:
        """The screen went on with a fork: the app closes the fork it had before."""
        if self._fork is not None:
            self._fork.close()
        self._fork = message.lab

    def on_unmount(self) -> None:
        for lab in (self._fork, self._opened):
            if lab is not None:
                lab.close()
        self._fork = self._opened = None

    # -- actions --------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Lesson keys only while a lesson is open (F2 shows the forms otherwise); the lab's
        keys only once the lab is open; the stop key only while a load runs."""
        if action == "lab" and parameters == ("stop_load",):  # hidden while no load runs
            return self.ready and self.main.runner.running("load")
        if not self.ready:  # shown dimmed (None) until the lab is open
            return None if action in keys.LAB_ACTIONS else True
        if action in ("lesson", "lessons"):
            try:
                return self.lesson.allows(str(parameters[0]) if parameters else action)
            except NoMatches:  # starting or quitting
                return False
        return True

    async def action_lab(self, name: str) -> None:
        """A lab screen action (`LabScreen.action_NAME`), from wherever the key was pressed."""
        await self.main.run_action(name)

    def action_lesson(self, name: str) -> None:
        self.lesson.act(name)

    def action_lessons(self) -> None:
        self.lesson.choose()

    def action_present(self) -> None:
        from cqrs_lab.tui.presenter import toggle_presenter  # loaded with the lab

        toggle_presenter(self, self.main)

    def action_help(self) -> None:
        from cqrs_lab.tui.screens import HelpScreen  # loaded with the lab

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen(self.key_help()))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette: Textual's own commands, then every lab action."""
        yield from super().get_system_commands(screen)
        if self.ready:
            from cqrs_lab.tui.palette import lab_actions  # loaded with the lab

            yield from lab_actions(self.main)

    # -- keys -----------------------------------------------------------------------

    def key_help(self) -> list[tuple[str, str]]:
        """(keys, what they do) for the help screen, with the keymap applied."""
        from cqrs_lab.tui.lesson_panel import HINT_KEY, LESSON_KEY_HELP, LESSON_KEYS

        bindings = keys.with_lesson_keys(self.BINDINGS, HINT_KEY, LESSON_KEYS)
        return keys.key_help(bindings, self.keymap, self.get_key_display, LESSON_KEY_HELP)
