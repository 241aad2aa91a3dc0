"""The CRUD twin: one accepted command becomes a handful of in-place UPDATEs, INSERTs, DELETEs.

It is what the shop would look like without events: always current, no history. The command
handler calls `CrudTwin.apply` right after appending to the event store, on the same
connection, so the twin commits or rolls back with the events. The command says what to do;
the recorded events supply only what the command does not carry (an order's lines and
prices, the time it was placed). Every command of the verb registry has its statements
here: the module refuses to load without them, so a forgotten one never reaches a lab.

Each statement is written twice: SQLAlchemy Core for any database (the cart's two upserts
as the `ON CONFLICT` SQL that SQLite and PostgreSQL share: one round trip whether the row
is new or not), and the same SQL for SQLite's own driver. On pysqlite the twin runs the
SQL on the connection's DB-API connection, inside the caller's transaction: SQLAlchemy's
per-statement work would cost about twenty times SQLite's, and the twin runs two or three
statements a command.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, singledispatch
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    Connection,
    Executable,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlmodel import SQLModel

from cqrs_lab.crud.psycopg_driver import on_psycopg, psycopg_pipeline
from cqrs_lab.crud.sqlite_driver import sqlite_driver
from cqrs_lab.crud.tables import (
    CART_LINES,
    CRUD_TABLES,
    ORDER_LINES,
    ORDERS,
    PRODUCTS,
    USERS,
)
from cqrs_lab.shop import commands as cmd
from cqrs_lab.shop import events as ev
from cqrs_lab.shop.state import OrderStatus
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.store.pg_unit import at_commit
from cqrs_lab.store.sqlite_unit import unit_driver


@dataclass(frozen=True, slots=True)
class _Statement:
    """One statement: `core` for any database, `sql` for sqlite3 with `?` marks in the
    order of `names`, the Core statement's bind (or column) names."""

    core: Executable
    sql: str
    names: tuple[str, ...]


