"""Work the screen spreads over frames: a load and a typed rebuild run in the background with
a progress bar, and the app draws its first frame before it opens the lab.

The lab clock runs on a fake wall the test moves; frames are `app.main.tick()` calls. A
load's worker thread is woken and waited for before each frame, so what is due is sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, ProgressBar, Static

import cqrs_lab.tui.app as app_module
import cqrs_lab.tui.runner as runner_module
from cqrs_lab import cli
from cqrs_lab.lab import Lab
from cqrs_lab.sim.clock import ScaledClock
from cqrs_lab.tui.app import LabApp, LabUnavailable
from cqrs_lab.tui.command_bar import CommandInput
from cqrs_lab.tui.lab_screen import LabScreen
from cqrs_lab.tui.opening import EarlyInput
from cqrs_lab.tui.runner import LoadJob
from cqrs_lab.tui.status_line import StatusLine
from cqrs_lab.tui.widgets import EventLog
from tests.robust_helpers import fresh_python
from tests.tui.conftest import FakeWall
from tests.tui.test_app import SIZE, send, text_of

SHOP = (
    "register alice alice@example.com s3cret-pass",
    'add-product mug "Blue mug" 12.50 10',
    "add-to-cart alice mug 2",
)


def message(app: LabApp) -> str:
    return str(app.query_one("#command-message", Static).render())


def progress(app: LabApp, bar: str) -> float:
    return app.query_one(f"#{bar}", ProgressBar).percentage or 0.0


async def frame(pilot: Pilot[None], wall: FakeWall, seconds: float = 0.0) -> None:
    """Move the wall clock on, let a load's worker send what is due, then draw one frame."""
    wall.now += seconds
    app = pilot.app
    assert isinstance(app, LabApp)
    load = app.main.runner.jobs.get("load")
    if isinstance(load, LoadJob):
        load.worker.wake()
        assert load.worker.wait_idle(timeout=30)
    app.main.tick()
    await pilot.pause()


# -- a load --------------------------------------------------------------------------


async def test_a_load_runs_over_several_frames_with_its_progress_shown(
    lab: Lab, wall: FakeWall
) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "load 20/s for 4s")
        assert app.query_one("#load-row").display
        assert "load 20/s for 4s: running" in message(app)
        assert lab.head == 0  # nothing sent yet: the load runs in lab time
        seen = []
        for _ in range(3):
            await frame(pilot, wall, 1.0)
            seen.append((lab.head, progress(app, "load-progress")))
        heads, shown = zip(*seen, strict=True)
        assert 0 < heads[0] < heads[1] < heads[2]
        assert 0 < shown[0] < shown[1] < shown[2] < 100
        await frame(pilot, wall, 1.5)
        assert not app.query_one("#load-row").display
        assert message(app).startswith("✓ load done: 20/s for 4s")
        assert "load 20/s for 4s" in lab.history


async def test_ctrl_x_stops_a_load_and_says_what_it_did(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "load 50/s for 60s")
        await frame(pilot, wall, 2.0)
        sent = lab.head
        assert sent > 0 and app.query_one("#load-row").display
        assert isinstance(app.focused, CommandInput)  # ctrl+x works from the bar
        await pilot.press("ctrl+x")
        assert not app.query_one("#load-row").display
        assert "load stopped: 50/s for 1m" in message(app)
        await frame(pilot, wall, 5.0)
        assert lab.head == sent  # nothing more arrives


async def test_x_and_the_stop_button_stop_a_load(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "load 10/s for 60s")
        await frame(pilot, wall, 1.0)
        await pilot.press("escape", "x")  # off the bar, the single key works
        assert not app.query_one("#load-row").display
        assert "load stopped" in message(app)
        await send(pilot, "load 10/s for 60s")
        assert app.query_one("#load-stop", Button).display
        await pilot.click("#load-stop")
        await pilot.pause()
        assert not app.query_one("#load-row").display
        assert "load stopped" in message(app)


async def test_a_second_load_waits_for_the_first(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "load 10/s for 60s")
        await send(pilot, "load 10/s for 5s")
        assert "a load is already running" in message(app)
        await pilot.press("ctrl+x")
        assert "60s" not in message(app) and "1m" in message(app)


async def test_a_paused_lab_clock_pauses_the_load(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "pause")
        await send(pilot, "load 20/s for 10s")
        await frame(pilot, wall, 3.0)
        assert lab.head == 0 and progress(app, "load-progress") == 0
        await send(pilot, "resume")
        await frame(pilot, wall, 3.0)
        assert lab.head > 0


# -- a typed rebuild -------------------------------------------------------------------


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild of a few events in several frames, as a large store's would take."""
    monkeypatch.setattr(runner_module, "REBUILD_BATCH", 1)


@pytest.mark.usefixtures("small_batches")
async def test_a_typed_rebuild_progresses_frame_by_frame(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab, refresh_hz=0)  # the test draws each frame itself
    async with app.run_test(size=SIZE) as pilot:
        for line in SHOP:
            await send(pilot, line)
        await send(pilot, "rebuild orders")
        assert app.query_one("#rebuild-row").display
        assert "rebuilding orders" in str(app.query_one("#rebuild-label").render())
        shown = []
        while app.query_one("#rebuild-row").display:
            await frame(pilot, wall)
            shown.append(progress(app, "rebuild-progress"))
        assert len(shown) > 3 and shown[1] < shown[-2]
        assert message(app) == f"✓ rebuilt orders from {lab.head} events"
        assert lab.metrics.rebuilds["orders"] == 1


