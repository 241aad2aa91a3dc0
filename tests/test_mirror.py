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
from cqrs_lab.read.mirror import MirroredTable

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


@settings(max_examples=150, deadline=None)
@given(seeded=st.dictionaries(st.integers(0, 30), st.integers(0, 9)), steps=operations)
def test_a_mirror_reading_on_demand_answers_as_one_holding_every_row(
    engine: sa.Engine, seeded: dict[int, int], steps: list[tuple[str, int, int]]
) -> None:
    with engine.begin() as connection:
        connection.execute(TABLE.delete())
        if seeded:
            connection.execute(TABLE.insert(), [{"key": k, "value": v} for k, v in seeded.items()])

    def read(statement: sa.Select) -> list[sa.RowMapping]:  # type: ignore[type-arg]
        with engine.connect() as connection:
            return list(connection.execute(statement).mappings().all())

    lazy = MirroredTable(TABLE, keep=4)  # a tiny memory: rows are forgotten all the time
    lazy.attach(read)
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
        else:
            with engine.begin() as connection:
                lazy.write(connection)
            lazy.committed()
    with engine.begin() as connection:
        lazy.write(connection)
    lazy.committed()
    with engine.connect() as connection:
        stored = dict(connection.execute(sa.select(TABLE.c.key, TABLE.c.value)).all())
    assert stored == model


def test_a_mirror_keeps_every_changed_row_past_its_memory(engine: sa.Engine) -> None:
    lazy = MirroredTable(TABLE, keep=10)
    lazy.attach(lambda statement: [])
    for key in range(100):
        lazy.put({"key": key, "value": 1})
    assert len(lazy.rows) == 100  # nothing written yet: nothing may be forgotten
    with engine.begin() as connection:
        connection.execute(TABLE.delete())
        lazy.write(connection)
    lazy.committed()
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
