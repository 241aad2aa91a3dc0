"""Preparing tables when many processes open one database at once.

Forty attendees joining a classroom in the same seconds each open the same database. Which
tables exist is read without any lock, so that comes first: on every open but a database's
first, everything is there and nobody queues for the writers' lock (forty processes starved
of CPU, each holding it in turn for its few DDL checks, made the last wait longer than the
5 s lock timeout). Missing tables are created under the lock and looked for again there,
since another process may have just made them. A lock wait that times out is retried: by
then the process that held it has usually made the tables, and the lock-free check sees them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Connection, Table, inspect

from cqrs_lab.store.errors import DatabaseLocked

PREPARE_ATTEMPTS = 3
"""Lock waits tried before preparing the tables gives up (each up to the busy timeout)."""


def missing_tables(connection: Connection, tables: Iterable[Table]) -> list[Table]:
    """Those of `tables` the database does not have yet (one query)."""
    present = set(inspect(connection).get_table_names())
    return [table for table in tables if table.name not in present]


def prepare(
    ready: Callable[[], bool], create: Callable[[], None], *, attempts: int = PREPARE_ATTEMPTS
) -> None:
    """Run `create` (which takes the writers' lock) unless `ready` (which takes none) finds
    nothing to do. A lock timeout in `create` is retried after checking again; the last one
    is raised saying how long it waited in all."""
    for attempt in range(1, attempts + 1):
        if ready():
            return
        try:
            create()
            return
        except DatabaseLocked as error:
            if attempt == attempts:
                raise DatabaseLocked(error.where, error.waited_s * attempts) from error
