"""`cqrs-lab bench --classroom`: a workshop of simulated attendees, measured (issue 16).

For each size (10 and 40 attendees; 3 with `--quick`) a fresh database (a scratch database
on the PostgreSQL server `--pg-url`/`$CQRS_LAB_BENCH_DB` names, else a SQLite file) gets a
classroom; an instructor process runs the instructor's screen on it, headless, every frame
drawn to terminal text (`tui/classroom/bench_instructor`),
while every attendee is a process of its own playing lessons with pauses and mistakes for
the given time (`bench/classroom_attendee`). Then:

- progress: every attendee's last published state equals the one the instructor's Room
  shows for them (value: how many match; baseline: the attendees);
- delay: the 95th percentile of seconds from an attendee's lab noticing a change to the
  instructor's poll folding it in (target <= 1 s; baseline: the half second the design
  allows, a 4 Hz tick at each end);
- CPU: the instructor process's CPU time over its wall time, in % of a core (target under
  one core);
- nothing lost: the rows the attendees wrote, the rows in the store and the rows the
  instructor folded are the same number, with no hole (a difference is a failure).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cqrs_lab.bench.harness import Figure, Target
from cqrs_lab.bench.runner import BenchReport, environment
from cqrs_lab.bench.simulate_pg import _scratch_database
from cqrs_lab.classroom.storage import ClassroomStore
from cqrs_lab.environment import BENCH_DB_ENV

SIZES = (10, 40)
QUICK_SIZES = (3,)
SECONDS = 120.0
QUICK_SECONDS = 4.0
DESIGNED_DELAY_S = 0.5
"""The wait the design builds in: the attendee's 4 Hz tick, then the instructor's 4 Hz poll."""
INSTRUCTOR = "cqrs_lab.tui.classroom.bench_instructor"
ARRIVAL_S = 0.25
"""Wall seconds between two attendees' arrivals: forty start over ten seconds. All at once,
forty interpreters starting on a small machine starve the one holding the database's
writers' lock while it prepares the schema, and a join can time out on it (5 s)."""
GRACE_S = 120.0
"""Extra wall seconds allowed for processes to start and finish on a busy machine."""


def run_classroom(
    quick: bool,
    say: Callable[[str], None] = lambda _: None,
    pg_url: str | None = None,
    sizes: tuple[int, ...] | None = None,
    seconds: float | None = None,
) -> BenchReport:
    """The classroom at each size in turn; `seconds` each attendee plays."""
    from cqrs_lab.bench.harness import Plan, scratch

    report = BenchReport(Plan.of(quick), environment(), required=())
    sizes = sizes or (QUICK_SIZES if quick else SIZES)
    seconds = seconds or (QUICK_SECONDS if quick else SECONDS)
    where = "PostgreSQL" if pg_url else "a SQLite file"
    with scratch() as folder:
        for size in sizes:
            name = f"classroom {size}"
            say(f"measuring {name}: {size} attendees for {seconds:g} s on {where} ...")
            began = time.perf_counter()
            try:
                with _database(pg_url, folder, size) as db:
                    answer = _workshop(db, size, seconds, folder)
                report.figures.extend(_figures(size, seconds, where, answer))
            except Exception as error:  # one broken size must not hide the others
                report.failures[name] = f"{type(error).__name__}: {error}"
            report.seconds[name] = round(time.perf_counter() - began, 3)
    return report


@contextmanager
def _database(pg_url: str | None, folder: Path, size: int) -> Iterator[str]:
    if pg_url:
        with _scratch_database(pg_url) as db:
            yield db
    else:
        yield str(folder / f"classroom-{size}.db")


def _attendee(*args: str) -> list[str]:
    return [sys.executable, "-m", "cqrs_lab.bench.classroom_attendee", *args]


def _workshop(db: str, size: int, seconds: float, folder: Path) -> dict[str, Any]:
    store = ClassroomStore.open(db)
    try:
        code = store.start(title=f"bench {size}").code
    finally:
        store.close()
    timeout = seconds + GRACE_S + size
    env = {**os.environ, BENCH_DB_ENV: db}  # a URL's password never on a command line
    instructor = subprocess.Popen(
        [sys.executable, "-m", INSTRUCTOR, code, str(size), str(timeout)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    attendees: list[subprocess.Popen[str]] = []
    try:
        assert instructor.stdout is not None
        if instructor.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the instructor did not start: {instructor.stderr.read()}")
        for n in range(size):
            time.sleep(ARRIVAL_S if n else 0.0)  # a room fills over seconds, not at once
            args = (code, f"attendee{n:02}", str(seconds), str(n + 1), str(folder))
            attendees.append(
                subprocess.Popen(
                    _attendee(*args),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=env,
                )
            )
        played = [_answer(child, timeout) for child in attendees]
        watched = _answer(instructor, timeout)
    finally:
        for child in [instructor, *attendees]:
            if child.poll() is None:
                child.kill()
                child.wait()
    return {"attendees": played, "instructor": watched}


def _answer(child: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    out, err = child.communicate(timeout=timeout)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, child.args))} failed:\n{err.strip()[-2000:]}")
    answer: dict[str, Any] = json.loads(out.splitlines()[-1])
    return answer


def _figures(size: int, seconds: float, where: str, answer: dict[str, Any]) -> list[Figure]:
    played, watched = answer["attendees"], answer["instructor"]
    seats = watched["seats"]
    problems = [f"{one['name']}: {one['problem']}" for one in played if one["problem"]]
    matched = sum(
        one["state"] is not None and seats.get(one["name"], {}).get("state") == one["state"]
        for one in played
    )
    written = sum(one["rows"] for one in played)
    folded = sum(seat["rows"] for seat in seats.values())
    lost = {
        "written by the attendees": written,
        "in the store": watched["rows_in_store"],
        "folded by the instructor": folded,
    }
    if len(set(lost.values())) != 1 or watched["missing"] or problems:
        raise RuntimeError(f"rows lost: {lost}, holes {watched['missing'][:10]}, {problems[:3]}")
    delays = sorted(watched["delays"])
    p95 = statistics.quantiles(delays, n=20)[-1] if len(delays) >= 2 else delays[0]
    cpu = watched["cpu_s"] / watched["wall_s"]
    note = (
        f"{size} attendee processes for {seconds:g} s on {where}; {written} activity rows,"
        f" none lost; the instructor's screen drew {watched['frames']} frames"
    )
    key = f"classroom_{size}"
    return [
        Figure(
            f"classroom, {size} attendees: progress the instructor sees = their own",
            matched,
            "attendees",
            "attendees",
            size,
            Target(1, at_least=True, on_ratio=True),
            {f"{key}_matched": "value"},
            note=note,
        ),
        Figure(
            f"classroom, {size} attendees: p95 change-to-instructor delay",
            p95,
            "s",
            "the 4 Hz tick at each end",
            DESIGNED_DELAY_S,
            Target(1, at_least=False),
            {f"{key}_p95_delay_s": "value"},
            note=f"{len(delays)} rows; max {delays[-1]:.3f} s",
            extra={f"{key}_max_delay_s": delays[-1], f"{key}_rows": float(written)},
        ),
        Figure(
            f"classroom, {size} attendees: instructor CPU",
            100 * cpu,
            "% of a core",
            "one core",
            100.0,
            Target(100, at_least=False),
            {f"{key}_instructor_cpu_pct": "value"},
            note=(
                f"process time / wall time of the instructor's screen (headless, every frame"
                f" drawn to terminal text) over {watched['wall_s']:.1f} s"
            ),
        ),
    ]
