"""The lesson panel, the lesson list and `cqrs-lab lesson`, driven like a learner would: keys
and typed lines, on a lab in memory whose clock moves only when the test moves it. Progress
goes to a temporary data directory, never the real one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from cqrs_lab import cli
from cqrs_lab.lab import Lab
from cqrs_lab.lessons import Lesson, LessonStatus, Progress, StepMark, load_lessons, shipped_course
from cqrs_lab.sim.clock import ScaledClock
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.forms import CommandForm
from cqrs_lab.tui.palette import lab_actions
from cqrs_lab.tui.screens import ConfirmScreen
from cqrs_lab.tui.screens.lessons import LessonsScreen
from tests.tui.conftest import FakeWall

SIZE = (160, 45)
LESSON = "04-eventual-consistency"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Progress is saved here, never in the learner's own data directory."""
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def fresh_lab() -> Iterator[Lab]:
    """A second lab, for the app after a restart."""
    lab = Lab.open(":memory:", seed=7, clock=ScaledClock(wall=FakeWall()), password_cost=2)
    yield lab
    lab.close()


def lesson(lesson_id: str = LESSON) -> Lesson:
    return next(item for item in load_lessons([shipped_course()]).lessons if item.id == lesson_id)


@pytest.fixture
def app(lab: Lab) -> LabApp:
    """The lab's app with the lesson open (at its introduction)."""
    return LabApp(lab, lesson=lesson())


