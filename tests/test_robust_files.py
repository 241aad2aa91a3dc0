"""Bad files met through the front door: the `cqrs-lab` command (as a subprocess, where a
traceback would show) and the Lab. Each gets one clear message saying what is wrong, where
and what to do, and no data is lost: a damaged database is moved aside with its bytes intact,
anything else is left exactly as it was.

The store-level cases (tests/test_store_database.py) are not repeated here; these tests
check what a user sees.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from cqrs_lab import cli
from cqrs_lab.lab import Lab
from cqrs_lab.lab import core as lab_core
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lessons import Progress, StepMark
from cqrs_lab.store import open_store
from tests.robust_helpers import run_cqrs_lab

SCRIPT = 'add-product mug "Blue mug" 12.50 10\nquery catalog\n'
SETTLED = 'latency all zero\nadd-product mug "Blue mug" 12.50 10\nsettle\n'
GARBAGE = bytes(range(256)) * 16
SHORT_BUSY_MS = 100
HOLD_LOCK = (
    "import sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "conn.execute('BEGIN IMMEDIATE')\n"
    "print('locked', flush=True)\n"
    "sys.stdin.read()\n"
    "conn.execute('ROLLBACK')\n"
)


def front_door(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`cqrs-lab ARGS` in `tmp_path`, with its user data folder there too."""
    data = tmp_path / "user-data"
    data.mkdir(exist_ok=True)
    return run_cqrs_lab(*args, cwd=tmp_path, CQRS_LAB_DATA_DIR=str(data))


LEAVE_ALTERNATE_SCREEN = "\x1b[?1049l"


def one_clear_message(result: subprocess.CompletedProcess[str], *says: str) -> str:
    """Exit status 2, nothing on stdout, one line on stderr saying each of `says`."""
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    # The screen draws its first frame before it opens the lab; what stays in the terminal
    # once the screen closes (it leaves the alternate screen) is the message after it.
    after_screen = result.stderr.rsplit(LEAVE_ALTERNATE_SCREEN, 1)[-1]
    message = re.sub(r"\x1b\[[0-9;?<>=$]*[A-Za-z~]", "", after_screen).strip()
    assert len(message.splitlines()) == 1, message
    for part in says:
        assert part in message, message
    return message


