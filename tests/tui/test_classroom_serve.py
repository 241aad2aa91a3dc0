"""`cqrs-lab serve --classroom CODE` (issue 16, item 1), through the path serve starts a visitor
by, without a browser: the server's argv for every visitor (`visitor_argv`: `join CODE`, no
name) parsed by the CLI, the environment the server gives each connection (`_visitor_env`: a
fresh data folder and config file, the classroom's database in $CQRS_LAB_DB), and the screen
`cqrs-lab join` runs (`attendee_app`), which asks the name first.

Two visitors with different names make different progress; each reconnects (a new
connection: a new folder) under their name and finds their own progress, nothing of the
other's; every file a visitor's lab writes is in their own folder.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from cqrs_lab import cli
from cqrs_lab.classroom.storage import ClassroomStore
from cqrs_lab.commands import join
from cqrs_lab.commands.options import chosen_db
from cqrs_lab.commands.serve import visitor_argv
from cqrs_lab.config import load_config
from cqrs_lab.lessons import Lesson, Progress, StepMark, load_course
from cqrs_lab.tui.classroom.attendee_app import AttendeeApp
from cqrs_lab.tui.classroom.name_screen import NameScreen
from cqrs_lab.tui.serve.server import LabServer

SIZE = (120, 40)
TIMEOUT = 20.0

Visit = Callable[[AttendeeApp, Pilot[None]], Awaitable[None]]


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


async def visit(
    server: LabServer,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    then: Visit,
    *,
    refused: Visit | None = None,
) -> Path:
    """One connection: the visitor's environment, the CLI's parse of the visitor's argv, the
    join screen; the name typed; `then` once the lab is open. The visitor's folder."""
    env = server._visitor_env()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    parser, _ = cli.build_parser()
    args: argparse.Namespace = parser.parse_args(server.argv)
    assert args.command == "join" and args.name is None
    config = load_config()
    classroom_db = chosen_db(args, config.db)
    store = ClassroomStore.open(classroom_db)
    try:
        app = join.attendee_app(args, store, classroom_db, config)
        app.tick_hz = 50
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: asked(app), "the name")
            await pilot.press(*name, "enter")
            if refused is not None:  # the name screen stays, saying why
                await pilot.pause()
                assert isinstance(app.screen, NameScreen)
                await refused(app, pilot)
            await until(pilot, lambda: app.ready, "the lab")
            await then(app, pilot)
    finally:
        store.close()
    return Path(env["CQRS_LAB_DATA_DIR"])


def asked(app: AttendeeApp) -> bool:
    """The name screen is up, its field focused."""
    return isinstance(app.screen, NameScreen) and app.focused is not None


def lessons() -> tuple[Lesson, Lesson]:
    course = load_course().lessons
    return course[0], course[1]


async def solve_first_step(app: AttendeeApp, pilot: Pilot[None]) -> None:
    first, _ = lessons()
    app.main.lesson.open(first, 0)
    for line in first.steps[0].solution:
        app.main.run_line(line)
    link = app.link
    assert link is not None
    await until(pilot, lambda: bool(link.published and link.published.marks), "the mark sent")


async def open_second_lesson(app: AttendeeApp, pilot: Pilot[None]) -> None:
    _, second = lessons()
    app.main.lesson.open(second, 1)
    link = app.link
    assert link is not None
    await until(
        pilot,
        lambda: link.published is not None and link.published.lesson == second.id,
        "the lesson sent",
    )


async def look(app: AttendeeApp, pilot: Pilot[None]) -> None:
    assert app.link is not None and app.link.restored is not None


async def test_two_visitors_keep_their_own_progress_across_a_reconnect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, code, server = served(tmp_path)
    visitors = server.visitors_dir
    first, second = lessons()

    ada_1 = await visit(server, monkeypatch, "cy", solve_first_step)
    bob_1 = await visit(server, monkeypatch, "bob", open_second_lesson)
    assert (ada_1 / "classroom" / f"{code}-cy.db").exists()  # each lab in its own folder
    assert (bob_1 / "classroom" / f"{code}-bob.db").exists()
    assert not (ada_1 / "classroom" / f"{code}-bob.db").exists()

    ada_2 = await visit(server, monkeypatch, "cy", look)
    ada = Progress.load(ada_2 / "lesson-progress.json")
    assert ada.mark(first.id, 0) is StepMark.SOLVED
    assert ada.current(second.id) == 0 and ada.mark(second.id, 1) is None

    bob_2 = await visit(server, monkeypatch, "bob", look)
    bob = Progress.load(bob_2 / "lesson-progress.json")
    assert bob.current(second.id) == 1
    assert bob.mark(first.id, 0) is None

    assert len({ada_1, bob_1, ada_2, bob_2}) == 4  # a new folder for every connection
    written = {path for path in tmp_path.rglob("*") if path.is_file()}
    assert all(path.is_relative_to(visitors) or path == Path(db) for path in written), sorted(
        str(path) for path in written if not path.is_relative_to(visitors)
    )


def served(tmp_path: Path) -> tuple[str, str, LabServer]:
    db = str(tmp_path / "classroom.db")
    store = ClassroomStore.open(db)
    code = store.start().code
    store.join(code, "ada")  # ada's lab is beating elsewhere: her name is taken
    store.close()
    visitors = tmp_path / "visitors"
    visitors.mkdir()
    server = LabServer(
        visitor_argv(None, code),
        db=db,
        host="127.0.0.1",
        port=8000,
        public_url="http://127.0.0.1:8000",
        token=None,
        visitors_dir=visitors,
        shared_db=False,
    )
    return db, code, server


async def test_a_name_taken_is_one_line_and_another_can_be_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, code, server = served(tmp_path)

    async def retype(app: AttendeeApp, pilot: Pilot[None]) -> None:
        assert app.link is not None and app.link.name == "ada2"

    async def taken_then(app: AttendeeApp, pilot: Pilot[None]) -> None:
        problem = app.screen.query_one("#name-problem", Static)
        assert str(problem.render()).startswith(
            f"the name 'ada' is taken in classroom {code}: pick another one (if it was yours"
        )
        await pilot.press("2", "enter")

    await visit(server, monkeypatch, "ada", retype, refused=taken_then)


def test_serve_refuses_a_classroom_it_cannot_serve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, code, _ = served(tmp_path)
    assert cli.main(["serve", "--classroom", "NOPE", "--db", db]) == 2
    _, err = capsys.readouterr()
    assert err == "cqrs-lab serve: there is no classroom 'NOPE': check the code on the board\n"
    assert cli.main(["serve", "--classroom", code, "--db", ":memory:"]) == 2
    _, err = capsys.readouterr()
    assert "--classroom needs the classroom's database" in err
