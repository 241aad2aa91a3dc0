"""Aggregate states: what the shop's rules read of each stream (`decide.evolve` folds them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cqrs_lab.shop import events as ev


class OrderStatus(StrEnum):
    PLACED = "placed"
    PAID = "paid"
    CANCELLED = "cancelled"
    SHIPPED = "shipped"


@dataclass(frozen=True, slots=True)
class User:
    username: str | None = None
    email: str = ""

    @property
    def exists(self) -> bool:
        return self.username is not None


@dataclass(frozen=True, slots=True)
class Product:
    sku: str | None = None
    name: str = ""
    price_cents: int = 0
    available: int = 0

    @property
    def exists(self) -> bool:
        return self.sku is not None


@dataclass(frozen=True, slots=True)
class Cart:
    quantities: dict[str, int] = field(default_factory=dict)

    def quantity_of(self, sku: str) -> int:
        return self.quantities.get(sku, 0)


@dataclass(frozen=True, slots=True)
class Order:
    status: OrderStatus | None = None
    username: str = ""
    lines: tuple[ev.OrderLine, ...] = ()
    total_cents: int = 0
    paid_cents: int = 0

    @property
    def exists(self) -> bool:
        return self.status is not None


State = User | Product | Cart | Order


def user_stream(username: str) -> str:
    return f"user-{username}"


def product_stream(sku: str) -> str:
    return f"product-{sku}"


def cart_stream(username: str) -> str:
    return f"cart-{username}"


def order_stream(order_id: str) -> str:
    return f"order-{order_id}"


_INITIAL: dict[str, type[State]] = {"user": User, "product": Product, "cart": Cart, "order": Order}


def initial_state(stream_id: str) -> State:
    kind = stream_id.split("-", 1)[0]
    return _INITIAL[kind]()
