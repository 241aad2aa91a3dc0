"""One simulated attendee of the classroom bench, in a process of its own.

`python -m cqrs_lab.bench.classroom_attendee CODE NAME SECONDS SEED FOLDER` (the database in
$CQRS_LAB_BENCH_DB, never on the command line) seats NAME in
classroom CODE on DB (`take_seat`, as `cqrs-lab join` does) and, for SECONDS of wall time,
plays the shipped lessons' solutions as a person would: a pause before every line (a person
reads and types), now and then a mistyped line first (the lab refuses it; the classroom
hears of it) or a hint asked, now and then "show me". Its link ticks four times a second,
as the attendee's lab screen does. The lab is in memory on a virtual clock: the classroom is
what is measured. It ends by leaving the classroom and prints one JSON line: the last state
it published and how many activity rows it wrote (its join and its leave included).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

from cqrs_lab.classroom.link import AttendeeLink, state_of
from cqrs_lab.classroom.seat import take_seat
from cqrs_lab.classroom.storage import ClassroomStore
from cqrs_lab.environment import BENCH_DB_ENV
from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lessons import LessonRun, Progress, load_course

TICK_S = 0.25
"""The link's exchange interval: the attendee's lab screen ticks at 4 Hz."""
PAUSE_S = (0.3, 1.5)
"""Wall seconds before each line: reading and typing."""
MISTAKE_ODDS = 0.08
HINT_ODDS = 0.15
SHOW_ODDS = 0.1
LESSONS = ("01", "02", "03", "04")
"""The lessons played in turn (the start of their ids), from the first again when done."""


class Attendee:
    def __init__(self, link: AttendeeLink, lab: Lab, progress: Progress, rng: random.Random):
        self.link = link
        self.lab = lab
        self.progress = progress
        self.rng = rng
        course = load_course().lessons
        self.lessons = [next(one for one in course if one.id.startswith(p)) for p in LESSONS]
        self.lesson_number = 0
        self.run = self._open(0)
        self.lines: list[str] = []
        self._plan_step()

    def _open(self, number: int) -> LessonRun:
        run = LessonRun(self.lab, self.lessons[number % len(self.lessons)], self.progress)
        run.start()
        return run

    def _plan_step(self) -> None:
        """The lines this attendee types for the step they are on."""
        rng, step = self.rng, self.run.step
        lines = list(step.solution)
        if rng.random() < MISTAKE_ODDS:
            lines.insert(0, f"plce-order {self.link.name}")
        if rng.random() < HINT_ODDS:
            self.run.next_hint()
        if rng.random() < SHOW_ODDS:
            self.run.mark_shown()
        self.lines = lines

    def act(self) -> None:
        """Type the next line; on to the next step (or lesson) once the goal is met."""
        if self.lines:
            execute(self.lab, self.lines.pop(0))
        if not self.run.check() and self.lines:
            return
        if not self.run.next_step():  # the last step: the next lesson, from its start
            self.run.close()
            self.lesson_number += 1
            self.run = self._open(self.lesson_number)
        self._plan_step()

    def tick(self) -> None:
        """The link's exchange; the bench's instructor broadcasts nothing to apply."""
        self.link.tick(state_of(self.run, paused=self.lab.paused), self.lab)


def main(argv: list[str]) -> int:
    code, name, seconds, seed, folder = argv
    db = os.environ[BENCH_DB_ENV]
    store = ClassroomStore.open(db)
    seat = take_seat(store, db, code, name, lab_db=":memory:")
    lab = Lab.open(seat.lab_db, seed=int(seed), password_cost=2**4)
    progress = Progress.load(Path(folder) / f"progress-{name}.json")
    link = seat.link
    link.attach(lab)
    attendee = Attendee(link, lab, progress, random.Random(int(seed)))
    rng = attendee.rng
    began = time.monotonic()
    until = began + float(seconds)
    next_line = began + rng.uniform(*PAUSE_S)
    next_tick = began
    while (now := time.monotonic()) < until:
        if now >= next_line:
            attendee.act()
            next_line = now + rng.uniform(*PAUSE_S)
        if now >= next_tick:
            attendee.tick()
            next_tick = now + TICK_S
        time.sleep(max(0.0, min(next_line, next_tick, until) - time.monotonic()))
    attendee.tick()
    link.leave()
    published = link.published.to_json() if link.published else None
    rows = link.rows_published + 2  # and its join and its leave
    print(json.dumps({"name": name, "state": published, "rows": rows, "problem": link.problem}))
    lab.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
