"""`cqrs-lab serve --classroom CODE` with ten browser visitors (issue 16's acceptance).

A real server process, driven over its websocket the way a browser page talks to it (as in
test_serve_safety.py): each visitor is asked a name, completes a different number of steps
(0 to 9, through lessons 1 to 3, typing each step's solution and F4 to go on), closes the
page, comes back under the same name in a new connection (a new data folder), and finds
their own progress: in their new progress file, on their screen, and on the instructor's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from cqrs_lab.classroom.instructor import Instructor
from cqrs_lab.classroom.model import AttendeeState
from cqrs_lab.classroom.storage import HEARTBEAT_FRESH, ClassroomStore
from cqrs_lab.lessons import Lesson, Progress, StepMark, load_course
from tests.test_serve_safety import Served, start_server, stop_server, visit

VISITORS = 10
F4 = "\x1bOS"  # what a page sends for F4: on to the next step, or the next lesson
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
TIMEOUT = 45.0 + HEARTBEAT_FRESH
PASTE = "\x1b[200~{}\x1b[201~"  # bracketed paste, as a browser's terminal sends one


def course() -> list[Lesson]:
    return load_course().lessons[:3]


def steps() -> list[tuple[Lesson, int]]:
    """The first ten steps of the course, in order: lessons 1, 2 and 3."""
    found = [(lesson, index) for lesson in course() for index in range(len(lesson.steps))]
    assert len(found) >= VISITORS
    return found[:VISITORS]


class Page:
    """A browser's side of the websocket, read all the time (a page never stops reading:
    a visitor whose output backs up would stall), its text kept without escape sequences."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.text = ""
        self.closed: str | None = None
        self._reading = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                chunk = ANSI.sub("", message.data.decode("utf-8", "replace"))
                self.text = (self.text + chunk)[-200_000:]
        self.closed = "the lab closed its page"

    async def wait_for_text(self, text: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while text not in self.text:
            assert self.closed is None, f"{self.closed} before showing {text!r}"
            assert time.monotonic() < deadline, f"{text!r} never shown: {self.text[-600:]!r}"
            await asyncio.sleep(0.05)

    async def send(self, *message: str) -> None:
        await self.ws.send_str(json.dumps(list(message)))

    async def type_line(self, line: str) -> None:
        await self.send("stdin", line + "\r")

    async def paste(self, lines: list[str]) -> None:
        """Lines pasted at once (bracketed, as a browser's terminal pastes): the command bar
        runs them one after another. Typed one by one, keys sent while a line still runs
        could lose their Enter. A single line pasted waits in the bar for its Enter; after
        several, Enter on the empty bar does nothing."""
        await self.send("stdin", PASTE.format("\n".join(lines)) + "\r")

    async def stop(self) -> None:
        self._reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reading


@contextlib.asynccontextmanager
async def page(served: Served, name: str) -> AsyncIterator[Page]:
    """A page that was asked the name, typed `name`, and has its lab open."""
    session, connecting = visit(served)
    async with session, connecting as ws:
        visitor = Page(ws)
        try:
            await visitor.send("focus")  # clicked: keys go to the app from now
            await visitor.wait_for_text("your name, as the instructor sees it")
            await visitor.type_line(name)
            await visitor.wait_for_text("CRUD")
            yield visitor
        finally:
            await visitor.stop()


class Room:
    """The classroom's tables, read the way the instructor's screen reads them."""

    def __init__(self, db: Path, code: str) -> None:
        self.store = ClassroomStore.open(str(db))
        self.code = code

    def state(self, name: str) -> AttendeeState | None:
        states = self.store.lesson_states(self.code, name)
        return states[-1][1] if states else None

    async def until(self, what: str, check: Callable[[], object]) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not check():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            await asyncio.sleep(0.1)

    def free(self, name: str) -> bool:
        """`name` may be taken again: their lab left (a page's lab leaves as its page
        closes), or was ended before it could and has been silent long enough."""
        (row,) = [row for row in self.store.attendees(self.code) if row.name == name]
        return row.left_at is not None or time.time() - row.last_seen >= HEARTBEAT_FRESH


def where(done: int) -> tuple[str, int]:
    """The lesson and step an attendee who completed `done` steps (F4 after each) is on."""
    lesson, index = steps()[done]
    return lesson.id, index


async def work(served: Served, room: Room, name: str, done: int) -> None:
    """Complete the first `done` steps, F4 after each; then close the page."""
    async with page(served, name) as visitor:
        await room.until(f"{name}'s lesson", lambda: (room.state(name) or AttendeeState()).lesson)
        for position, (lesson, index) in enumerate(steps()[:done]):
            await visitor.paste(list(lesson.steps[index].solution))

            def solved(lesson_id: str = lesson.id, step: int = index) -> bool:
                state = room.state(name)
                return state is not None and state.lesson == lesson_id and step in state.marks

            await room.until(f"{name} solving {lesson.id} step {index + 1}", solved)
            await visitor.send("stdin", F4)

            def moved(target: tuple[str, int] = where(position + 1)) -> bool:
                state = room.state(name)
                return state is not None and (state.lesson, state.step) == target

            await room.until(f"{name} moving on to {where(position + 1)}", moved)


async def come_back(served: Served, room: Room, name: str, expected: AttendeeState) -> Path:
    """Reconnect as `name`: the screen says where they were. Their new folder."""
    before = labs_of(served, room, name)
    async with page(served, name) as visitor:
        await visitor.wait_for_text(f"Welcome back, {name}: step {expected.step + 1}")
    (folder,) = labs_of(served, room, name) - before
    return folder


def labs_of(served: Served, room: Room, name: str) -> set[Path]:
    """The visitor folders holding `name`'s own lab: one per connection."""
    return {lab.parent.parent for lab in served.visitors.glob(f"*/classroom/{room.code}-{name}.db")}


@pytest.fixture
def classroom(tmp_path: Path) -> Iterator[tuple[Served, Room]]:
    db = tmp_path / "shared.db"
    store = ClassroomStore.open(str(db))
    classroom = store.start(title="ten browsers")
    Instructor(store, classroom).open_lesson(course()[0])
    store.close()
    served = start_server(tmp_path, "--classroom", classroom.code)
    room = Room(db, classroom.code)
    try:
        yield served, room
    finally:
        room.store.close()
        if served.process.poll() is None:
            stop_server(served)


async def test_ten_visitors_each_keep_their_own_progress_across_a_reconnect(
    classroom: tuple[Served, Room],
) -> None:
    served, room = classroom
    names = [f"v{done}" for done in range(VISITORS)]
    await asyncio.gather(*(work(served, room, name, done) for done, name in enumerate(names)))
    before = {name: room.state(name) or AttendeeState() for name in names}
    await room.until("every name to be free", lambda: all(map(room.free, names)))
    back = await asyncio.gather(*(come_back(served, room, name, before[name]) for name in names))
    folders = dict(zip(names, back, strict=True))

    order = steps()
    for done, name in enumerate(names):
        progress = Progress.load(folders[name] / "lesson-progress.json")
        marks = [progress.mark(lesson.id, index) for lesson, index in order]
        assert marks == [StepMark.SOLVED] * done + [None] * (VISITORS - done), name
        state = before[name]
        assert (state.lesson, state.step) == where(done)
        assert progress.current(state.lesson or "") == state.step

    opened = room.store.classroom(room.code)
    assert opened is not None
    instructor = Instructor(room.store, opened)
    instructor.poll()
    seen = {name: instructor.room.seats[name].state for name in names}
    assert {name: (s.lesson, s.step, dict(s.marks)) for name, s in seen.items()} == {
        name: (state.lesson, state.step, dict(state.marks)) for name, state in before.items()
    }
