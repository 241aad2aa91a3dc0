"""PostgreSQL: what a unit sends with its first statement and with its COMMIT
(`store/pg_unit.py`).

A unit begun for no command sends its BEGIN and the writers' lock with its first statement
(a flush: in its pipeline). A command's checked INSERT waits for the COMMIT in the unit
that looked the command up; a version that does not follow then rolls the whole unit back
and comes out as the ConcurrencyError the handler retries on. The order count and a
registration's hash go with the COMMIT too. Skipped without $CQRS_LAB_TEST_DB (see
tests/backends.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.engine import make_url

from cqrs_lab.store import ConcurrencyError, EventMetadata, EventStore, NewEvent, open_store
from cqrs_lab.store.counters import (
    ORDERS_PLACED,
    count_orders_placed,
    set_orders_placed,
    stored_orders_placed,
)
from cqrs_lab.store.credentials import Credentials
from cqrs_lab.store.pg_unit import APPEND_LOCK_KEY
from cqrs_lab.store.records import LAB_META
from tests.backends import fresh_postgres_database
from tests.lab_helpers import execute, new_lab


def meta(command_id: str) -> EventMetadata:
    return EventMetadata(
        command_id=command_id, correlation_id=command_id, causation_id=command_id, recorded_at=1.0
    )


@pytest.fixture
def store() -> Iterator[EventStore]:
    databases = fresh_postgres_database()
    opened = open_store(next(databases))
    yield opened
    opened.engine.dispose()
    next(databases, None)  # drops it


def lock_free(store: EventStore) -> bool:
    """Whether another session could take the writers' lock now (it gives it back)."""
    with store.engine.connect() as other:
        taken = other.execute(text(f"SELECT pg_try_advisory_lock({APPEND_LOCK_KEY})")).scalar()
        if taken:
            other.execute(text(f"SELECT pg_advisory_unlock({APPEND_LOCK_KEY})"))
        other.rollback()
    return bool(taken)


@pytest.mark.parametrize("first", ["store read", "SQLAlchemy statement"])
def test_a_unit_for_no_command_takes_the_lock_with_its_first_statement(
    store: EventStore, first: str
) -> None:
    with store.transaction() as conn:
        assert lock_free(store)  # nothing sent yet: nothing held
        if first == "store read":
            assert store.head(connection=conn) == 0
        else:
            assert conn.execute(select(LAB_META.c.key)).all() is not None
        assert not lock_free(store)
    assert lock_free(store)


def test_a_flush_on_a_connection_cut_since_is_made_on_a_fresh_one() -> None:
    databases = fresh_postgres_database()
    db = next(databases)
    lab = new_lab(db=db)
    admin = create_engine(make_url(db), isolation_level="AUTOCOMMIT")
    try:
        assert execute(lab, 'add-product tea "Green tea" 3.00 30').ok
        lab.bus.run_until_idle()  # delivered, not flushed: the projections wait for it
        assert any(projection.dirty for projection in lab.projections.values())
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        lab.flush()
        assert lab.flush_problems == {}
        assert lab.flushing.error is None
        with lab.store.reading() as conn:
            stored = conn.execute(text("SELECT position FROM projection_checkpoints")).scalars()
            assert set(stored) == {lab.head}
    finally:
        lab.close()
        admin.dispose()
        next(databases, None)


def restock(store: EventStore, command_id: str, expected: int) -> None:
    """A command's unit: its id looked up with the BEGIN, one event appended, a password
    hash and the order count waiting for the COMMIT beside the INSERT."""
    credentials = Credentials(store.engine, cost_n=2**4)
    store.look_up_first(command_id)
    with store.transaction() as conn:
        assert store.find_by_command_id(command_id, connection=conn) == []
        recorded = store.append(
            "product-mug",
            expected,
            [NewEvent("OrderPlaced", {"n": expected})],
            meta(command_id),
            connection=conn,
        )
        credentials.set_password(f"user-{command_id}", "pw", connection=conn)
        count_orders_placed(conn, recorded)


@pytest.mark.parametrize("expected", [0, 5], ids=["behind: UNIQUE", "ahead: NOT NULL"])
def test_a_version_that_does_not_follow_rolls_the_whole_unit_back(
    store: EventStore, expected: int
) -> None:
    with store.transaction() as conn:
        set_orders_placed(conn, 0)
    restock(store, "cmd-1", 0)
    assert store.head() == 1
    with pytest.raises(ConcurrencyError) as raised:
        restock(store, "cmd-2", expected)
    assert raised.value.stream_id == "product-mug"
    assert raised.value.expected_version == expected
    assert raised.value.actual_version is None  # found at the COMMIT, not by a read
    assert store.head() == 1  # nothing of the unit was committed
    assert [e.metadata.command_id for e in store.read_stream("product-mug")] == ["cmd-1"]
    credentials = Credentials(store.engine, cost_n=2**4)
    assert credentials.verify("user-cmd-1", "pw")
    assert not credentials.verify("user-cmd-2", "pw")
    with store.reading() as conn:
        assert stored_orders_placed(conn) == 1
    restock(store, "cmd-3", 1)  # the next unit works on a fresh connection
    assert [e.version for e in store.read_stream("product-mug")] == [1, 2]


def test_a_unit_reads_its_own_waiting_events(store: EventStore) -> None:
    store.look_up_first("cmd-1")
    with store.transaction() as conn:
        store.append("cart-bob", 0, [NewEvent("CartCreated", {})], meta("cmd-1"), connection=conn)
        assert [e.version for e in store.read_stream("cart-bob", connection=conn)] == [1]
        assert [e.stream_id for e in store.find_by_command_id("cmd-1", connection=conn)] == [
            "cart-bob"
        ]
        store.append("cart-bob", 1, [NewEvent("CartTouched", {})], meta("cmd-1"), connection=conn)
    assert [e.version for e in store.read_stream("cart-bob")] == [1, 2]
    assert store.head() == 2


def test_the_first_order_count_is_made_in_the_commits_pipeline(store: EventStore) -> None:
    with store.transaction() as conn:
        store.append("order-o1", 0, [NewEvent("OrderPlaced", {})], meta("cmd-1"), connection=conn)
        conn.execute(delete(LAB_META).where(LAB_META.c.key == ORDERS_PLACED))
    restock_order = [NewEvent("OrderPlaced", {})]
    store.look_up_first("cmd-2")
    with store.transaction() as conn:
        recorded = store.append("order-o2", 0, restock_order, meta("cmd-2"), connection=conn)
        count_orders_placed(conn, recorded)  # none stored: every order stream is counted
    with store.reading() as conn:
        assert stored_orders_placed(conn) == 2
    with store.transaction() as conn:
        recorded = store.append("order-o3", 0, restock_order, meta("cmd-3"), connection=conn)
        count_orders_placed(conn, recorded)  # stored: moved by one
    with store.reading() as conn:
        assert stored_orders_placed(conn) == 3


def test_a_password_set_again_in_a_unit_replaces_the_hash(store: EventStore) -> None:
    credentials = Credentials(store.engine, cost_n=2**4)
    for password in ("first", "second"):
        with store.transaction() as conn:
            credentials.set_password("alice", password, connection=conn)
    assert credentials.verify("alice", "second")
    assert not credentials.verify("alice", "first")
