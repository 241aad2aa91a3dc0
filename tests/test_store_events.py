"""The event store: appends, reads, concurrency, idempotency and upcasting."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cqrs_lab.store import (
    ConcurrencyError,
    EventMetadata,
    EventStore,
    NewEvent,
    StreamAppend,
    open_store,
)
from cqrs_lab.store import statements as statements_module
from tests.backends import fresh_postgres_database


def meta(command_id: str = "cmd-1", at: float = 1.5) -> EventMetadata:
    return EventMetadata(
        command_id=command_id,
        correlation_id=f"corr-{command_id}",
        causation_id=f"cause-{command_id}",
        recorded_at=at,
    )


def event(type_: str = "ProductAdded", **data: object) -> NewEvent:
    return NewEvent(type_, dict(data))


@pytest.fixture(params=["memory", "file", "url", "core", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    """The same tests on ':memory:', a file path, a sqlite:/// URL, the Core statements,
    and PostgreSQL (`$CQRS_LAB_TEST_DB`: skipped without it, see tests/backends.py).

    "core" forces the SQLAlchemy Core statements (what non-SQLite databases use) on SQLite.
    """
    kind = request.param
    if kind == "postgresql":
        databases = fresh_postgres_database()
        opened = open_store(next(databases))
        yield opened
        opened.engine.dispose()
        next(databases, None)  # drops it
        return
    if kind == "memory":
        opened = open_store(":memory:")
    elif kind == "url":
        opened = open_store(f"sqlite:///{tmp_path / 'url.db'}")
    else:
        opened = open_store(str(tmp_path / "lab.db"))
        if kind == "core":
            opened._pysqlite = False
    yield opened
    opened.engine.dispose()


def test_round_trip_of_streams_positions_and_metadata(store: EventStore) -> None:
    first = store.append("product-sku-1", 0, [event(sku="sku-1"), event("Restocked", n=5)], meta())
    second = store.append("cart-alice", 0, [event("ItemAdded", sku="sku-1")], meta("cmd-2", 2.0))

    assert [e.position for e in first + second] == [1, 2, 3]
    assert [(e.stream_id, e.version) for e in first + second] == [
        ("product-sku-1", 1),
        ("product-sku-1", 2),
        ("cart-alice", 1),
    ]
    assert store.read_stream("product-sku-1") == first
    assert store.read_stream("product-sku-1", after_version=1) == first[1:]
    assert store.read_stream("nobody") == []
    assert store.read_all() == first + second
    assert store.read_all(after=1, limit=1) == first[1:]
    assert store.head() == 3
    assert store.stream_version("product-sku-1") == 2
    assert store.stream_version("nobody") == 0

    read = store.read_all()[2]
    assert read.data == {"sku": "sku-1"}
    assert read.type == "ItemAdded"
    assert read.metadata == meta("cmd-2", 2.0)
    assert read.schema_version == 1


def test_empty_store(store: EventStore) -> None:
    assert store.head() == 0
    assert store.read_all() == []
    assert list(store.iter_all()) == []


def test_metadata_dict_round_trip() -> None:
    original = meta("cmd-9", 12.25)
    assert EventMetadata.from_dict(original.to_dict()) == original


def test_wrong_expected_version_raises_and_writes_nothing(store: EventStore) -> None:
    store.append("product-sku-1", 0, [event(), event(), event(), event()], meta())

    with pytest.raises(ConcurrencyError) as caught:
        store.append("product-sku-1", 3, [event(lost=True)], meta("cmd-2"))

    error = caught.value
    assert (error.stream_id, error.expected_version, error.actual_version) == (
        "product-sku-1",
        3,
        4,
    )
    assert str(error) == (
        "stream 'product-sku-1' is at version 4, expected 3 (someone else wrote first)"
    )
    assert store.head() == 4
    assert store.find_by_command_id("cmd-2") == []


def test_append_many_is_all_or_nothing(store: EventStore) -> None:
    store.append("order-1", 0, [event("OrderPlaced")], meta())

    appends = [
        StreamAppend("product-sku-1", 0, [event("StockReserved")]),
        StreamAppend("order-1", 5, [event("OrderPaid")]),
    ]
    with pytest.raises(ConcurrencyError) as caught:
        store.append_many(appends, meta("cmd-2"))

    assert caught.value.stream_id == "order-1"
    assert store.read_stream("product-sku-1") == []
    assert store.head() == 1

    appends[1] = StreamAppend("order-1", 1, [event("OrderPaid"), event("OrderShipped")])
    written = store.append_many(appends, meta("cmd-3"))
    assert [(e.stream_id, e.version, e.position) for e in written] == [
        ("product-sku-1", 1, 2),
        ("order-1", 2, 3),
        ("order-1", 3, 4),
    ]


def test_append_many_rejects_the_same_stream_twice(store: EventStore) -> None:
    twice = [StreamAppend("s", 0, [event()]), StreamAppend("s", 1, [event()])]
    with pytest.raises(ValueError, match="same stream twice"):
        store.append_many(twice, meta())


def test_append_of_no_events_still_checks_the_version(store: EventStore) -> None:
    assert store.append("s", 0, [], meta()) == []
    with pytest.raises(ConcurrencyError):
        store.append("s", 1, [], meta())


def test_append_inside_a_callers_transaction_commits_or_rolls_back_with_it(
    store: EventStore,
) -> None:
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.append("s", 0, [event()], meta(), connection=conn)
        assert store.stream_version("s", connection=conn) == 1
        raise RuntimeError("the handler failed after appending")
    assert store.head() == 0

    with store.transaction() as conn:
        store.append("s", 0, [event()], meta(), connection=conn)
        store.append("t", 0, [event()], meta(), connection=conn)
    assert store.head() == 2


def test_a_connection_outside_a_transaction_is_begun_like_autobegin(store: EventStore) -> None:
    with store.engine.connect() as conn:
        store.append("s", 0, [event()], meta(), connection=conn)
        assert conn.in_transaction()
    assert store.head() == 0  # closed without commit: rolled back, as SQLAlchemy does

    with store.engine.connect() as conn:
        store.append("s", 0, [event()], meta(), connection=conn)
        conn.commit()
    assert store.head() == 1


def test_a_read_without_connection_inside_a_transaction_leaves_it_intact() -> None:
    store = open_store(":memory:")
    with store.transaction() as conn:
        store.append("s", 0, [event()], meta(), connection=conn)
        store.head()  # shares the one in-memory connection: must not reset it
        store.append("s", 1, [event()], meta(), connection=conn)
    assert [e.version for e in store.read_stream("s")] == [1, 2]


def test_two_engines_racing_on_one_file_exactly_one_wins(tmp_path: Path) -> None:
    path = str(tmp_path / "lab.db")
    stores = [open_store(path), open_store(path)]
    barrier = threading.Barrier(len(stores))
    outcomes: dict[str, object] = {}

    def write(name: str, store: EventStore) -> None:
        barrier.wait()
        try:
            outcomes[name] = store.append("product-sku-1", 0, [event(writer=name)], meta(name))
        except ConcurrencyError as error:
            outcomes[name] = error

    threads = [
        threading.Thread(target=write, args=(f"writer-{i}", s)) for i, s in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    losers = [name for name, outcome in outcomes.items() if isinstance(outcome, ConcurrencyError)]
    winners = [name for name in outcomes if name not in losers]
    assert len(winners) == 1 and len(losers) == 1
    error = outcomes[losers[0]]
    assert isinstance(error, ConcurrencyError)
    assert (error.expected_version, error.actual_version) == (0, 1)
    stream = stores[0].read_stream("product-sku-1")
    assert [e.data for e in stream] == [{"writer": winners[0]}]
    assert stores[1].find_by_command_id(losers[0]) == []
    for s in stores:
        s.engine.dispose()


def test_a_stale_snapshot_is_a_concurrency_error(tmp_path: Path) -> None:
    """A caller's DEFERRED transaction read before another writer committed."""
    path = str(tmp_path / "lab.db")
    mine, theirs = open_store(path), open_store(path)
    with mine.engine.connect() as conn:
        conn.begin()
        assert mine.stream_version("s", connection=conn) == 0  # the snapshot starts here
        theirs.append("s", 0, [event(writer="theirs")], meta("theirs"))
        with pytest.raises(ConcurrencyError) as caught:
            mine.append("s", 0, [event(writer="mine")], meta("mine"), connection=conn)
        assert caught.value.actual_version is None
        conn.rollback()
    assert [e.data for e in mine.read_stream("s")] == [{"writer": "theirs"}]
    mine.engine.dispose()
    theirs.engine.dispose()


