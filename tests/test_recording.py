"""Recordings: `export FILE` writes the session as JSON Lines, `replay` rebuilds it exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from cqrs_lab.cli import main as cli_main
from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.recording import FORMAT_VERSION, RecordingError, export, read, replay
from tests.lab_helpers import SHOP_SETUP, new_lab, run

SESSION = (
    SHOP_SETUP
    + """
faults sales dup=0.5 reorder=on
gaps orders catch-up
latency carts fixed:300ms
mode catalog inline
add-to-cart alice mug 2
add-to-cart alice tea 1
remove-from-cart alice tea
place-order alice
pay last
add-to-cart bob tea 3
place-order bob
cancel last
restock mug 5
load 5/s for 3s
race add-to-cart alice mug 1 ; add-to-cart alice mug 2
login alice s3cret-pass
ship o1
register carol carol@example.com "correct horse battery"
race register dave dave@example.com dave-pass-1 ; register erin erin@example.com erin-pass-2
"""
)
PASSWORDS = ("s3cret-pass", "bob-secret-1", "correct horse battery", "dave-pass-1", "erin-pass-2")
NOT_COMPARED = {
    "credentials",  # replay cannot restore them: no password is ever recorded
    "projection_checkpoints",  # delivery bookkeeping: compared as positions, see below
}


def dump(lab: Lab) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the credentials, as stored."""
    lab.flush()
    engine = lab.store.engine
    tables = sorted(set(inspect(engine).get_table_names()) - NOT_COMPARED)
    with engine.connect() as connection:
        return {
            table: sorted(
                (tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))),
                key=repr,
            )
            for table in tables
        }


@pytest.fixture
def session(data_dir: Path) -> tuple[Lab, Path]:
    lab = new_lab(seed=7)
    run(lab, SESSION)
    path = data_dir / "exports" / "session.jsonl"
    outcome = execute(lab, "export session.jsonl")
    assert outcome.ok, outcome.message
    execute(lab, "settle")  # the recording's projections are the settled ones
    return lab, path


def test_replay_reproduces_the_event_log_and_every_row_byte_for_byte(
    session: tuple[Lab, Path],
) -> None:
    original, path = session
    replayed = replay(path, password_cost=2**4)
    assert original.head > 30
    assert replayed.head == original.head
    assert replayed.store.read_all() == original.store.read_all()
    assert dump(replayed) == dump(original)
    for name, subscriber in replayed.subscribers.items():
        assert subscriber.position(replayed.head) == replayed.head
        assert original.subscribers[name].position(original.head) == original.head
    for view, user in [("catalog", None), ("sales", None), ("orders", "alice"), ("cart", "bob")]:
        for crud in (False, True):
            mine = replayed.query(view, user, crud=crud, record=False).rows.as_dicts()
            theirs = original.query(view, user, crud=crud, record=False).rows.as_dicts()
            assert mine == theirs


def test_a_replayed_lab_exports_the_same_recording(
    session: tuple[Lab, Path], tmp_path: Path
) -> None:
    _, path = session
    again = tmp_path / "again.jsonl"
    export(replay(path, password_cost=2**4), again)
    first, second = path.read_text().splitlines(), again.read_text().splitlines()
    assert second[1:] == first[1:]  # every line and event, byte for byte
    header, header_again = json.loads(first[0]), json.loads(second[0])
    header.pop("created_at"), header_again.pop("created_at")
    assert header_again == header


def test_the_replay_keeps_the_seed_lane_settings_and_lab_time(session: tuple[Lab, Path]) -> None:
    original, path = session
    recording = read(path)
    replayed = replay(path, password_cost=2**4)
    assert replayed.seed == original.seed == 7
    assert replayed.clock.now() == recording.now
    assert str(replayed.faults["sales"]) == "dup=0.5 reorder=on"
    assert str(replayed.latencies["carts"]) == "fixed:300ms"
    assert replayed.subscribers["orders"].gap_policy.value == "catch-up"
    assert replayed.subscribers["catalog"].mode.value == "inline"
    assert replayed.history == list(recording.lines)