@pytest.mark.usefixtures("small_batches")
async def test_rebuild_all_rebuilds_every_lane_in_turn(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        for line in SHOP:
            await send(pilot, line)
        await send(pilot, "rebuild all")
        lanes = []
        while app.query_one("#rebuild-row").display:
            await frame(pilot, wall)
            label = str(app.query_one("#rebuild-label").render()).split()
            if label and label[-1] not in lanes and app.query_one("#rebuild-row").display:
                lanes.append(label[-1])
        assert lanes == ["catalog", "carts", "orders", "sales"]
        done = ", ".join(f"{lane} from {lab.head} events" for lane in lanes)
        assert message(app) == f"✓ rebuilt {done}"
        assert all(lab.metrics.rebuilds[lane] == 1 for lane in lanes)


# -- the first frame comes first -------------------------------------------------------


@pytest.fixture
def held_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Hold the lab's imports (run in a thread after the first frame) until the test says."""
    go_on = threading.Event()
    load = app_module.lab_screen_type

    def held() -> type[LabScreen]:
        assert go_on.wait(timeout=30)
        return load()

    monkeypatch.setattr(app_module, "lab_screen_type", held)
    yield go_on
    go_on.set()


async def until_ready(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, LabApp)
    await app.workers.wait_for_complete()
    for _ in range(20):
        await pilot.pause()
        if app.ready:
            return


async def test_the_first_frame_comes_before_the_lab_and_early_lines_run_once_it_opens(
    held_imports: threading.Event, wall: FakeWall
) -> None:
    opened: list[Lab] = []

    def opener() -> Lab:
        lab = Lab.open(":memory:", seed=7, clock=ScaledClock(wall=wall), password_cost=2)
        opened.append(lab)
        return lab

    app = LabApp(opener=opener)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.ready and not opened
        assert "opening lab…" in text_of(app.query_one(StatusLine))
        assert isinstance(app.focused, EarlyInput)
        await pilot.press(*SHOP[0], "enter")
        await pilot.press(*SHOP[1], "enter")
        assert "2 lines waiting to run" in message(app)
        await pilot.press(*"add-to-cart alice")  # typed, not sent yet
        await pilot.press("f5")  # the lab's keys wait for the lab
        assert not opened

        held_imports.set()
        await until_ready(pilot)
        assert app.ready and len(opened) == 1
        lab = opened[0]
        assert lab.head == 2 and not lab.paused
        assert "ProductAdded" in text_of(app.query_one(EventLog))
        assert isinstance(app.focused, CommandInput)
        assert app.bar.input.value == "add-to-cart alice"
        assert app.bar.history.lines == ["register alice alice@example.com", SHOP[1]]
        await pilot.press(*" mug 1", "enter")
        await pilot.pause()
        assert lab.head == 3, (message(app), app.bar.input.value, app.focused)


async def test_a_lab_that_cannot_open_ends_the_app_with_its_message() -> None:
    def opener() -> Lab:
        raise LabUnavailable("cqrs-lab: the lab file is read-only")

    app = LabApp(opener=opener)
    async with app.run_test(size=SIZE) as pilot:
        await until_ready(pilot)
    assert app.return_code == 2 and not app.ready


async def test_the_app_wants_a_lab_or_an_opener_not_both(lab: Lab) -> None:
    """(With neither it opens the lab `cqrs-lab` would: see test_settings.py.)"""
    with pytest.raises(ValueError, match="a lab or an opener, not both"):
        LabApp(lab, opener=lambda: lab)


def test_cqrs_lab_draws_the_screen_then_opens_the_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[str | None, Lab]] = []

    def run(self: LabApp) -> None:
        assert not self.ready and self.opener is not None
        lab = self.opener()  # what the app does after its first frame
        opened.append((self.first_lesson.id if self.first_lesson else None, lab))
        lab.close()

    monkeypatch.setattr(LabApp, "run", run)
    assert cli.main(["--db", ":memory:", "--seed", "7"]) == 0
    assert cli.main(["tui", "--db", ":memory:"]) == 0
    assert cli.main(["lesson", "4"]) == 0
    (none, seeded), (_, _), (lesson, scratch) = opened
    assert none is None and seeded.seed == 7
    assert lesson == "04-eventual-consistency"
    assert scratch.store.where == "the in-memory database"  # a lesson's lab, not the learner's


def test_a_lab_that_cannot_open_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    said: list[str] = []

    def run(self: LabApp) -> None:
        assert self.opener is not None
        with pytest.raises(LabUnavailable) as error:
            self.opener()
        said.append(str(error.value))

    monkeypatch.setattr(LabApp, "run", run)
    cli.main(["--db", str(tmp_path / "missing" / "lab.db")])
    assert said and said[0].startswith("cqrs-lab: ") and "does not exist" in said[0]


def test_the_screen_modules_load_without_the_lab() -> None:
    """`cqrs-lab` draws before it imports the lab: neither the command nor the app module
    imports SQLAlchemy, SQLModel, pydantic or the lab at import time."""
    code = (
        "import sys, cqrs_lab.commands.tui, cqrs_lab.commands.lesson, cqrs_lab.tui.app\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'pydantic', 'cqrs_lab.lab', 'cqrs_lab.script')\n"
        "print(' '.join(name for name in heavy if name in sys.modules))\n"
    )
    assert fresh_python(code) == ""
