"""The instructor of the classroom bench, in a process of its own.

`python -m cqrs_lab.bench.classroom_instructor DB CODE ATTENDEES TIMEOUT` polls classroom
CODE on DB four times a second, as the instructor's screen does (`Instructor.poll`), until
ATTENDEES attendees have joined and left (or TIMEOUT seconds passed), then prints one JSON
line: each attendee's state as the Room shows it and the rows it folded for them, the delays
from an attendee's change to its arrival here, and the process's CPU time over its wall time
while it polled.
"""

from __future__ import annotations

import json
import sys
import time

from cqrs_lab.classroom.instructor import Instructor
from cqrs_lab.classroom.model import Kind
from cqrs_lab.classroom.storage import ClassroomStore

POLL_S = 0.25
"""The instructor's screen polls at 4 Hz."""


def main(argv: list[str]) -> int:
    db, code, attendees, timeout = argv
    store = ClassroomStore.open(db)
    classroom = store.classroom(code)
    if classroom is None:
        raise SystemExit(f"no classroom {code}")
    instructor = Instructor(store, classroom)
    print("ready", flush=True)
    left: set[str] = set()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    until = wall0 + float(timeout)
    polls = 0
    while len(left) < int(attendees) and time.perf_counter() < until:
        began = time.perf_counter()
        left.update(row.attendee for row in instructor.poll() if row.kind is Kind.LEFT)
        polls += 1
        time.sleep(max(0.0, POLL_S - (time.perf_counter() - began)))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    seats = instructor.room.seats
    print(
        json.dumps(
            {
                "seats": {
                    name: {"state": seat.state.to_json(), "rows": seat.rows}
                    for name, seat in seats.items()
                },
                "left": sorted(left),
                "missing": instructor.room.missing,
                "delays": instructor.delays,
                "cpu_s": cpu,
                "wall_s": wall,
                "polls": polls,
                "rows_in_store": sum(1 for _ in store.all_activity(code)),
            }
        )
    )
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