# Core statements are built once; SQLAlchemy caches their compiled form. Bind names carry a
# `b_` prefix because names equal to a SET column are reserved by SQLAlchemy.
_INSERT_USER = _Statement(
    insert(USERS), "INSERT INTO crud_users (username, email) VALUES (?, ?)", ("username", "email")
)
_INSERT_PRODUCT = _Statement(
    insert(PRODUCTS),
    "INSERT INTO crud_products (sku, name, price_cents, stock) VALUES (?, ?, ?, ?)",
    ("sku", "name", "price_cents", "stock"),
)
_ADD_STOCK = _Statement(
    update(PRODUCTS)
    .where(PRODUCTS.c.sku == bindparam("b_sku"))
    .values(stock=PRODUCTS.c.stock + bindparam("b_quantity")),
    "UPDATE crud_products SET stock = stock + ? WHERE sku = ?",
    ("b_quantity", "b_sku"),
)
_TAKE_STOCK = _Statement(
    update(PRODUCTS)
    .where(PRODUCTS.c.sku == bindparam("b_sku"))
    .values(stock=PRODUCTS.c.stock - bindparam("b_quantity")),
    "UPDATE crud_products SET stock = stock - ? WHERE sku = ?",
    ("b_quantity", "b_sku"),
)
_TOUCH_CART_SQL = (
    "INSERT INTO crud_carts (username, updated_at) VALUES ({}, {})"
    " ON CONFLICT (username) DO UPDATE SET updated_at = excluded.updated_at"
)
_TOUCH_CART = _Statement(  # an upsert (SQLite and PostgreSQL): one round trip, new or not
    text(_TOUCH_CART_SQL.format(":username", ":updated_at")),
    _TOUCH_CART_SQL.format("?", "?"),
    ("username", "updated_at"),
)
_GROW_CART_LINE_SQL = (
    "INSERT INTO crud_cart_lines (username, sku, quantity) VALUES ({}, {}, {})"
    " ON CONFLICT (username, sku)"
    " DO UPDATE SET quantity = crud_cart_lines.quantity + excluded.quantity"
)
_GROW_CART_LINE = _Statement(
    text(_GROW_CART_LINE_SQL.format(":username", ":sku", ":quantity")),
    _GROW_CART_LINE_SQL.format("?", "?", "?"),
    ("username", "sku", "quantity"),
)
_DELETE_CART_LINE = _Statement(
    delete(CART_LINES).where(
        CART_LINES.c.username == bindparam("b_username"), CART_LINES.c.sku == bindparam("b_sku")
    ),
    "DELETE FROM crud_cart_lines WHERE username = ? AND sku = ?",
    ("b_username", "b_sku"),
)
_EMPTY_CART = _Statement(
    delete(CART_LINES).where(CART_LINES.c.username == bindparam("b_username")),
    "DELETE FROM crud_cart_lines WHERE username = ?",
    ("b_username",),
)
_INSERT_ORDER = _Statement(
    insert(ORDERS),
    "INSERT INTO crud_orders (order_id, username, status, placed_at, paid_cents)"
    " VALUES (?, ?, ?, ?, ?)",
    ("order_id", "username", "status", "placed_at", "paid_cents"),
)
_INSERT_ORDER_LINE = _Statement(
    insert(ORDER_LINES),
    "INSERT INTO crud_order_lines (order_id, sku, quantity, unit_price_cents) VALUES (?, ?, ?, ?)",
    ("order_id", "sku", "quantity", "unit_price_cents"),
)
_THIS_ORDER = ORDERS.c.order_id == bindparam("b_order_id")
_PAY = _Statement(
    update(ORDERS)
    .where(_THIS_ORDER)
    .values(
        status=OrderStatus.PAID.value,
        paid_cents=select(
            func.sum(cast(ORDER_LINES.c.quantity, BigInteger) * ORDER_LINES.c.unit_price_cents)
        )
        .where(ORDER_LINES.c.order_id == ORDERS.c.order_id)
        .scalar_subquery(),
    ),
    f"UPDATE crud_orders SET status = '{OrderStatus.PAID.value}', paid_cents = ("
    "SELECT sum(CAST(crud_order_lines.quantity AS BIGINT) * crud_order_lines.unit_price_cents)"
    " FROM crud_order_lines WHERE crud_order_lines.order_id = crud_orders.order_id)"
    " WHERE order_id = ?",
    ("b_order_id",),
)
_RELEASE_STOCK = _Statement(
    update(PRODUCTS)
    .where(
        PRODUCTS.c.sku.in_(
            select(ORDER_LINES.c.sku).where(ORDER_LINES.c.order_id == bindparam("b_order_id"))
        )
    )
    .values(
        stock=PRODUCTS.c.stock
        + select(ORDER_LINES.c.quantity)
        .where(
            ORDER_LINES.c.order_id == bindparam("b_order_id"),
            ORDER_LINES.c.sku == PRODUCTS.c.sku,
        )
        .scalar_subquery()
    ),
    "UPDATE crud_products SET stock = stock + (SELECT crud_order_lines.quantity"
    " FROM crud_order_lines WHERE crud_order_lines.order_id = ?"
    " AND crud_order_lines.sku = crud_products.sku)"
    " WHERE sku IN (SELECT sku FROM crud_order_lines WHERE order_id = ?)",
    ("b_order_id", "b_order_id"),
)
_CANCEL = _Statement(
    update(ORDERS).where(_THIS_ORDER).values(status=OrderStatus.CANCELLED.value, paid_cents=0),
    f"UPDATE crud_orders SET status = '{OrderStatus.CANCELLED.value}', paid_cents = 0"
    " WHERE order_id = ?",
    ("b_order_id",),
)
_SHIP = _Statement(
    update(ORDERS).where(_THIS_ORDER).values(status=OrderStatus.SHIPPED.value),
    f"UPDATE crud_orders SET status = '{OrderStatus.SHIPPED.value}' WHERE order_id = ?",
    ("b_order_id",),
)


class _Rows(Protocol):
    """Runs the twin's statements on one connection."""

    def run(self, statement: _Statement, **params: Any) -> None: ...

    def run_many(self, statement: _Statement, rows: Sequence[dict[str, Any]]) -> None: ...