def test_the_unique_constraint_is_the_last_line_of_defence(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer slipping in between the version check and the insert hits UNIQUE."""
    store.append("s", 0, [event(writer="first")], meta("first"))
    for statements in (statements_module.SqliteSql, statements_module.CoreSql):
        monkeypatch.setattr(statements, "version", lambda self, stream_id: 0)

    with pytest.raises(ConcurrencyError) as caught:
        store.append("s", 0, [event(writer="second")], meta("second"))

    assert (caught.value.stream_id, caught.value.actual_version) == ("s", None)
    assert "someone else wrote first" in str(caught.value)
    assert [e.data for e in store.read_all()] == [{"writer": "first"}]


def test_find_by_command_id_supports_idempotent_commands(store: EventStore) -> None:
    assert store.find_by_command_id("cmd-1") == []
    written = store.append_many(
        [StreamAppend("a", 0, [event(), event()]), StreamAppend("b", 0, [event()])], meta("cmd-1")
    )
    store.append("c", 0, [event()], meta("cmd-2"))

    assert store.find_by_command_id("cmd-1") == written
    assert [e.stream_id for e in store.find_by_command_id("cmd-2")] == ["c"]


def test_iter_all_pages_through_everything_in_order(store: EventStore) -> None:
    for i in range(23):
        store.append(f"s-{i % 4}", i // 4, [event(i=i)], meta(f"cmd-{i}"))

    events = list(store.iter_all(batch=5))
    assert [e.position for e in events] == list(range(1, 24))
    assert [e.data["i"] for e in events] == list(range(23))
    assert [e.position for e in store.iter_all(after=20, batch=5)] == [21, 22, 23]
    with pytest.raises(ValueError):
        next(store.iter_all(batch=0))


def test_iter_all_holds_no_connection_while_the_consumer_writes() -> None:
    store = open_store(":memory:")
    for i in range(6):
        store.append("source", i, [event(i=i)], meta(f"cmd-{i}"))
    copied = 0
    for recorded in store.iter_all(batch=2):
        if recorded.stream_id == "source":
            store.append("copy", copied, [event(**recorded.data)], meta(f"copy-{copied}"))
            copied += 1
    assert [e.data["i"] for e in store.read_stream("copy")] == list(range(6))


def test_upcasters_turn_old_event_versions_into_the_current_one(store: EventStore) -> None:
    old = NewEvent("ProductAdded", {"sku": "sku-1", "price": "12.50"}, schema_version=1)
    store.append("product-sku-1", 0, [old, event("Restocked", n=5)], meta())

    def v1_to_v2(data: dict[str, object]) -> dict[str, object]:
        price = str(data.pop("price"))
        return {**data, "price_cents": int(price.replace(".", ""))}

    def v2_to_v3(data: dict[str, object]) -> dict[str, object]:
        return {**data, "currency": "EUR"}

    upcasting = EventStore(
        store.engine, upcasters={("ProductAdded", 1): v1_to_v2, ("ProductAdded", 2): v2_to_v3}
    )
    upcasting._pysqlite = store._pysqlite
    added, restocked = upcasting.read_stream("product-sku-1")

    assert added.data == {"sku": "sku-1", "price_cents": 1250, "currency": "EUR"}
    assert added.schema_version == 3
    assert (restocked.data, restocked.schema_version) == ({"n": 5}, 1)
    assert store.read_all()[0].data == {"sku": "sku-1", "price": "12.50"}  # stored as written


def test_clear_forgets_every_event_and_restarts_positions(store: EventStore) -> None:
    store.append("s", 0, [event(), event()], meta())
    with store.transaction() as conn:
        store.clear(connection=conn)

    assert store.head() == 0
    assert store.read_stream("s") == []
    assert [e.position for e in store.append("s", 0, [event()], meta("cmd-2"))] == [1]


def test_folds_are_kept_replaced_and_cleared_with_the_events(store: EventStore) -> None:
    with store.transaction() as conn:
        assert store.stream_fold("product-mug", connection=conn) is None
        store.keep_folds([("product-mug", 20, "a"), ("cart-bob", 30, "b")], connection=conn)
    with store.transaction() as conn:
        store.keep_folds([("product-mug", 21, "c")], connection=conn)
        assert store.stream_fold("product-mug", connection=conn) == (21, "c")
        assert store.stream_fold("cart-bob", connection=conn) == (30, "b")
        store.clear(connection=conn)
        assert store.stream_fold("cart-bob", connection=conn) is None
