"""Where a store's database is, and the one connection a store keeps between its units."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine


def sqlite_file(engine: Engine) -> Path | None:
    """The file behind a SQLite engine; None for in-memory databases and other servers."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    if database.startswith("file:"):
        database = urlsplit(database).path
    return Path(database)


def describe_location(engine: Engine) -> str:
    """The database file path, or the URL without its password, for messages."""
    if engine.url.get_backend_name() == "sqlite":
        path = sqlite_file(engine)
        return "the in-memory database" if path is None else str(path)
    return engine.url.render_as_string(hide_password=True)


class KeptConnection:
    """The one SQLAlchemy Connection a pysqlite or PostgreSQL store keeps between its units.

    Making and closing a Connection for every command (pool checkout and check-in, events,
    the reset on return; on a server the pre-ping's round trip) costs more than SQLite's
    BEGIN and COMMIT. One unit at a time takes it; a unit that starts while it is taken
    (nested, or on another thread) gets a fresh connection, as before. A unit that fails
    closes its connection instead of giving it back, and disposing of the engine closes
    the kept one (`drop`).
    """

    __slots__ = ("__weakref__", "_engine", "_idle", "_lock", "_options")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._options = engine.get_execution_options()
        self._idle: Connection | None = None
        self._lock = threading.Lock()

    def checkout(self) -> Connection:
        """The kept connection if it is free, else a fresh one."""
        return self.take()[0]

    def take(self) -> tuple[Connection, bool]:
        """The kept connection if it is free, else a fresh one; and whether it was kept
        (a kept one may have died since: a fresh one comes from the pool, pre-pinged)."""
        with self._lock:
            conn, self._idle = self._idle, None
        return (conn, True) if conn is not None else (self._engine.connect(), False)

    def fresh(self) -> Connection:
        """A new connection from the pool, for a kept one found dead."""
        return self._engine.connect()

    def checkin(self, conn: Connection) -> None:
        """After a unit that ended well: keep `conn` for the next one, or close it.

        A connection whose execution options a caller changed is not kept: they would
        leak into the next unit.
        """
        if (
            not conn.closed
            and not conn.invalidated
            and not conn.in_transaction()
            and conn.get_execution_options() is self._options
        ):
            with self._lock:
                if self._idle is None:
                    self._idle = conn
                    return
        conn.close()

    def drop(self) -> None:
        """Close the kept connection's DB-API connection now (the engine is disposed)."""
        with self._lock:
            conn, self._idle = self._idle, None
        if conn is not None:
            conn.invalidate()
            conn.close()
