"""The CRUD twin's tables: the shop as a CRUD app would keep it, normalized, updated in place.

No totals are stored: a CRUD app derives them with joins and GROUP BY when it is asked.
The classes are the schema; the twin and its queries use the `Table` objects through
SQLAlchemy Core.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import BigInteger, Float, Table
from sqlmodel import Field, SQLModel


class CrudUser(SQLModel, table=True):
    __tablename__ = "crud_users"

    username: str = Field(primary_key=True)
    email: str = Field(nullable=False)


class CrudProduct(SQLModel, table=True):
    """`stock` is the units available now: placing an order takes them, cancelling gives back."""

    __tablename__ = "crud_products"

    sku: str = Field(primary_key=True)
    name: str = Field(nullable=False)
    price_cents: int = Field(nullable=False)
    stock: int = Field(nullable=False)


class CrudCart(SQLModel, table=True):
    __tablename__ = "crud_carts"

    username: str = Field(primary_key=True, foreign_key="crud_users.username")
    updated_at: float = Field(sa_type=Float, nullable=False)


class CrudCartLine(SQLModel, table=True):
    __tablename__ = "crud_cart_lines"

    username: str = Field(primary_key=True, foreign_key="crud_carts.username")
    sku: str = Field(primary_key=True, foreign_key="crud_products.sku")
    quantity: int = Field(nullable=False)


class CrudOrder(SQLModel, table=True):
    """`paid_cents` is what the customer has paid and not been refunded."""

    __tablename__ = "crud_orders"

    order_id: str = Field(primary_key=True)
    username: str = Field(index=True, foreign_key="crud_users.username")
    status: str = Field(nullable=False)
    placed_at: float = Field(sa_type=Float, nullable=False)
    paid_cents: int = Field(default=0, sa_type=BigInteger, nullable=False)


class CrudOrderLine(SQLModel, table=True):
    """The price is copied at the time of the order, as any shop must."""

    __tablename__ = "crud_order_lines"

    order_id: str = Field(primary_key=True, foreign_key="crud_orders.order_id")
    sku: str = Field(primary_key=True, foreign_key="crud_products.sku")
    quantity: int = Field(nullable=False)
    unit_price_cents: int = Field(nullable=False)


USERS = cast(Table, CrudUser.__table__)
PRODUCTS = cast(Table, CrudProduct.__table__)
CARTS = cast(Table, CrudCart.__table__)
CART_LINES = cast(Table, CrudCartLine.__table__)
ORDERS = cast(Table, CrudOrder.__table__)
ORDER_LINES = cast(Table, CrudOrderLine.__table__)
#: Parents before children: create in this order, delete in reverse.
CRUD_TABLES: tuple[Table, ...] = (USERS, PRODUCTS, CARTS, CART_LINES, ORDERS, ORDER_LINES)
