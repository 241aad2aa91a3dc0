"""Every PostgreSQL failure a user can meet is one line saying what and what to do, with
the password masked; a lab whose connection was cut reconnects (issue 13.4)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cqrs_lab.environment import DB_ENV
from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.store.pg_errors import ServerRefused, translate_pg
from tests.backends import fresh_postgres_database, postgres_url
from tests.robust_helpers import run_cqrs_lab

WHERE = "postgresql+psycopg://lab:***@db/lab"


@pytest.fixture
def pg_db() -> Iterator[str]:
    yield from fresh_postgres_database()


def run_with(url: str) -> subprocess.CompletedProcess[str]:
    return run_cqrs_lab("run", "-", stdin="say hi\n", timeout=60, **{DB_ENV: url})


def one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # no traceback
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_a_wrong_password_a_dead_server_and_a_missing_database_get_one_line() -> None:
    url = make_url(postgres_url())
    password = url.password or ""
    wrong = url.set(password="not-the-password").render_as_string(hide_password=False)
    line = one_line(run_with(wrong), "refused the login", "$CQRS_LAB_DB")
    assert "not-the-password" not in line and "***" in line
    down = url.set(port=1).render_as_string(hide_password=False)
    assert password not in one_line(run_with(down), "Cannot reach", "Start it")
    missing = url.set(database="no_such_lab").render_as_string(hide_password=False)
    assert password not in one_line(run_with(missing), "does not exist", "createdb")


def test_a_user_without_rights_is_told_what_to_grant(pg_db: str) -> None:
    url = make_url(pg_db)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("DROP ROLE IF EXISTS lab_guest"))
            conn.execute(text("CREATE ROLE lab_guest LOGIN PASSWORD 'guest-pass'"))
        guest = url.set(username="lab_guest", password="guest-pass")
        line = one_line(run_with(guest.render_as_string(hide_password=False)), "GRANT")
        assert "guest-pass" not in line
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'REVOKE ALL ON DATABASE "{url.database}" FROM lab_guest'))
            conn.execute(text("DROP ROLE IF EXISTS lab_guest"))
        admin.dispose()


def test_a_lab_whose_connection_was_cut_reconnects(pg_db: str) -> None:
    lab = Lab.open(pg_db, seed=1, password_cost=2**4)
    admin = create_engine(make_url(pg_db), isolation_level="AUTOCOMMIT")
    try:
        assert execute(lab, 'add-product tea "Green tea" 3.00 30').ok
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert execute(lab, "restock tea 1").ok  # the pool saw the dead connection: a new one
        assert execute(lab, "settle").ok
        assert lab.query("catalog", crud=True).rows.as_dicts()[0]["available"] == 31
    finally:
        lab.close()
        admin.dispose()


class _Driver(Exception):
    def __init__(self, sqlstate: str | None, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "message", "words"),
    [
        ("53100", "could not extend file: No space left on device", "out of disk space"),
        ("40001", "could not serialize access", "send it again"),
        ("40P01", "deadlock detected", "send it again"),
        ("57P01", "terminating connection due to administrator command", "reconnects"),
        ("08006", "server closed the connection unexpectedly", "reconnects"),
        ("55P03", "canceling statement due to lock timeout", "locked"),
        ("42P01", 'relation "events" does not exist', "server's log"),
    ],
)
def test_server_errors_say_what_and_what_to_do(sqlstate: str, message: str, words: str) -> None:
    error = translate_pg(_Driver(sqlstate, message), WHERE, 5000)
    assert error is not None and words in str(error)
    assert WHERE in str(error) and "\n" not in str(error)


def test_constraint_clashes_are_left_to_the_store() -> None:
    assert translate_pg(_Driver("23505", "duplicate key"), WHERE, 5000) is None
    assert isinstance(translate_pg(_Driver("3D000", "x"), WHERE, 5000), ServerRefused)
