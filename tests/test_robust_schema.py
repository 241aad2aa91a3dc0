"""Schema evolution: events carry the version of their data's shape, and the store upcasts
old shapes to the current one as it reads them, so a lab database written by an older
CQRS Lab opens, answers and takes new commands as if it had been written today."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.shop.events import UserRegistered, event_from_data
from cqrs_lab.store import open_store
from cqrs_lab.store.upcasters import UPCASTERS
from tests.robust_helpers import answers

HISTORY = """
latency all zero
register alice alice@example.com alice-pass-1
register bob bob@example.com bob-pass-12
add-product mug "Blue mug" 12.50 10
add-to-cart alice mug 2
place-order alice
pay last
add-to-cart bob mug 1
settle
"""
OLD_SHAPE = (  # how the first CQRS Lab wrote UserRegistered: version 1, the user's `name`
    "UPDATE events SET schema_version = 1, data = json_object("
    "'name', json_extract(data, '$.username'), 'email', json_extract(data, '$.email')) "
    "WHERE type = 'UserRegistered' AND stream_id = 'user-alice'"
)


def stored(db: Path, stream_id: str) -> list[tuple[int, dict[str, object]]]:
    """(schema_version, data) of a stream's rows, exactly as they are on disk."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT schema_version, data FROM events WHERE stream_id = ? ORDER BY version",
            (stream_id,),
        ).fetchall()
    finally:
        conn.close()
    return [(version, json.loads(data)) for version, data in rows]


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    """A lab database as an older CQRS Lab left it: alice's registration in the version 1
    shape, bob's in the shape that version 1 had by the time the version went up, and the
    projections never built (so the new lab must build them from the old events)."""
    db = tmp_path / "lab.db"
    lab = Lab.open(str(db), seed=1, password_cost=2**4)
    for line in HISTORY.strip().splitlines():
        assert execute(lab, line).ok, line
    projection_tables = [
        str(model.__tablename__) for p in lab.projections.values() for model in p.tables
    ]
    lab.close()
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(OLD_SHAPE)
        conn.execute("UPDATE events SET schema_version = 1 WHERE type = 'UserRegistered'")
        for table in [*projection_tables, "projection_checkpoints"]:
            conn.execute(f"DELETE FROM {table}")
    conn.close()
    assert stored(db, "user-alice") == [(1, {"name": "alice", "email": "alice@example.com"})]
    assert stored(db, "user-bob") == [(1, {"username": "bob", "email": "bob@example.com"})]
    return db


def test_events_carry_the_version_of_their_shape() -> None:
    assert UserRegistered.schema_version == 2
    assert set(UPCASTERS) == {("UserRegistered", 1)}


def test_an_old_store_reads_as_current_events(old_db: Path) -> None:
    store = open_store(str(old_db))
    try:
        (alice,) = store.read_stream("user-alice")
        (bob,) = store.read_stream("user-bob")
    finally:
        store.engine.dispose()
    assert (alice.schema_version, alice.data) == (
        2,
        {"username": "alice", "email": "alice@example.com"},
    )
    assert (bob.schema_version, bob.data) == (2, {"username": "bob", "email": "bob@example.com"})
    assert event_from_data(alice.type, alice.data) == UserRegistered(
        username="alice", email="alice@example.com"
    )


def test_a_lab_on_an_old_store_builds_its_projections_and_takes_commands(old_db: Path) -> None:
    lab = Lab.open(str(old_db), seed=2, password_cost=2**4)
    try:
        assert [lane.checkpoint for lane in lab.snapshot().lanes] == [lab.head] * 4
        assert answers(lab, crud=False) == answers(lab, crud=True)
        orders = lab.query("orders", "alice").rows.as_dicts()
        assert [(row["order_id"], row["status"]) for row in orders] == [("o1", "paid")]

        again = execute(lab, "register alice alice@example.com another-pass")
        assert again.code == "username_taken"  # alice's old registration is understood
        assert execute(lab, "add-to-cart alice mug 1").ok
        assert execute(lab, "register carol carol@example.com carol-pass-1").ok
        run = [execute(lab, line) for line in ("settle", "rebuild all")]
        assert all(outcome.ok for outcome in run)
        assert answers(lab, crud=False) == answers(lab, crud=True)
    finally:
        lab.close()
    assert stored(old_db, "user-alice") == [(1, {"name": "alice", "email": "alice@example.com"})]
    assert stored(old_db, "user-carol") == [
        (2, {"username": "carol", "email": "carol@example.com"})
    ]


def test_without_the_upcaster_the_old_event_is_not_understood(old_db: Path) -> None:
    lab = Lab(open_store(str(old_db), upcasters={}), seed=3, password_cost=2**4)
    try:
        refused = execute(lab, "add-to-cart alice mug 1")
        assert not refused.ok and "username" in refused.message
        assert lab.store.read_stream("user-alice")[0].data == {
            "name": "alice",
            "email": "alice@example.com",
        }
    finally:
        lab.close()
