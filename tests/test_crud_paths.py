"""The CRUD twin both ways: sqlite3 statements on pysqlite, SQLAlchemy Core for the rest.

Every test of test_crud.py is collected here again and runs with the Core statements
forced on SQLite (test_crud.py itself takes the sqlite3 path); the two paths must then
leave exactly the same rows, and roll back with the events.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, select

from cqrs_lab.bench.data import shop_commands
from cqrs_lab.crud import tables
from cqrs_lab.crud import twin as twin_module
from cqrs_lab.shop import commands as cmd
from cqrs_lab.store.database import open_store
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.write.handler import CommandHandler
from cqrs_lab.write.results import Accepted
from tests import test_crud
from tests.test_crud import *  # noqa: F403  (every CRUD test, collected again for Core)

# The star import brings test_crud's names too (USERS is its user names there): this
# module reaches the twin's tables through `tables.` only.


@pytest.fixture(autouse=True, scope="module")
def core_statements() -> Iterator[None]:
    """test_crud's Shop makes its twin with the Core statements while this module runs."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(test_crud, "CrudTwin", partial(twin_module.CrudTwin, raw_sqlite=False))
        yield


def shop_with(raw_sqlite: bool) -> test_crud.Shop:
    shop = test_crud.Shop()
    shop.twin = twin_module.CrudTwin(raw_sqlite=raw_sqlite)
    return shop


def all_rows(shop: test_crud.Shop) -> dict[str, list[Any]]:
    with shop.engine.connect() as conn:
        return {
            table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in tables.CRUD_TABLES
        }


def statements_through_sqlalchemy(shop: test_crud.Shop, command: cmd.Command) -> int:
    executed: list[str] = []

    def count(*args: Any) -> None:
        executed.append(args[2])

    event.listen(shop.engine, "before_cursor_execute", count)
    try:
        shop.run(command)
    finally:
        event.remove(shop.engine, "before_cursor_execute", count)
    return len(executed)


def test_both_paths_leave_the_same_rows_after_the_benchmark_workload() -> None:
    commands = shop_commands(1_500)
    rows = {}
    for raw_sqlite in (True, False):
        shop = shop_with(raw_sqlite)
        for command in commands:
            shop.run(command)
        rows[raw_sqlite] = all_rows(shop)
    assert rows[True] == rows[False]
    assert all(rows[True].values())  # the workload reaches every table


def test_pysqlite_takes_the_sqlite3_statements_unless_told_not_to() -> None:
    register = test_crud.register
    assert statements_through_sqlalchemy(shop_with(raw_sqlite=True), register("alice")) == 0
    assert statements_through_sqlalchemy(shop_with(raw_sqlite=False), register("alice")) == 1


def test_sqlite3_statements_begin_a_connection_outside_a_transaction() -> None:
    shop = shop_with(raw_sqlite=True)
    command = test_crud.register("alice")
    recorded = shop.record(command)
    with shop.engine.connect() as conn:
        shop.twin.apply(conn, command, recorded)
        assert conn.in_transaction()  # closed without commit: rolled back, like autobegin
    assert all_rows(shop)["crud_users"] == []


def test_a_hook_failing_after_the_twin_leaves_nothing_anywhere(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "lab.db"))
    twin = twin_module.CrudTwin()
    with store.transaction() as conn:
        twin.create_tables(conn)

    def explode(connection: Connection, command: cmd.Command, _: list[RecordedEvent]) -> None:
        raise RuntimeError("the hook after the twin failed")

    handler = CommandHandler(store, lambda: 1.0, hooks=[twin.apply, explode])
    with pytest.raises(RuntimeError):
        handler.handle(test_crud.register("alice"))
    assert store.head() == 0
    with store.engine.connect() as conn:
        assert conn.execute(select(tables.USERS)).all() == []

    handler.hooks = [twin.apply]
    assert isinstance(handler.handle(test_crud.register("alice")), Accepted)
    with store.engine.connect() as conn:
        assert conn.execute(select(tables.USERS.c.username)).scalars().all() == ["alice"]
    store.engine.dispose()