def test_the_replayed_lab_goes_on_but_nobody_can_log_in(session: tuple[Lab, Path]) -> None:
    _, path = session
    replayed = replay(path, password_cost=2**4)
    assert not execute(replayed, "login alice s3cret-pass").ok
    run(replayed, "add-to-cart alice tea 1\nplace-order alice\nsettle")
    orders = replayed.query("orders", "alice", record=False).rows.as_dicts()
    assert [row["order_id"] for row in orders][-1] not in ("o1", "o2")
    assert replayed.query("orders", "alice", crud=True, record=False).rows.as_dicts() == orders


def test_to_position_stops_there(session: tuple[Lab, Path]) -> None:
    original, path = session
    events = original.store.read_all()
    paid = next(e.position for e in events if e.type == "OrderPaid")
    replayed = replay(path, to=paid - 1, password_cost=2**4)
    assert replayed.head == paid - 1
    assert replayed.store.read_all() == events[: paid - 1]
    assert replayed.history == []  # which lines ran before the cut is not recorded
    for crud in (False, True):
        (order,) = replayed.query("orders", "alice", crud=crud, record=False).rows.as_dicts()
        assert order["status"] == "placed"
    assert replay(path, to=0, password_cost=2**4).head == 0


def test_to_inside_one_command_is_refused_with_the_positions_that_work(
    session: tuple[Lab, Path],
) -> None:
    original, path = session
    placed = next(e for e in original.store.read_all() if e.type == "OrderPlaced")
    with pytest.raises(RecordingError, match=rf"replay to #{placed.position - 1} or #\d+"):
        replay(path, to=placed.position, password_cost=2**4)


def test_no_password_is_ever_written(session: tuple[Lab, Path]) -> None:
    _, path = session
    written = path.read_text("utf-8")
    assert "register carol carol@example.com" in written
    for password in PASSWORDS:
        assert password not in written
    assert "correct" not in written and "horse" not in written


def test_the_replay_command_prints_what_it_rebuilt(
    session: tuple[Lab, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    original, path = session
    assert cli_main(["replay", str(path), "--to", "11"]) == 0
    shown = capsys.readouterr().out
    assert f"11 events, stopped at #11 of #{original.head}" in shown
    assert "lane sales: async, latency lognormal:800ms,0.4, faults dup=0.5 reorder=on" in shown
    assert cli_main(["replay", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["head"] == report["recorded_head"] == original.head
    assert report["lines"][0] == "register alice alice@example.com ***********"


def test_the_replay_command_explains_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    header = {"kind": "header", "format": "cqrs-lab-recording", "version": FORMAT_VERSION + 1}
    bad.write_text(json.dumps(header) + "\n")
    assert cli_main(["replay", str(bad)]) == 2
    assert "made by a newer cqrs-lab" in capsys.readouterr().err
    bad.write_text('{"kind": "header"\n')
    assert cli_main(["replay", str(bad)]) == 2
    assert f"{bad}:1: not JSON" in capsys.readouterr().err


def test_replay_refuses_a_database_that_holds_events(
    session: tuple[Lab, Path], tmp_path: Path
) -> None:
    _, path = session
    db = tmp_path / "lab.db"
    used = new_lab(db=str(db))
    run(used, "register zoe zoe@example.com zoe-secret-1")
    used.close()
    with pytest.raises(RecordingError, match="already holds events"):
        replay(path, db=str(db), password_cost=2**4)


def test_an_export_that_cannot_be_written_is_a_clear_failed_line(data_dir: Path) -> None:
    (data_dir / "exports").write_text("a file where the folder should be", "utf-8")
    lab = new_lab()
    outcome = execute(lab, "export x.jsonl")
    assert not outcome.ok
    assert "cannot create" in outcome.message
    assert sorted(p.name for p in data_dir.iterdir()) == ["exports"]
