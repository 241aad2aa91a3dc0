"""`cqrs-lab classroom start|close|export` and `cqrs-lab join`'s refusals, through the CLI's
main: one clear line and exit status 2 for every failure, records with names only."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from cqrs_lab import cli
from cqrs_lab.classroom.model import AttendeeState, Kind
from cqrs_lab.classroom.storage import CODE_LENGTH, ClassroomStore
from cqrs_lab.lab.interpreter import parse

PASSWORD = "hunter2-secret"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CQRS_LAB_CONFIG", str(tmp_path / "no-config.toml"))
    return str(tmp_path / "lab.db")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def started(capsys: pytest.CaptureFixture[str], db: str) -> str:
    status, out, err = run(capsys, "classroom", "start", "--db", db)
    assert (status, err) == (0, "")
    code = out.strip()
    assert len(code) == CODE_LENGTH
    return code


def test_start_prints_the_code_and_close_closes(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code = started(capsys, db)
    status, out, _ = run(capsys, "classroom", "close", code.lower(), "--db", db)
    assert status == 0 and out == f"classroom {code} is closed: new joins are refused\n"
    status, _, err = run(capsys, "classroom", "close", code, "--db", db)
    assert status == 2
    assert err == f"cqrs-lab classroom close: classroom {code} was closed already\n"


def test_a_wrong_code_is_one_line(capsys: pytest.CaptureFixture[str], db: str) -> None:
    started(capsys, db)
    for action in ("close", "export", "watch"):
        status, out, err = run(capsys, "classroom", action, "zzzzz", "--db", db)
        assert (status, out) == (2, "")
        assert (
            err == f"cqrs-lab classroom {action}: there is no classroom 'ZZZZZ' in this database\n"
        )


def test_a_database_that_cannot_be_used_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str
) -> None:
    foreign = tmp_path / "notes.db"
    foreign.write_text("not a database at all, just some text" * 100)
    status, _, err = run(capsys, "classroom", "start", "--db", str(foreign))
    assert status == 2
    assert err.startswith("cqrs-lab classroom start: ") and err.count("\n") == 1
    assert "Traceback" not in err


def _a_workshop(db: str, code: str) -> None:
    store = ClassroomStore.open(db, clock=lambda: 1_700_000_000.0)
    try:
        store.join(code, "ada")
        store.join(code, "bob")
        bad = parse(f"register ada ada@example.com {PASSWORD} extra").shown
        on = AttendeeState("L01", 3, 0, hints=2)
        done = AttendeeState("L01", 3, 1, {0: "solved"})
        store.publish(
            code,
            [
                ("ada", 1_700_000_010.0, Kind.STATE, on.to_json()),
                ("ada", 1_700_000_020.0, Kind.REJECTED, {"line": bad, "message": "no"}),
                ("ada", 1_700_000_400.0, Kind.STATE, done.to_json()),
            ],
        )
    finally:
        store.close()


def test_export_as_json_and_csv(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code = started(capsys, db)
    _a_workshop(db, code)
    status, out, err = run(capsys, "classroom", "export", code, "--format", "json", "--db", db)
    assert (status, err) == (0, "")
    records = json.loads(out)
    assert records["classroom"] == code
    ada, bob = records["attendees"]
    assert (ada["name"], bob["name"], bob["steps"]) == ("ada", "bob", [])
    first, second = ada["steps"]
    assert first == {
        "lesson": "L01",
        "step": 1,
        "entered": "2023-11-14T22:13:30+00:00",
        "left": "2023-11-14T22:20:00+00:00",
        "seconds": 390.0,
        "mark": None,
        "hints": 2,
        "rejected": 1,
    }
    assert second["step"] == 2 and second["left"] is None
    assert [moment["why"] for moment in ada["stuck"]] == ["over 5m00s on the step"]
    status, out, _ = run(capsys, "classroom", "export", code, "--db", db)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(row["attendee"], row["step"], row["stuck"]) for row in rows] == [
        ("ada", "1", "over 5m00s on the step"),
        ("ada", "2", ""),
        ("bob", "", ""),
    ]


def test_export_never_holds_what_was_typed(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    code = started(capsys, db)
    _a_workshop(db, code)
    for format in ("csv", "json"):
        target = tmp_path / f"records.{format}"
        status, _, _ = run(
            capsys, "classroom", "export", code, "--format", format, "-o", str(target), "--db", db
        )
        assert status == 0
        text = target.read_text("utf-8")
        assert PASSWORD not in text and "register" not in text
    status, _, err = run(
        capsys, "classroom", "export", code, "-o", str(tmp_path / "no" / "x.csv"), "--db", db
    )
    assert status == 2 and err.startswith("cqrs-lab classroom export: cannot write ")
    assert err.count("\n") == 1


def test_an_open_step_counts_until_the_attendee_was_last_seen(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code = started(capsys, db)
    _a_workshop(db, code)
    later = ClassroomStore.open(db, clock=lambda: 1_700_001_000.0)
    later.heartbeat(code, "ada")
    later.close()
    _, out, _ = run(capsys, "classroom", "export", code, "--format", "json", "--db", db)
    ada = json.loads(out)["attendees"][0]
    assert ada["steps"][1]["seconds"] == 600.0
    assert [moment["why"] for moment in ada["stuck"]] == [
        "over 5m00s on the step",
        "over 5m00s on the step, still on it",
    ]


def test_join_refusals_are_one_line_before_any_screen(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code = started(capsys, db)
    store = ClassroomStore.open(db)
    try:
        store.join(code, "ada")
    finally:
        store.close()
    refusals = {
        ("ada", code): f"the name 'ada' is taken in classroom {code}: pick another one (if",
        ("bob", "zzzzz"): "there is no classroom 'ZZZZZ': check the code on the board",
        ("a b", code): "'a b' cannot be a name here: up to 32 letters, digits, '.', '-' or '_'",
    }
    for (name, given), said in refusals.items():
        status, out, err = run(capsys, "join", given, "--name", name, "--db", db)
        assert (status, out) == (2, "") and err.startswith(f"cqrs-lab join: {said}"), err
        assert err.endswith(")\n" if "(if" in said else f"{said}\n") and err.count("\n") == 1
    run(capsys, "classroom", "close", code, "--db", db)
    status, _, err = run(capsys, "join", code, "--name", "bob", "--db", db)
    assert (status, err) == (2, f"cqrs-lab join: classroom {code} is closed: ask the instructor\n")


def test_list_shows_the_open_classrooms(capsys: pytest.CaptureFixture[str], db: str) -> None:
    status, out, _ = run(capsys, "classroom", "list", "--db", db)
    assert (status, out) == (0, "no classroom is open in this database\n")
    code = started(capsys, db)
    run(capsys, "classroom", "start", "--title", "Tuesday", "--db", db)
    _a_workshop(db, code)
    status, out, _ = run(capsys, "classroom", "list", "--db", db)
    first, second = out.splitlines()
    assert first.startswith(f"{code}  opened ") and first.endswith("  2 attendees")
    assert second.endswith("  0 attendees  Tuesday")


def test_a_shared_shop_seats_everyone_on_its_database(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    from cqrs_lab.classroom.seat import take_seat

    status, out, err = run(capsys, "classroom", "start", "--shared-shop", "--db", db)
    assert (status, err) == (0, "")
    code = out.strip()
    status, out, _ = run(capsys, "classroom", "list", "--db", db)
    assert out.rstrip().endswith("  0 attendees  shared shop")
    store = ClassroomStore.open(db)
    seat = take_seat(store, db, code, "ada", lab_db="elsewhere.db")
    assert seat.classroom.shared_shop and seat.lab_db == db  # one shop: the classroom's
    own = take_seat(store, db, store.start().code, "ada", lab_db=None)
    assert own.lab_db is not None and own.lab_db.endswith(f"{own.classroom.code}-ada.db")
    store.close()


def test_in_a_shared_shop_reset_and_rebuild_are_the_instructors(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    from cqrs_lab.commands import join
    from cqrs_lab.commands.tui import lab_opener
    from cqrs_lab.config import Config
    from cqrs_lab.environment import VISITOR_ENV

    monkeypatch.setenv(VISITOR_ENV, "0")  # put back as it was after the test
    monkeypatch.delenv(VISITOR_ENV)
    store = ClassroomStore.open(db)
    code = store.start(shared_shop=True).code
    args = argparse.Namespace(code=code, name="ada", lab_db=None, db=db)
    app = join.attendee_app(args, store, db, Config())
    assert app.link is not None and app.link.classroom.shared_shop
    assert os.environ[VISITOR_ENV] == "1"
    lab = lab_opener(argparse.Namespace(db=db, seed=None))()
    try:
        assert lab.visitor
    finally:
        lab.close()
        app.link.leave()
        store.close()
