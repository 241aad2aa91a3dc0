"""Two labs on one data folder: each change re-reads the progress file under a lock, so
neither lab's saves wipe the other's (before, the second save dropped the first lab's step)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cqrs_lab.lessons.progress import Progress, StepMark

WRITER = """
import sys
from pathlib import Path
from cqrs_lab.lessons.progress import Progress, StepMark

path, lesson = Path(sys.argv[1]), sys.argv[2]
progress = Progress.load(path)  # read once at start, as a lab does
print("loaded", flush=True)
sys.stdin.readline()  # both have loaded before either saves
for step in range(40):
    progress.record(lesson, step, StepMark.SOLVED)
    progress.set_current(lesson, step)
assert progress.notice is None, progress.notice
"""


def test_two_processes_saving_at_once_keep_every_step(tmp_path: Path) -> None:
    path = tmp_path / "lesson-progress.json"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), lesson],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for lesson in ("01-first", "02-second")
    ]
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline() == "loaded\n"
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        assert writer.wait(timeout=60) == 0
    saved = json.loads(path.read_text("utf-8"))["lessons"]
    for lesson in ("01-first", "02-second"):
        assert sorted(int(step) for step in saved[lesson]["steps"]) == list(range(1, 41))
        assert saved[lesson]["current"] == 40


def test_a_lab_sees_nothing_lost_of_its_own_when_another_saved_first(tmp_path: Path) -> None:
    path = tmp_path / "lesson-progress.json"
    mine, theirs = Progress.load(path), Progress.load(path)
    theirs.record("02-second", 0, StepMark.SHOWN)
    mine.record("01-first", 1, StepMark.SOLVED)
    again = Progress.load(path)
    assert again.mark("01-first", 1) is StepMark.SOLVED
    assert again.mark("02-second", 0) is StepMark.SHOWN
    assert mine.mark("02-second", 0) is StepMark.SHOWN  # and the lab now knows of it
    theirs.forget("02-second")
    assert Progress.load(path).mark("02-second", 0) is None
    assert Progress.load(path).mark("01-first", 1) is StepMark.SOLVED