@asynccontextmanager
async def running(app: LabApp) -> AsyncIterator[Pilot[None]]:
    """`app` at SIZE, its first frame drawn (the lesson panel, if any, mounted)."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        yield pilot


def shown(app: LabApp, selector: str) -> str:
    """The text a Static of the lesson panel shows."""
    return str(app.lesson.query_one(selector, Static).render())


async def type_line(pilot: Pilot[None], line: str) -> None:
    """Type a line into the command bar, key by key, and press Enter."""
    app = pilot.app
    assert isinstance(app, LabApp)
    app.bar.input.focus()
    await pilot.press(*line, "enter")
    await pilot.pause()


async def frames(pilot: Pilot[None], count: int = 3) -> None:
    app = pilot.app
    assert isinstance(app, LabApp)
    for _ in range(count):
        app.main.tick()
    await pilot.pause()


# -- the acceptance scenario -------------------------------------------------------------


async def test_typing_a_solution_ticks_the_goal_advances_and_survives_a_restart(
    app: LabApp, fresh_lab: Lab
) -> None:
    async with running(app) as pilot:
        panel = app.lesson
        assert panel.is_open and panel.display
        assert "Eventual consistency and stale reads" in shown(app, "#lesson-title")
        assert panel.intro_page and "Introduction, then 3 steps" in shown(app, "#lesson-steps")
        assert "F4: step 1 of 3, Read right after you write" in panel.text
        await pilot.press("f4")  # the introduction is a page of its own: F4 goes to step 1
        assert "**Step 1: Read right after you write**" in panel.text
        assert "☐ to do: get a stale read from orders" in shown(app, "#lesson-checklist")

        await type_line(pilot, "place-order alice")
        assert "☐ to do" in shown(app, "#lesson-checklist")  # the write alone is not the goal
        await type_line(pilot, "query orders alice")
        assert "☑ done: get a stale read from orders" in shown(app, "#lesson-checklist")
        assert "Solved!" in shown(app, "#lesson-state")
        assert "▸1 solved" in shown(app, "#lesson-steps")

        await pilot.press("f4")  # works from the command bar
        assert panel.run is not None and panel.run.step_index == 1
        assert "Ask the CRUD twin" in panel.text
        assert "☐ to do: query orders from the CRUD twin" in shown(app, "#lesson-checklist")

    progress = Progress.load()
    assert progress.mark(LESSON, 0) is StepMark.SOLVED
    assert progress.current(LESSON) == 1

    restarted = LabApp(fresh_lab)
    async with running(restarted) as pilot:
        assert not restarted.lesson.is_open
        await pilot.press("f4")  # no lesson open: F4 lists them
        screen = restarted.screen
        assert isinstance(screen, LessonsScreen)
        options = screen.query_one(OptionList)
        ids = [item.id for item in screen.lessons]
        prompt = str(options.get_option_at_index(ids.index(LESSON)).prompt)
        assert "◐ started, at step 2" in prompt
        options.highlighted = ids.index(LESSON)
        await pilot.press("enter")
        await pilot.pause()
        panel = restarted.lesson
        assert panel.run is not None and panel.run.step_index == 1  # where the learner left
        assert "1 solved" in shown(restarted, "#lesson-steps")
        assert "Resumed at step 2" in shown(restarted, "#lesson-help")
        assert fresh_lab.store.head() > 0  # the setup and step 1's solution were replayed


async def test_a_goal_that_holds_between_deliveries_ticks_on_the_frame(
    app: LabApp, wall: FakeWall
) -> None:
    async with running(app) as pilot:
        panel = app.lesson
        panel.open(lesson(), 2)  # the last step: lag >= 5 s, then caught up, then query
        await pilot.pause()
        await type_line(pilot, "add-to-cart alice mug 1")
        await type_line(pilot, "place-order alice")
        assert shown(app, "#lesson-checklist").startswith("☐ to do")

        wall.now = 2.0  # the other lanes deliver; the orders lane (8 s) does not
        await frames(pilot)
        assert shown(app, "#lesson-checklist").startswith("☐ to do")
        wall.now = 6.0  # nothing is delivered now: only the frame's check sees the lag
        await frames(pilot)
        checklist = shown(app, "#lesson-checklist").splitlines()
        assert checklist[1].strip().startswith("☑ done: the orders projection lags")
        assert checklist[2].strip().startswith("☐ to do: the orders projection has caught up")
        assert checklist[3].strip().startswith("☐ after the ones above")

        wall.now = 30.0
        await frames(pilot)
        await type_line(pilot, "query orders alice")
        assert "Lesson complete" in shown(app, "#lesson-state")
        assert Progress.load().status(lesson()) is LessonStatus.STARTED  # steps 1-2 skipped

        await pilot.press("f4")  # the last step solved: F4 opens the next lesson
        assert panel.run is not None and panel.run.lesson.id == "05-read-your-writes"


# -- hints, show me, and the other actions -----------------------------------------------


async def test_hints_come_one_at_a_time_from_f2_or_h(app: LabApp) -> None:
    async with running(app) as pilot:
        assert not app.lesson.query_one("#lesson-help").display
        await pilot.press("f2")
        first = shown(app, "#lesson-help")
        assert first.startswith("Hint 1 of 2: Type both lines quickly")
        assert "Hint 2" not in first
        await pilot.press("escape", "h")  # outside the bar, h works too
        assert "Hint 2 of 2: If the order already shows" in shown(app, "#lesson-help")
        await pilot.press("h")
        assert "No more hints for this step" in shown(app, "#lesson-help")
        assert "Hint 1 of 2" in shown(app, "#lesson-help")  # the hints given stay

        await pilot.press("right_square_bracket")  # the next step starts without hints
        assert "Hint" not in shown(app, "#lesson-help")
        await pilot.press("left_square_bracket")
        assert app.lesson.run is not None and app.lesson.run.step_index == 0
        await pilot.press("left_square_bracket")  # before step 1: the introduction again
        assert app.lesson.intro_page


async def test_show_me_plays_the_solution_line_by_line_and_counts_as_shown(
    app: LabApp, lab: Lab
) -> None:
    async with running(app) as pilot:
        player = app.lesson.player
        player.seconds = 3600  # the test plays each line itself: the timer never fires
        head = lab.store.head()
        await pilot.press("f3")
        assert Progress.load().mark(LESSON, 0) is StepMark.SHOWN  # at once, solved or not
        assert player.played == ["place-order alice"]
        assert player.to_play == ["query orders alice"]  # the rest follows on a timer
        await pilot.pause()
        assert lab.store.head() > head  # the first line went through the command bar path
        assert "… next   query orders alice" in shown(app, "#lesson-help")
        while player.playing:  # what the timer does, without waiting for it
            player.play_next_line()
            await pilot.pause()
        assert "✓ played query orders alice" in shown(app, "#lesson-help")
        assert "☑ done" in shown(app, "#lesson-checklist")
        assert "Goal met with show me (counts as shown)" in shown(app, "#lesson-state")
        assert "▸1 shown" in shown(app, "#lesson-steps")
    assert Progress.load().mark(LESSON, 0) is StepMark.SHOWN


async def test_f2_shows_the_forms_again_once_the_lesson_is_closed(app: LabApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        form = app.query_one(CommandForm)
        await pilot.press("f2")
        assert form.styles.display == "none"  # F2 gave a hint instead
        app.lesson.query_one("#lesson-close").press()
        await pilot.pause()
        assert not app.lesson.is_open and not app.lesson.display
        await pilot.press("f2")
        assert form.styles.display == "block"
        await pilot.press("f3")  # no lesson: the lesson keys do nothing
        assert not app.lesson.is_open


async def test_start_over_asks_then_forgets_the_lesson_and_empties_the_lab(
    app: LabApp, lab: Lab
) -> None:
    async with running(app) as pilot:
        await type_line(pilot, "place-order alice")
        await type_line(pilot, "query orders alice")
        await pilot.press("f4")
        assert Progress.load().status(lesson()) is LessonStatus.STARTED
        app.lesson.query_one("#lesson-reset").press()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.lesson.run is not None and app.lesson.run.step_index == 0
        assert lab.store.head() == 3  # only the setup's events
        assert "Introduction, then 3 steps: 1 to do" in shown(app, "#lesson-steps")
        assert Progress.load().mark(LESSON, 0) is None


async def test_opening_a_lesson_on_a_lab_with_events_asks_first(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "register bob bob@example.com s3cret-pass")
        app.lesson.request_open(lesson())
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert not app.lesson.is_open and lab.store.head() == 1
        app.lesson.request_open(lesson())
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.lesson.is_open and lab.store.head() == 3


# -- the lesson list, the palette and the command ----------------------------------------


async def test_the_list_says_new_started_and_done_in_words(lab: Lab) -> None:
    first = lesson("01-commands-and-queries")
    progress = Progress.load()
    for index in range(len(first.steps)):
        progress.record(first.id, index, StepMark.SOLVED)
    progress.record(LESSON, 0, StepMark.SHOWN)
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, LessonsScreen)
        options = screen.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "1. Commands and queries  ● done" in prompts[0]
        assert "◐ started, at step 1" in prompts[3]
        assert "○ new" in prompts[1]
        assert "Commands ask the shop to change" in prompts[0]  # the summary
        assert options.highlighted == 1  # the first lesson not done
        await pilot.press("escape")
        assert not isinstance(app.screen, LessonsScreen)
        assert not app.lesson.is_open


async def test_the_palette_lists_the_lessons_and_the_open_lessons_actions(lab: Lab) -> None:
    app = LabApp(lab)
    async with running(app) as pilot:
        titles = {action.title for action in lab_actions(app.main)}
        assert {"Lessons…", "Lesson 4: Eventual consistency and stale reads"} <= titles
        assert "Lesson: show me" not in titles
        run = {action.title: action.callback for action in lab_actions(app.main)}
        run["Lesson 4: Eventual consistency and stale reads"]()
        await pilot.pause()
        assert app.lesson.is_open
        actions = {action.title: action.callback for action in lab_actions(app.main)}
        assert "Lesson: show me" in actions
        actions["Lesson: next hint"]()
        await pilot.pause()
        assert "Hint 1 of 2" in shown(app, "#lesson-help")


def test_cqrs_lab_lesson_opens_the_screen_with_the_lesson(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[tuple[str | None, str]] = []

    def run(self: LabApp) -> None:  # the app opens its lab after the first frame
        assert self.opener is not None
        lab = self.opener()
        opened.append((self.first_lesson.id if self.first_lesson else None, lab.store.where))
        lab.close()

    monkeypatch.setattr(LabApp, "run", run)
    assert cli.main(["lesson", LESSON]) == 0
    assert cli.main(["--seed", "3", "lesson", "4"]) == 0  # by its number
    assert [lesson_id for lesson_id, _ in opened] == [LESSON, LESSON]
    assert all(where == "the in-memory database" for _, where in opened)  # not the learner's file

    assert cli.main(["lesson", "04-eventual-consistensy"]) == 2
    error = capsys.readouterr().err
    assert "no lesson '04-eventual-consistensy'" in error
    assert f"did you mean '{LESSON}'?" in error
    assert len(opened) == 2


async def test_show_me_never_shows_a_password_it_plays(lab: Lab) -> None:
    app = LabApp(lab, lesson=lesson("01-commands-and-queries"))
    async with running(app) as pilot:
        solution = app.lesson.run.step.solution
        register = next(line for line in solution if line.startswith("register "))
        password = register.split()[-1]
        await pilot.press("f3")
        await pilot.pause()
        help_text = shown(app, "#lesson-help")
        assert "register" in help_text
        assert password not in help_text
        assert password not in app.export_screenshot()


async def test_a_lesson_opens_and_checks_its_goal_holding_the_screens_guard(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load's worker thread shares the lab: the panel empties it, runs the setup and reads
    the goal only in its turn, under the guard the screen and the worker take turns on."""
    app = LabApp(lab)
    async with running(app) as pilot:
        guard = app.main.guard
        assert app.lesson.guard is guard
        held: list[str] = []

        def watched(owner: object, name: str) -> None:
            method = getattr(owner, name)

            def call(*args: object, **kwargs: object) -> object:
                held.append(name if guard.held() else f"{name} without the guard")
                return method(*args, **kwargs)

            monkeypatch.setattr(owner, name, call)

        watched(lab, "reset")
        watched(lab.store, "head")
        app.lesson.request_open(lesson())
        await pilot.pause()
        assert app.lesson.is_open
        assert "reset" in held and "head" in held
        assert not [call for call in held if "without" in call], held
        assert not guard.held()
