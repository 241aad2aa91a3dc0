"""The databases the store-facing tests run on: a SQLite file, and PostgreSQL when
$CQRS_LAB_TEST_DB names a server (`.ci/postgres start` makes one). Each test gets a fresh
database of its own, so tests run in parallel on one server.

Without $CQRS_LAB_TEST_DB the PostgreSQL cases skip, saying why; in CI (CI=true) they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

TEST_DB_ENV = "CQRS_LAB_TEST_DB"
BACKENDS = ("sqlite", "postgresql")


def postgres_url() -> str:
    """The server URL for PostgreSQL tests; skips (fails in CI) when none is given."""
    url = os.environ.get(TEST_DB_ENV, "")
    if url:
        return url
    reason = f"PostgreSQL tests need ${TEST_DB_ENV} (a server URL: eval $(.ci/postgres start))"
    if os.environ.get("CI") == "true":
        pytest.fail(f"in CI, {reason}")
    pytest.skip(reason)


def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the test server; dropped afterwards."""
    server = make_url(postgres_url())
    name = f"lab_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def database_for(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(folder / "lab.db")
    else:
        yield from fresh_postgres_database()
