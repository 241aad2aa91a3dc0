"""Mirrors that read rows on demand: the same answers as a mirror holding every row, a
memory bounded by what is changed, and a lab that opens without reading its read tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.read.mirror import MirroredTable, Reader

METADATA = sa.MetaData()
TABLE = sa.Table(
    "things",
    METADATA,
    sa.Column("key", sa.Integer, primary_key=True),
    sa.Column("value", sa.Integer),
)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(0, 30), st.integers(0, 9)),
        st.tuples(st.just("delete"), st.integers(0, 30), st.just(0)),
        st.tuples(st.just("get"), st.integers(0, 30), st.just(0)),
        st.tuples(st.just("flush"), st.just(0), st.just(0)),
    ),
    max_size=80,
)


@pytest.fixture(scope="module")
def engine() -> Iterator[sa.Engine]:
    engine = sa.create_engine("sqlite://")
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


Reads = list[sa.Select]  # type: ignore[type-arg]


def seeded_table(engine: sa.Engine, seeded: dict[int, int]) -> Reads:
    """The table holding `seeded`, and the list `reader` notes each SELECT in."""
    with engine.begin() as connection:
        connection.execute(TABLE.delete())
        if seeded:
            connection.execute(TABLE.insert(), [{"key": k, "value": v} for k, v in seeded.items()])
    return []


def reader(engine: sa.Engine, reads: Reads) -> Reader:
    def read(statement: sa.Select) -> list[sa.RowMapping]:  # type: ignore[type-arg]
        reads.append(statement)
        with engine.connect() as connection:
            return list(connection.execute(statement).mappings().all())

    return read


def commit(engine: sa.Engine, mirror: MirroredTable) -> None:
    with engine.begin() as connection:
        mirror.write(connection)
    mirror.committed()


@settings(max_examples=150, deadline=None)
@given(
    seeded=st.dictionaries(st.integers(0, 30), st.integers(0, 9)),
    steps=operations,
    indexed=st.booleans(),
)
def test_a_mirror_reading_on_demand_answers_as_one_holding_every_row(
    engine: sa.Engine, seeded: dict[int, int], steps: list[tuple[str, int, int]], indexed: bool
) -> None:
    """Whether it starts whole (on a table without rows) or not, and whether it keeps its
    rows grouped by `value` or scans them, `get` and `where` answer as the model does."""
    lazy = MirroredTable(TABLE, keep=4)  # a tiny memory: rows are forgotten all the time
    if indexed:
        lazy.index_by("value")
    lazy.attach(reader(engine, seeded_table(engine, seeded)), empty=not seeded)
    model = dict(seeded)
    for operation, key, value in steps:
        if operation == "put":
            lazy.put({"key": key, "value": value})
            model[key] = value
        elif operation == "delete":
            lazy.delete(key)
            model.pop(key, None)
        elif operation == "get":
            row = lazy.get(key)
            assert (None if row is None else row["value"]) == model.get(key)
            wanted = key % 10
            found = {row["key"] for row in lazy.where("value", wanted)}
            assert found == {k for k, v in model.items() if v == wanted}
        else:
            commit(engine, lazy)
    commit(engine, lazy)
    with engine.connect() as connection:
        stored = dict(connection.execute(sa.select(TABLE.c.key, TABLE.c.value)).all())
    assert stored == model


def test_a_mirror_of_a_table_never_written_holds_it_whole_until_it_holds_too_many(
    engine: sa.Engine,
) -> None:
    reads = seeded_table(engine, {})
    mirror = MirroredTable(TABLE, keep=10)
    mirror.attach(reader(engine, reads), empty=True)
    for key in range(10):
        mirror.put({"key": key, "value": 1})
    commit(engine, mirror)
    assert mirror.complete and mirror.get(99) is None and not reads  # whole: nothing read
    for key in range(10, 15):
        mirror.put({"key": key, "value": 2})
    commit(engine, mirror)
    assert not mirror.complete and len(mirror.rows) <= 10  # past its memory: on demand
    assert mirror.get(0) == {"key": 0, "value": 1} and len(reads) == 1  # forgotten: read back


def test_a_mirror_keeps_every_changed_row_past_its_memory(engine: sa.Engine) -> None:
    lazy = MirroredTable(TABLE, keep=10)
    lazy.attach(lambda statement: [])
    for key in range(100):
        lazy.put({"key": key, "value": 1})
    assert len(lazy.rows) == 100  # nothing written yet: nothing may be forgotten
    seeded_table(engine, {})
    commit(engine, lazy)
    assert len(lazy.rows) <= 10


def test_a_lab_opens_without_reading_its_read_tables_and_stays_right(tmp_path: Path) -> None:
    db = str(tmp_path / "lab.db")
    lab = Lab.open(db)
    for line in (
        "latency all zero",
        "register alice alice@example.com s3cret-pass",
        'add-product mug "Blue mug" 12.50 10',
        "add-to-cart alice mug 2",
        "place-order alice",
        "settle",
    ):
        assert execute(lab, line).ok, line
    lab.close()

    reopened = Lab.open(db)
    try:
        assert all(
            not mirror.rows for p in reopened.projections.values() for mirror in p.mirrors.values()
        )
        for line in ("latency all zero", "restock mug 5", "add-to-cart alice mug 1", "settle"):
            assert execute(reopened, line).ok, line
        for view in ("catalog", "orders", "cart", "sales"):
            username = "alice" if view in ("orders", "cart") else None
            projection = reopened.query(view, username)
            crud = reopened.query(view, username, crud=True)
            assert projection.rows == crud.rows, view
    finally:
        reopened.close()