class _CoreRows:
    __slots__ = ("conn",)

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def run(self, statement: _Statement, **params: Any) -> None:
        self.conn.execute(statement.core, params)

    def run_many(self, statement: _Statement, rows: Sequence[dict[str, Any]]) -> None:
        self.conn.execute(statement.core, list(rows))


class _SqliteRows:
    """sqlite3 keeps each SQL string prepared in its statement cache."""

    __slots__ = ("db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def run(self, statement: _Statement, **params: Any) -> None:
        self.db.execute(statement.sql, [params[name] for name in statement.names])

    def run_many(self, statement: _Statement, rows: Sequence[dict[str, Any]]) -> None:
        names = statement.names
        self.db.executemany(statement.sql, [[row[name] for name in names] for row in rows])


class _PipelinedRows:
    """psycopg in pipeline mode: each statement is sent without waiting for its answer, and
    the pipeline's end reads them all, so a command's statements cost one round trip."""

    __slots__ = ("cursor",)

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def run(self, statement: _Statement, **params: Any) -> None:
        self.cursor.execute(_psycopg_sql(statement.sql), [params[n] for n in statement.names])

    def run_many(self, statement: _Statement, rows: Sequence[dict[str, Any]]) -> None:
        names = statement.names
        self.cursor.executemany(
            _psycopg_sql(statement.sql), [[row[name] for name in names] for row in rows]
        )


@cache
def _psycopg_sql(sql: str) -> str:
    """The twin's SQL with psycopg's placeholders (it has no literal ? or %)."""
    return sql.replace("?", "%s")


class CrudTwin:
    """The naive CRUD model of the shop, kept in the `crud_*` tables.

    `raw_sqlite=False` keeps every statement on SQLAlchemy Core (tests run both paths).
    With it on, pysqlite runs the SQL on SQLite's driver and psycopg sends a command's
    statements in one pipeline (`_pipelined`); other drivers take Core either way.
    """

    def __init__(self, *, raw_sqlite: bool = True) -> None:
        self.raw_sqlite = raw_sqlite

    def create_tables(self, connection: Connection) -> None:
        """Create the twin's tables that do not exist yet (idempotent)."""
        SQLModel.metadata.create_all(connection, tables=list(CRUD_TABLES))

    def clear(self, connection: Connection) -> None:
        """Delete every row, children before parents."""
        for table in reversed(CRUD_TABLES):
            connection.execute(delete(table))

    def apply(
        self, connection: Connection, command: cmd.Command, recorded: Sequence[RecordedEvent]
    ) -> None:
        """Update rows in place for one accepted command, in the caller's transaction.

        `recorded` are the events the command appended. None means the command was a
        re-send the store ignored, so the twin has nothing to do either.
        """
        if not recorded:
            return
        if self.raw_sqlite and (driver := unit_driver(connection)) is not None:
            _statements(type(command))(command, _SqliteRows(driver), recorded)  # the store's unit
        elif on_psycopg(connection) and self.raw_sqlite:
            _pipelined(connection, command, recorded)
        else:
            _apply(command, self._rows(connection), recorded)

    def _rows(self, connection: Connection) -> _Rows:
        driver = sqlite_driver(connection) if self.raw_sqlite else None
        return _CoreRows(connection) if driver is None else _SqliteRows(driver)


def _pipelined(
    connection: Connection, command: cmd.Command, recorded: Sequence[RecordedEvent]
) -> None:
    """The command's statements in one psycopg pipeline, in the caller's transaction: the
    pipeline of its COMMIT when the store's unit sends one (their answers are not read)."""

    def send(cursor: Any) -> None:
        _apply(command, _PipelinedRows(cursor), recorded)

    if not at_commit(connection, send):
        with psycopg_pipeline(connection) as cursor:
            send(cursor())


@singledispatch
def _apply(command: cmd.Command, rows: _Rows, recorded: Sequence[RecordedEvent]) -> None:
    raise TypeError(f"the CRUD twin has no statements for {type(command).__name__}")


def _recorded_at(recorded: Sequence[RecordedEvent]) -> float:
    return recorded[0].metadata.recorded_at


def _touch_cart(rows: _Rows, username: str, at: float) -> None:
    """Stamp the user's cart row, creating it on first use."""
    rows.run(_TOUCH_CART, username=username, updated_at=at)


@_apply.register
def _register(command: cmd.RegisterUser, rows: _Rows, _: Sequence[RecordedEvent]) -> None:
    rows.run(_INSERT_USER, username=command.username, email=command.email)


@_apply.register
def _add_product(command: cmd.AddProduct, rows: _Rows, _: Sequence[RecordedEvent]) -> None:
    rows.run(
        _INSERT_PRODUCT,
        sku=command.sku,
        name=command.name,
        price_cents=command.price_cents,
        stock=command.stock,
    )


@_apply.register
def _restock(command: cmd.Restock, rows: _Rows, _: Sequence[RecordedEvent]) -> None:
    rows.run(_ADD_STOCK, b_sku=command.sku, b_quantity=command.quantity)


@_apply.register
def _add_to_cart(command: cmd.AddToCart, rows: _Rows, recorded: Sequence[RecordedEvent]) -> None:
    _touch_cart(rows, command.username, _recorded_at(recorded))
    rows.run(
        _GROW_CART_LINE, username=command.username, sku=command.sku, quantity=command.quantity
    )


@_apply.register
def _remove_from_cart(
    command: cmd.RemoveFromCart, rows: _Rows, recorded: Sequence[RecordedEvent]
) -> None:
    rows.run(_DELETE_CART_LINE, b_username=command.username, b_sku=command.sku)
    _touch_cart(rows, command.username, _recorded_at(recorded))


@_apply.register
def _place_order(command: cmd.PlaceOrder, rows: _Rows, recorded: Sequence[RecordedEvent]) -> None:
    placed = _order_placed(recorded)
    at = _recorded_at(recorded)
    rows.run(
        _INSERT_ORDER,
        order_id=command.order_id,
        username=command.username,
        status=OrderStatus.PLACED.value,
        placed_at=at,
        paid_cents=0,
    )
    rows.run_many(
        _INSERT_ORDER_LINE,
        [{"order_id": command.order_id, **line.model_dump()} for line in placed.lines],
    )
    rows.run_many(
        _TAKE_STOCK, [{"b_sku": line.sku, "b_quantity": line.quantity} for line in placed.lines]
    )
    rows.run(_EMPTY_CART, b_username=command.username)
    _touch_cart(rows, command.username, at)


def _order_placed(recorded: Sequence[RecordedEvent]) -> ev.OrderPlaced:
    for event in recorded:
        if event.type == ev.OrderPlaced.type_name():
            return ev.OrderPlaced.model_validate(event.data)
    raise ValueError("place-order was recorded without an OrderPlaced event")


@_apply.register
def _pay(command: cmd.PayOrder, rows: _Rows, _: Sequence[RecordedEvent]) -> None:
    rows.run(_PAY, b_order_id=command.order_id)


@_apply.register
def _cancel(command: cmd.CancelOrder, rows: _Rows, _: Sequence[RecordedEvent]) -> None:
    """Give the order's units back to stock, then mark it cancelled and refunded."""
    rows.run(_RELEASE_STOCK, b_order_id=command.order_id)
    rows.run(_CANCEL, b_order_id=command.order_id)


@_apply.register
def _ship(command: cmd.ShipOrder, rows: _Rows, _: Sequence[RecordedEvent]) -> None:
    rows.run(_SHIP, b_order_id=command.order_id)


_WITHOUT_EFFECT = [t.__name__ for t in cmd.COMMAND_TYPES if t not in _apply.registry]
if _WITHOUT_EFFECT:  # checked once, when the lab is imported, not at the first such command
    raise TypeError(f"the CRUD twin has no statements for {', '.join(_WITHOUT_EFFECT)}")

_statements = cache(_apply.dispatch)
"""`_apply`'s function for a command type, looked up once a type (on every command's path)."""
