"""PostgreSQL: a pipeline whose statements leave together at its end (`store/pg_pipeline.py`).

Nothing is written before the block ends (another session sees no lock taken in it), yet
every statement is answered as in psycopg's own pipeline: rows, row counts, an error that
aborts the statements after it, and more statements than `FLUSH_EVERY`. Skipped without
$CQRS_LAB_TEST_DB (see tests/backends.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from cqrs_lab.store.pg_pipeline import FLUSH_EVERY, one_write
from tests.backends import fresh_postgres_database

LOCK_KEY = 0x4F4E4557  # "ONEW": an advisory lock of this test's own


@pytest.fixture
def url() -> Iterator[str]:
    databases = fresh_postgres_database()
    found = make_url(next(databases)).set(drivername="postgresql")
    yield found.render_as_string(hide_password=False)
    next(databases, None)  # drops it


@pytest.fixture
def driver(url: str) -> Iterator[Any]:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE t (k integer PRIMARY KEY, v integer NOT NULL)")
        yield connection


def lock_taken_elsewhere(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as other:
        free = other.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
        if free and free[0]:
            other.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        return not (free and free[0])


def test_nothing_is_written_before_the_block_ends(driver: Any, url: str) -> None:
    with one_write(driver):
        driver.cursor().execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        assert not lock_taken_elsewhere(url)  # still in libpq's buffer
    assert lock_taken_elsewhere(url)


def test_every_statement_is_answered_beyond_one_batch(driver: Any) -> None:
    count = 3 * FLUSH_EVERY + 5
    with one_write(driver):
        cursor = driver.cursor()
        cursor.execute("BEGIN")
        cursor.executemany(
            "INSERT INTO t (k, v) VALUES (%s, %s)", [(k, k * k) for k in range(count)]
        )
        updated = driver.cursor()
        updated.execute("UPDATE t SET v = v + 1 WHERE k < %s", (10,))
        total = driver.cursor()
        total.execute("SELECT count(*), sum(v) FROM t")
        cursor.execute("COMMIT")
    assert updated.rowcount == 10
    assert total.fetchone() == (count, sum(k * k for k in range(count)) + 10)


def test_an_error_aborts_what_follows_and_comes_out_at_the_end(driver: Any) -> None:
    with pytest.raises(psycopg.errors.UniqueViolation), one_write(driver):
        cursor = driver.cursor()
        cursor.execute("BEGIN")
        cursor.execute("INSERT INTO t (k, v) VALUES (1, 1)")
        cursor.execute("INSERT INTO t (k, v) VALUES (1, 2)")
        cursor.execute("INSERT INTO t (k, v) VALUES (2, 2)")
        cursor.execute("COMMIT")
    driver.execute("ROLLBACK")  # the transaction failed: it ends as the store ends it
    assert driver.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_prepared_statements_still_serve_repeated_pipelines(driver: Any) -> None:
    runs = 2 * (driver.prepare_threshold or 0) + 2
    for k in range(runs):
        with one_write(driver):
            driver.cursor().execute("INSERT INTO t (k, v) VALUES (%s, %s)", (k, -k))
    rows = driver.execute("SELECT k, v FROM t ORDER BY k").fetchall()
    assert rows == [(k, -k) for k in range(runs)]
    prepared = driver.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()
    assert prepared is not None and prepared[0] >= 1


def test_a_psycopg_without_the_private_names_gets_its_own_pipeline() -> None:
    """Another psycopg, whose pipeline lacks `_communicate_gen`: `one_write` changes nothing."""

    class Pipeline:
        def __enter__(self) -> Pipeline:
            return self

        def __exit__(self, *_: object) -> None:
            return None

    class Driver:
        def pipeline(self) -> Pipeline:
            return Pipeline()

    with one_write(Driver()) as pipeline:
        assert isinstance(pipeline, Pipeline) and not hasattr(pipeline, "_communicate_gen")
