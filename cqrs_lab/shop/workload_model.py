"""What the shop workload believes exists: users, products and their stock, carts, open
orders, and who wrote what lately, kept from the shop's answers (`shop/workload.py`)."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

LOW_STOCK = 5  # a product at or below this is due a restock

T = TypeVar("T")


class Pool(Generic[T]):
    """A set with O(1) add, remove and uniform random choice, in a reproducible order."""

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._items: list[T] = []
        self._index: dict[T, int] = {}
        for item in items:
            self.add(item)

    def add(self, item: T) -> None:
        if item not in self._index:
            self._index[item] = len(self._items)
            self._items.append(item)

    def discard(self, item: T) -> None:
        index = self._index.pop(item, None)
        if index is None:
            return
        last = self._items.pop()
        if index < len(self._items):
            self._items[index] = last
            self._index[last] = index

    def choice(self, rng: random.Random) -> T:
        return self._items[rng.randrange(len(self._items))]

    def __contains__(self, item: object) -> bool:
        return item in self._index

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)


@dataclass(slots=True)
class OpenOrder:
    username: str
    lines: dict[str, int]  # sku -> quantity
    paid: bool = False


@dataclass
class ShopModel:
    """What the workload believes exists, kept from command results."""

    users: Pool[str] = field(default_factory=Pool)
    taken_names: set[str] = field(default_factory=set)  # users and skus not ours to use
    stock: dict[str, int] = field(default_factory=dict)  # sku -> units available
    products: Pool[str] = field(default_factory=Pool)
    low: Pool[str] = field(default_factory=Pool)  # products due a restock
    carts: dict[str, dict[str, int]] = field(default_factory=dict)  # user -> sku -> quantity
    filled: Pool[str] = field(default_factory=Pool)  # users with something in their cart
    orders: dict[str, OpenOrder] = field(default_factory=dict)  # open orders only
    placed: Pool[str] = field(default_factory=Pool)
    paid: Pool[str] = field(default_factory=Pool)
    last_write_at: dict[str, float] = field(default_factory=dict)
    last_any_write_at: float | None = None
    recent: deque[tuple[float, str | None, str]] = field(default_factory=deque)
    """(when, writer, view to check) for the last READ_WINDOW seconds; writer None: the
    session (the shop's own admin)."""

    def set_stock(self, sku: str, units: int) -> None:
        self.stock[sku] = units
        self.products.add(sku)
        if units <= LOW_STOCK:
            self.low.add(sku)
        else:
            self.low.discard(sku)

    def forget_product(self, sku: str) -> None:
        self.stock.pop(sku, None)
        self.products.discard(sku)
        self.low.discard(sku)

    def cart(self, username: str) -> dict[str, int]:
        return self.carts.setdefault(username, {})

    def put_in_cart(self, username: str, sku: str, quantity: int) -> None:
        cart = self.cart(username)
        cart[sku] = cart.get(sku, 0) + quantity
        self.filled.add(username)

    def take_from_cart(self, username: str, sku: str | None = None) -> dict[str, int]:
        """Remove one line (or all of them); return what was removed."""
        cart = self.cart(username)
        removed = dict(cart) if sku is None else {sku: cart.pop(sku, 0)}
        if sku is None:
            cart.clear()
        if not cart:
            self.filled.discard(username)
        return removed

    def close_order(self, order_id: str) -> OpenOrder | None:
        self.placed.discard(order_id)
        self.paid.discard(order_id)
        return self.orders.pop(order_id, None)