def lab_database(path: Path, script: str = SETTLED, *, caught_up: bool = True) -> Path:
    """A real lab database with a few events, its WAL folded back into the file; if
    `caught_up`, every projection is at the head (nothing is left to write on a start)."""
    lab = Lab.open(str(path), seed=1, password_cost=2**4)
    for line in script.strip().splitlines():
        assert execute(lab, line).ok, line
    if caught_up:
        lab.catch_up_all()
    lab.close()
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def damage_page(path: Path, table: str) -> None:
    """Overwrite the root page of `table` with garbage: SQLite finds it when it reads it."""
    conn = sqlite3.connect(path)
    try:
        (page,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    finally:
        conn.close()
    with path.open("r+b") as file:
        file.seek((page - 1) * page_size)
        file.write(b"\xa5" * page_size)


# -- a damaged database ------------------------------------------------------------------

FRONT_DOORS = {
    "run": ("run", "script.lab"),
    "simulate": ("simulate", "--for", "1s"),
    "screen": (),
    "prompt": ("prompt",),
}


@pytest.mark.parametrize("door", FRONT_DOORS)
def test_a_corrupt_database_is_moved_aside_by_every_front_door(tmp_path: Path, door: str) -> None:
    (tmp_path / "script.lab").write_text(SCRIPT, "utf-8")
    db = tmp_path / "lab.db"
    db.write_bytes(GARBAGE)
    (tmp_path / "lab.db-wal").write_bytes(b"a stale log that may be someone's data")

    result = front_door(tmp_path, *FRONT_DOORS[door], "--db", str(db))

    moved = tmp_path / "lab.db.corrupt-1"
    one_clear_message(result, str(db), "is damaged", f"moved aside to {moved}", "Run again")
    assert moved.read_bytes() == GARBAGE
    assert (tmp_path / "lab.db.corrupt-1-wal").read_bytes().startswith(b"a stale log")
    assert not db.exists()


def test_after_a_corrupt_database_was_moved_aside_the_next_run_starts_afresh(
    tmp_path: Path,
) -> None:
    (tmp_path / "script.lab").write_text(SCRIPT, "utf-8")
    db = tmp_path / "lab.db"
    damaged = b"SQLite format 3\x00" + b"\xff" * 4080  # a good header, nothing behind it
    db.write_bytes(damaged)

    first = front_door(tmp_path, "run", "script.lab", "--db", str(db))
    one_clear_message(first, "is damaged", "moved aside")
    again = front_door(tmp_path, "run", "script.lab", "--db", str(db))

    assert again.returncode == 0, again.stderr
    assert "ok add-product" in again.stdout
    assert (tmp_path / "lab.db.corrupt-1").read_bytes() == damaged
    assert not (tmp_path / "lab.db.corrupt-2").exists()


def test_damage_inside_the_event_table_is_reported_and_the_file_kept(tmp_path: Path) -> None:
    db = lab_database(tmp_path / "lab.db")
    damage_page(db, "events")
    before = db.read_bytes()
    (tmp_path / "script.lab").write_text(SCRIPT, "utf-8")

    result = front_door(tmp_path, "run", "script.lab", "--db", str(db))

    one_clear_message(result, str(db), "is damaged", "Move it aside")
    assert db.read_bytes() == before  # never overwritten


def test_damage_inside_a_projection_table_is_reported_when_read_and_the_run_stops(
    tmp_path: Path,
) -> None:
    """A lab reads its read tables' rows on demand (opening costs the same at any size), so
    damage inside one is met when a line first reads it: one clear line, the run stops
    there, and the event log is left whole."""
    db = lab_database(tmp_path / "lab.db")
    damage_page(db, "catalog_products")
    (tmp_path / "script.lab").write_text(SCRIPT + "restock mug 5\n", "utf-8")

    result = front_door(tmp_path, "run", "script.lab", "--db", str(db))

    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "line 2" in result.stderr and str(db) in result.stderr
    assert "is damaged" in result.stderr
    events = sqlite3.connect(db).execute("SELECT type FROM events ORDER BY position").fetchall()
    assert events == [("ProductAdded",)]  # the restock after the damaged read never ran


# -- databases that are not ours to change ---------------------------------------------


def run_on_a_database_not_ours(tmp_path: Path, db: Path, sql: Sequence[str], *says: str) -> None:
    """Run SCRIPT on `db` once `sql` has changed it: one clear message saying each of `says`,
    and the folder left as it was (no WAL switch, no tables, no companions)."""
    conn = sqlite3.connect(db)
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()
    (tmp_path / "script.lab").write_text(SCRIPT, "utf-8")
    before = snapshot(tmp_path)

    result = front_door(tmp_path, "run", "script.lab", "--db", str(db))

    one_clear_message(result, str(db), *says)
    assert snapshot(tmp_path) == before


def test_a_foreign_database_is_left_untouched(tmp_path: Path) -> None:
    notes = ("CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('my thesis')")
    says = ("not a CQRS Lab one", "notes", "left untouched", "--db")
    run_on_a_database_not_ours(tmp_path, tmp_path / "notes.db", notes, *says)


def test_a_database_from_a_newer_lab_is_left_untouched(tmp_path: Path) -> None:
    db = lab_database(tmp_path / "lab.db")
    newer = ("UPDATE lab_meta SET value = '7' WHERE key = 'schema_version'",)
    run_on_a_database_not_ours(tmp_path, db, newer, "newer CQRS Lab", "schema 7", "upgrade")


# -- a locked database -------------------------------------------------------------------


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Labs opened by the command wait 0.1 s for a lock instead of 5 s.

    Neither `Lab.open` nor the command line takes a busy timeout, so the test shortens the
    store's default where the Lab opens it; the command runs in this process.
    """
    monkeypatch.setattr(
        lab_core, "open_store", functools.partial(open_store, busy_timeout_ms=SHORT_BUSY_MS)
    )


def hold_lock(db: Path) -> subprocess.Popen[str]:
    """Another process that holds the write lock of `db` until `release`."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def release(holder: subprocess.Popen[str]) -> None:
    if holder.poll() is None:
        holder.communicate("", timeout=30)
    assert holder.returncode == 0


@pytest.mark.usefixtures("short_busy_timeout")
def test_a_locked_database_says_who_to_ask(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = lab_database(tmp_path / "lab.db")
    (tmp_path / "script.lab").write_text("restock mug 5\n", "utf-8")
    holder = hold_lock(db)
    try:
        status = cli.main(["run", str(tmp_path / "script.lab"), "--db", str(db)])
    finally:
        release(holder)

    out, err = capsys.readouterr()  # it opens without the writers' lock; the write waits
    assert status == 2  # the line was refused, so the script did not all reach the store
    assert err == "cqrs-lab run: 1 line(s) not saved: the database refused them (see above)\n"
    assert out.splitlines()[0] == (
        f"The lab database {db} is locked: another process kept it busy for more "
        "than 0.1 s. Close the other program using it, or use --db to pick another file."
    )
    assert cli.main(["run", str(tmp_path / "script.lab"), "--db", str(db)]) == 0
    assert "ok restock: ProductRestocked #2" in capsys.readouterr().out


def test_a_lock_taken_while_the_lab_runs_refuses_one_line_only(tmp_path: Path) -> None:
    db = lab_database(tmp_path / "lab.db")
    lab = Lab(open_store(str(db), busy_timeout_ms=SHORT_BUSY_MS), seed=1, password_cost=2**4)
    holder = hold_lock(db)
    try:
        refused = execute(lab, "restock mug 5")
        assert not refused.ok and refused.code == "DatabaseLocked"
        assert "is locked" in refused.message and "Close the other program" in refused.message
        assert lab.store.head() == 1
        assert execute(lab, "query catalog").ok  # reading goes on under a writer (WAL)
        release(holder)
        assert execute(lab, "restock mug 5").ok
        assert lab.store.head() == 2
    finally:
        release(holder)
        lab.close()


# -- read-only places --------------------------------------------------------------------


def test_a_read_only_directory(tmp_path: Path) -> None:
    folder = tmp_path / "locked-down"
    folder.mkdir()
    (tmp_path / "script.lab").write_text(SCRIPT, "utf-8")
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user ignores permissions (root): see the read-only URL tests")
        result = front_door(tmp_path, "run", "script.lab", "--db", str(folder / "lab.db"))
        one_clear_message(result, str(folder / "lab.db"), "is read-only", "permissions")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_read_only_new_database(tmp_path: Path) -> None:
    """SQLite's read-only mode refuses writes even to root: the URL stands in for chmod."""
    db = tmp_path / "lab.db"
    db.touch()
    (tmp_path / "script.lab").write_text(SCRIPT, "utf-8")

    result = front_door(
        tmp_path, "run", "script.lab", "--db", f"sqlite:///file:{db}?mode=ro&uri=true"
    )

    one_clear_message(result, f"Cannot write the lab database {db}", "readonly", "permissions")
    assert db.read_bytes() == b""


def test_a_read_only_lab_database_refuses_writes_line_by_line(tmp_path: Path) -> None:
    db = lab_database(tmp_path / "lab.db")
    (tmp_path / "script.lab").write_text("restock mug 5\nquery catalog\n", "utf-8")
    before = db.read_bytes()

    result = front_door(
        tmp_path, "run", "script.lab", "--db", f"sqlite:///file:{db}?mode=ro&uri=true"
    )

    assert "Traceback" not in result.stdout + result.stderr
    refused, answered, _report = result.stdout.splitlines()
    assert refused.startswith(f"Cannot write the lab database {db}")
    assert "Check the permissions" in refused
    assert answered.startswith("catalog [") and "mug Blue mug 12.50 10" in answered
    assert db.read_bytes() == before  # SQLite may add its -shm index, and no log frame:
    wal = tmp_path / "lab.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_read_only_lab_database_with_work_left_to_do_is_refused_at_the_start(
    tmp_path: Path,
) -> None:
    db = lab_database(tmp_path / "lab.db", SCRIPT, caught_up=False)
    (tmp_path / "script.lab").write_text("query catalog\n", "utf-8")
    before = db.read_bytes()

    result = front_door(
        tmp_path, "run", "script.lab", "--db", f"sqlite:///file:{db}?mode=ro&uri=true"
    )

    one_clear_message(result, f"Cannot write the lab database {db}", "permissions")
    assert db.read_bytes() == before


# -- lessons and progress ----------------------------------------------------------------

BAD_LESSONS = {
    "bad-toml.md": ('+++\nid = "x\ntitle = 3\n+++\nbody\n', "line 2, column 8: bad TOML"),
    "no-front-matter.md": ("# Just Markdown\n", "starts with a line '+++'"),
    "not-utf8.md": (b"+++\n\xff\xfe\x00\n+++\n", "cannot read the file"),
}


def test_malformed_lesson_files_are_named_with_their_problem(tmp_path: Path) -> None:
    paths = []
    for name, (content, _says) in BAD_LESSONS.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
        paths.append(path)
    before = snapshot(tmp_path)

    result = front_door(tmp_path, "lessons", "validate", *map(str, paths))

    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1  # `lessons validate`: 1 = a lesson has problems
    errors = result.stderr.strip().splitlines()
    assert len(errors) == len(BAD_LESSONS)
    for path, error in zip(paths, errors, strict=True):
        assert error.startswith(f"error: {path}: ") and BAD_LESSONS[path.name][1] in error
    assert result.stdout.strip() == "3 lessons checked: 3 with problems"
    assert snapshot(tmp_path) == before


def test_a_damaged_progress_file_is_moved_aside(tmp_path: Path) -> None:
    data = tmp_path / "user-data"
    data.mkdir()
    progress = data / "lesson-progress.json"
    progress.write_text('{"version": 1, "lessons": {"01-x": {"steps": {"1": "sol', "utf-8")
    before = progress.read_bytes()

    result = front_door(tmp_path, "lessons", "list")

    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 0
    aside = data / "lesson-progress.json.damaged"
    assert result.stderr.strip() == (
        f"note: your lesson progress file {progress} is damaged (it is not valid JSON): it was "
        f"moved to {aside} and your progress starts afresh"
    )
    assert aside.read_bytes() == before
    assert "01-commands-and-queries" in result.stdout


def test_a_progress_file_that_is_not_text_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "lesson-progress.json"
    damaged = b"\xff\xfe{\x00garbage"
    path.write_bytes(damaged)

    progress = Progress.load(path)
    progress.record("01-commands-and-queries", 0, StepMark.SOLVED)

    assert progress.notice is not None and "damaged" in progress.notice
    kept = [p.read_bytes() for p in tmp_path.iterdir() if p != path]
    assert damaged in kept
