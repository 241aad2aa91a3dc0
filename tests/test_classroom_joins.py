"""Forty attendees joining at once, on SQLite and PostgreSQL ($CQRS_LAB_TEST_DB).

Preparing the schema used to take the writers' lock on every open: forty processes starved
of CPU held it in turn, and the last ones waited past the 5 s lock timeout. Now a prepared
database is opened without that lock (`store/schema.py`), missing tables are created under
it, race-free, and a lock timeout while creating them is retried.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine

from cqrs_lab import cli
from cqrs_lab.classroom.seat import take_seat
from cqrs_lab.classroom.storage import ClassroomStore
from cqrs_lab.lab import Lab
from cqrs_lab.store.database import open_store
from cqrs_lab.store.errors import DatabaseLocked
from cqrs_lab.store.event_store import APPEND_LOCK_KEY
from cqrs_lab.store.schema import PREPARE_ATTEMPTS, prepare

JOINERS = 40


def _join_and_open(db: str, code: str, name: str, start: Any, results: Any) -> None:
    """One attendee: open the classroom's database, take a seat, open the shared shop's lab."""
    start.wait()
    try:
        store = ClassroomStore.open(db)
        try:
            seat = take_seat(store, db, code, name)
            Lab.open(seat.lab_db).close()
        finally:
            store.close()
        results.put((name, "joined"))
    except Exception as error:
        results.put((name, f"{type(error).__name__}: {error}"))


def test_forty_attendees_join_a_shared_shop_at_once(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Forked processes, released together, once `classroom start --shared-shop` opened the
    classroom (and made the shop's tables): every join and every lab open succeeds."""
    assert cli.main(["classroom", "start", "--shared-shop", "--db", db]) == 0
    code = capsys.readouterr().out.strip()
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(JOINERS), context.Queue()
    names = [f"attendee{n:02}" for n in range(JOINERS)]
    processes = [
        context.Process(target=_join_and_open, args=(db, code, name, start, results))
        for name in names
    ]
    for process in processes:
        process.start()
    outcomes = dict(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    assert {name: outcome for name, outcome in outcomes.items() if outcome != "joined"} == {}
    store = ClassroomStore.open(db)
    try:
        assert [row.name for row in store.attendees(code)] == names
    finally:
        store.close()


@contextmanager
def writers_lock_held(db: str) -> Iterator[None]:
    """Another process's writer, mid-transaction: SQLite's write lock, or the store's
    advisory lock on PostgreSQL."""
    if "://" not in db:
        engine = create_engine(f"sqlite:///{db}", isolation_level="AUTOCOMMIT")
        take, release = "BEGIN IMMEDIATE", "ROLLBACK"
    else:
        engine = create_engine(db, isolation_level="AUTOCOMMIT")
        take = f"SELECT pg_advisory_lock({APPEND_LOCK_KEY})"
        release = "SELECT pg_advisory_unlock_all()"
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(take)
            yield
            conn.exec_driver_sql(release)
    finally:
        engine.dispose()


def test_a_prepared_database_opens_while_another_writer_holds_the_lock(db: str) -> None:
    Lab.open(db).close()  # the first open creates every table
    with writers_lock_held(db):
        opened = open_store(db, busy_timeout_ms=200)
        opened.engine.dispose()
        lab = Lab(open_store(db, busy_timeout_ms=200))
        lab.store.engine.dispose()


def test_a_new_database_waits_for_the_lock_to_create_its_tables(db: str) -> None:
    open_store(db).engine.dispose()  # the store's tables exist, the lab's do not yet
    with writers_lock_held(db), pytest.raises(DatabaseLocked) as refused:
        Lab(open_store(db, busy_timeout_ms=100))
    assert "more than 0.3 s" in str(refused.value)  # three waits of 0.1 s, said once


def _attempts(outcomes: list[str]) -> tuple[Callable[[], bool], Callable[[], None], list[str]]:
    """`ready` and `create` that play `outcomes` in turn: 'locked', 'made' or 'there'."""
    seen: list[str] = []
    made = False

    def ready() -> bool:
        seen.append("check")
        return made

    def create() -> None:
        nonlocal made
        outcome = outcomes.pop(0)
        seen.append(outcome)
        if outcome == "locked":
            raise DatabaseLocked("lab.db", 5)
        made = True

    return ready, create, seen


def test_preparing_checks_again_after_a_lock_timeout() -> None:
    ready, create, seen = _attempts(["locked", "made"])
    prepare(ready, create)
    assert seen == ["check", "locked", "check", "made"]


def test_preparing_gives_up_after_its_attempts_saying_how_long_it_waited() -> None:
    ready, create, seen = _attempts(["locked"] * PREPARE_ATTEMPTS)
    with pytest.raises(DatabaseLocked, match=f"more than {5 * PREPARE_ATTEMPTS} s"):
        prepare(ready, create)
    assert seen.count("check") == PREPARE_ATTEMPTS


def test_a_prepared_database_is_not_prepared_again() -> None:
    def create() -> None:
        raise AssertionError("the tables were created again")

    prepare(lambda: True, create)
