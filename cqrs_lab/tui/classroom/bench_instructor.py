"""The instructor of the classroom bench (`cqrs-lab bench --classroom`), in a process of its own.

`python -m cqrs_lab.tui.classroom.bench_instructor CODE ATTENDEES TIMEOUT` (the database in
$CQRS_LAB_BENCH_DB, never on the command line) runs the
instructor's screen on classroom CODE of DB, headless at 120x45, polling four times a second
as `classroom watch` does, with every frame turned into terminal text as a terminal driver
would (a headless driver skips that), until ATTENDEES attendees have joined and left and the
screen has folded the last row (or TIMEOUT seconds passed). Then it prints one JSON line:
each attendee's state as the Room shows it and the rows it folded for them, the delays from
an attendee's change to its arrival here (`Instructor.delays`), frames drawn, and the
process's CPU time over its wall time while the screen ran.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from textual.app import App
from textual.pilot import Pilot

from cqrs_lab.classroom.instructor import Instructor
from cqrs_lab.classroom.storage import ClassroomStore
from cqrs_lab.environment import BENCH_DB_ENV
from cqrs_lab.tui.bench_probe import _count_frames
from cqrs_lab.tui.classroom.instructor_app import InstructorApp
from cqrs_lab.tui.classroom.instructor_screen import InstructorScreen

SIZE = (120, 45)
CHECK_S = 0.25
"""How often the bench looks whether everyone has left (the screen polls on its own timer)."""


def everyone_left(store: ClassroomStore, code: str, attendees: int) -> bool:
    seats = store.attendees(code)
    return len(seats) >= attendees and all(seat.left_at is not None for seat in seats)


def main(argv: list[str]) -> int:
    code, attendees, timeout = argv
    db = os.environ[BENCH_DB_ENV]
    store = ClassroomStore.open(db)
    classroom = store.classroom(code)
    if classroom is None:
        raise SystemExit(f"no classroom {code}")
    frames: list[float] = []
    _count_frames(App, frames)
    app = InstructorApp(InstructorScreen(Instructor(store, classroom)))
    measured: dict[str, float] = {}

    async def watch(pilot: Pilot[None]) -> None:
        print("ready", flush=True)
        room = app.instructor.room
        wall0, cpu0 = time.perf_counter(), time.process_time()
        until = wall0 + float(timeout)
        last: int | None = None  # the last row, once everyone has left
        while time.perf_counter() < until and (last is None or room.last_id < last):
            await asyncio.sleep(CHECK_S)
            if last is None and everyone_left(store, code, int(attendees)):
                last = store.last_activity(code)
        measured["wall_s"] = time.perf_counter() - wall0
        measured["cpu_s"] = time.process_time() - cpu0
        app.exit()

    app.run(headless=True, size=SIZE, auto_pilot=watch)
    instructor = app.instructor
    seats = instructor.room.seats
    print(
        json.dumps(
            {
                "seats": {
                    name: {"state": seat.state.to_json(), "rows": seat.rows}
                    for name, seat in seats.items()
                },
                "missing": instructor.room.missing,
                "delays": instructor.delays,
                "frames": len(frames),
                "rows_in_store": sum(1 for _ in store.all_activity(code)),
                **measured,
            }
        )
    )
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
