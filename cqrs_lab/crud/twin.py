"""The CRUD twin: one accepted command becomes a handful of in-place UPDATEs, INSERTs, DELETEs.

It is what the shop would look like without events: always current, no history. The command
handler calls `CrudTwin.apply` right after appending to the event store, on the same
connection, so the twin commits or rolls back with the events. The command says what to do;
the recorded events supply only what the command does not carry (an order's lines and
prices, the time it was placed).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatch

from sqlalchemy import (
    BigInteger,
    Connection,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlmodel import SQLModel

from cqrs_lab.crud.tables import (
    CART_LINES,
    CARTS,
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

# Statements are built once; SQLAlchemy caches their compiled form. Bind names carry a
# `b_` prefix because names equal to a SET column are reserved by SQLAlchemy.
_INSERT_USER = insert(USERS)
_INSERT_PRODUCT = insert(PRODUCTS)
_ADD_STOCK = (
    update(PRODUCTS)
    .where(PRODUCTS.c.sku == bindparam("b_sku"))
    .values(stock=PRODUCTS.c.stock + bindparam("b_quantity"))
)
_TAKE_STOCK = (
    update(PRODUCTS)
    .where(PRODUCTS.c.sku == bindparam("b_sku"))
    .values(stock=PRODUCTS.c.stock - bindparam("b_quantity"))
)
_TOUCH_CART = (
    update(CARTS)
    .where(CARTS.c.username == bindparam("b_username"))
    .values(updated_at=bindparam("b_at"))
)
_INSERT_CART = insert(CARTS)
_GROW_CART_LINE = (
    update(CART_LINES)
    .where(CART_LINES.c.username == bindparam("b_username"), CART_LINES.c.sku == bindparam("b_sku"))
    .values(quantity=CART_LINES.c.quantity + bindparam("b_quantity"))
)
_INSERT_CART_LINE = insert(CART_LINES)
_DELETE_CART_LINE = delete(CART_LINES).where(
    CART_LINES.c.username == bindparam("b_username"), CART_LINES.c.sku == bindparam("b_sku")
)
_EMPTY_CART = delete(CART_LINES).where(CART_LINES.c.username == bindparam("b_username"))
_INSERT_ORDER = insert(ORDERS)
_INSERT_ORDER_LINE = insert(ORDER_LINES)
_THIS_ORDER = ORDERS.c.order_id == bindparam("b_order_id")
_PAY = (
    update(ORDERS)
    .where(_THIS_ORDER)
    .values(
        status=OrderStatus.PAID.value,
        paid_cents=select(
            func.sum(cast(ORDER_LINES.c.quantity, BigInteger) * ORDER_LINES.c.unit_price_cents)
        )
        .where(ORDER_LINES.c.order_id == ORDERS.c.order_id)
        .scalar_subquery(),
    )
)
_RELEASE_STOCK = (
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
    )
)
_CANCEL = update(ORDERS).where(_THIS_ORDER).values(status=OrderStatus.CANCELLED.value, paid_cents=0)
_SHIP = update(ORDERS).where(_THIS_ORDER).values(status=OrderStatus.SHIPPED.value)


class CrudTwin:
    """The naive CRUD model of the shop, kept in the `crud_*` tables."""

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
        if recorded:
            _apply(command, connection, recorded)


@singledispatch
def _apply(command: cmd.Command, conn: Connection, recorded: Sequence[RecordedEvent]) -> None:
    raise TypeError(f"the CRUD twin has no statements for {type(command).__name__}")


def _recorded_at(recorded: Sequence[RecordedEvent]) -> float:
    return recorded[0].metadata.recorded_at


def _touch_cart(conn: Connection, username: str, at: float) -> None:
    """Stamp the user's cart row, creating it on first use (UPDATE, else INSERT)."""
    if conn.execute(_TOUCH_CART, {"b_username": username, "b_at": at}).rowcount == 0:
        conn.execute(_INSERT_CART, {"username": username, "updated_at": at})


@_apply.register
def _register(command: cmd.RegisterUser, conn: Connection, _: Sequence[RecordedEvent]) -> None:
    conn.execute(_INSERT_USER, {"username": command.username, "email": command.email})


@_apply.register
def _add_product(command: cmd.AddProduct, conn: Connection, _: Sequence[RecordedEvent]) -> None:
    conn.execute(
        _INSERT_PRODUCT,
        {
            "sku": command.sku,
            "name": command.name,
            "price_cents": command.price_cents,
            "stock": command.stock,
        },
    )


@_apply.register
def _restock(command: cmd.Restock, conn: Connection, _: Sequence[RecordedEvent]) -> None:
    conn.execute(_ADD_STOCK, {"b_sku": command.sku, "b_quantity": command.quantity})


@_apply.register
def _add_to_cart(
    command: cmd.AddToCart, conn: Connection, recorded: Sequence[RecordedEvent]
) -> None:
    _touch_cart(conn, command.username, _recorded_at(recorded))
    line = {"b_username": command.username, "b_sku": command.sku, "b_quantity": command.quantity}
    if conn.execute(_GROW_CART_LINE, line).rowcount == 0:
        conn.execute(
            _INSERT_CART_LINE,
            {"username": command.username, "sku": command.sku, "quantity": command.quantity},
        )


@_apply.register
def _remove_from_cart(
    command: cmd.RemoveFromCart, conn: Connection, recorded: Sequence[RecordedEvent]
) -> None:
    conn.execute(_DELETE_CART_LINE, {"b_username": command.username, "b_sku": command.sku})
    _touch_cart(conn, command.username, _recorded_at(recorded))


@_apply.register
def _place_order(
    command: cmd.PlaceOrder, conn: Connection, recorded: Sequence[RecordedEvent]
) -> None:
    placed = _order_placed(recorded)
    at = _recorded_at(recorded)
    conn.execute(
        _INSERT_ORDER,
        {
            "order_id": command.order_id,
            "username": command.username,
            "status": OrderStatus.PLACED.value,
            "placed_at": at,
            "paid_cents": 0,
        },
    )
    conn.execute(
        _INSERT_ORDER_LINE,
        [{"order_id": command.order_id, **line.model_dump()} for line in placed.lines],
    )
    conn.execute(
        _TAKE_STOCK, [{"b_sku": line.sku, "b_quantity": line.quantity} for line in placed.lines]
    )
    conn.execute(_EMPTY_CART, {"b_username": command.username})
    _touch_cart(conn, command.username, at)


def _order_placed(recorded: Sequence[RecordedEvent]) -> ev.OrderPlaced:
    for event in recorded:
        if event.type == ev.OrderPlaced.type_name():
            return ev.OrderPlaced.model_validate(event.data)
    raise ValueError("place-order was recorded without an OrderPlaced event")


@_apply.register
def _pay(command: cmd.PayOrder, conn: Connection, _: Sequence[RecordedEvent]) -> None:
    conn.execute(_PAY, {"b_order_id": command.order_id})


@_apply.register
def _cancel(command: cmd.CancelOrder, conn: Connection, _: Sequence[RecordedEvent]) -> None:
    """Give the order's units back to stock, then mark it cancelled and refunded."""
    conn.execute(_RELEASE_STOCK, {"b_order_id": command.order_id})
    conn.execute(_CANCEL, {"b_order_id": command.order_id})


@_apply.register
def _ship(command: cmd.ShipOrder, conn: Connection, _: Sequence[RecordedEvent]) -> None:
    conn.execute(_SHIP, {"b_order_id": command.order_id})
