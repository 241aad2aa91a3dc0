"""Aggregate states and `evolve`: how each stream's state follows from its events."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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


def evolve(state: State, event: ev.Event) -> State:
    match state, event:
        case User(), ev.UserRegistered(username=name, email=email):
            return User(username=name, email=email)
        case Product(), ev.ProductAdded():
            return Product(event.sku, event.name, event.price_cents, event.stock)
        case Product(), ev.ProductRestocked(quantity=quantity):
            return replace(state, available=state.available + quantity)
        case Product(), ev.StockReserved(quantity=quantity):
            return replace(state, available=state.available - quantity)
        case Product(), ev.StockReleased(quantity=quantity):
            return replace(state, available=state.available + quantity)
        case Cart(), ev.ItemAddedToCart(sku=sku, quantity=quantity):
            return Cart({**state.quantities, sku: state.quantity_of(sku) + quantity})
        case Cart(), ev.ItemRemovedFromCart(sku=sku):
            return Cart({k: q for k, q in state.quantities.items() if k != sku})
        case Cart(), ev.CartCheckedOut():
            return Cart()
        case Order(), ev.OrderPlaced():
            return Order(OrderStatus.PLACED, event.username, event.lines, event.total_cents)
        case Order(), ev.OrderPaid(amount_cents=amount):
            return replace(state, status=OrderStatus.PAID, paid_cents=amount)
        case Order(), ev.OrderCancelled():
            return replace(state, status=OrderStatus.CANCELLED, paid_cents=0)
        case Order(), ev.OrderShipped():
            return replace(state, status=OrderStatus.SHIPPED)
    raise TypeError(f"{type(event).__name__} does not apply to {type(state).__name__}")
