"""The checkout sagas' table: load and save one checkout in the caller's transaction, and
read them all (the `query checkouts` view and the services' picture). The statements a
saga step runs are built once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.engine import Connection, Engine

from cqrs_lab.services import tables
from cqrs_lab.services.saga import Checkout, State

_COLUMNS = tables.checkouts.c
_LOAD = select(tables.checkouts).where(_COLUMNS.order_id == bindparam("key"))
_UPDATE = tables.checkouts.update().where(_COLUMNS.order_id == bindparam("key"))
_INSERT = tables.checkouts.insert()


def load(connection: Connection, order_id: str) -> Checkout | None:
    row = connection.execute(_LOAD, {"key": order_id}).first()
    return None if row is None else _checkout(row)


def save(connection: Connection, checkout: Checkout) -> None:
    values = {
        "state": checkout.state.value,
        "step": checkout.step,
        "deadline": checkout.deadline,
        "refunded": checkout.refunded,
    }
    updated = connection.execute(_UPDATE, {"key": checkout.order_id, **values})
    if updated.rowcount == 0:
        connection.execute(_INSERT, {"order_id": checkout.order_id, **values})


def every(engine: Engine) -> list[Checkout]:
    """Every checkout, in the order the orders were placed."""
    with engine.connect() as connection:
        rows = connection.execute(select(tables.checkouts)).all()
    return sorted(map(_checkout, rows), key=lambda checkout: _order_number(checkout.order_id))


def _checkout(row: Row[Any]) -> Checkout:
    return Checkout(row.order_id, State(row.state), row.step, row.deadline, bool(row.refunded))


def _order_number(order_id: str) -> tuple[int, str]:
    digits = order_id.lstrip("o")
    return (int(digits), order_id) if digits.isdigit() else (0, order_id)
