"""A Poisson workload for the shop: when the next request arrives, and what it asks.

Requests arrive as a Poisson process: the gaps between them are exponential with mean
1/rate. Each request is a command or a query, chosen from a small model of the shop the
workload keeps from the results it is told about (`observe`): users, products and their
stock, carts, orders placed and paid. The model lets most commands keep the shop's rules,
while a few are honest mistakes (paying twice, shipping an unpaid order, ...) and others
lose a race (the last units went to another cart): legitimate rejections.

Queries mostly come from users who just wrote, asking for the view their write changes,
so the run shows how often a user fails to read their own write. Everything random is
drawn from the injected `random.Random`, in a fixed order, so a seed replays a run.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Generic, TypeVar

from cqrs_lab.shop import commands as cmd

NAMES = (
    "ann", "ben", "cleo", "dev", "eve", "finn", "gus", "hana", "ivo", "jade", "kai", "lea",
    "milo", "nia", "omar", "pia", "quinn", "rosa", "sam", "tess", "uma", "vik", "wren", "yara",
)  # fmt: skip
PRODUCTS = (
    "Blue mug", "Green tea", "Notebook", "Pencil set", "Desk lamp", "Headphones", "Backpack",
    "Water bottle", "Coffee beans", "Tote bag", "Sticker pack", "Phone stand",
)  # fmt: skip
PASSWORD = "load-pass-1"  # the workload's users all share it: they only exist to shop
MIN_USERS = 20  # below this, registering is the most likely command
MIN_PRODUCTS = 4
LOW_STOCK = 5  # a product at or below this is due a restock
READ_DELAY = 1.0
"""Mean lab seconds between a write and the writer's read of it (exponential)."""
READ_WINDOW = 10.0  # how far back a read-your-write query looks for its writer
VIEW_OF = {
    "register": (),
    "add-product": ("catalog",),
    "restock": ("catalog",),
    "add-to-cart": ("cart",),
    "remove-from-cart": ("cart",),
    "place-order": ("orders", "cart", "catalog"),
    "pay": ("orders",),
    "cancel": ("orders", "catalog"),
    "ship": ("orders",),
}
"""The views a user checks after each kind of write."""
ADMIN_VIEWS = ("catalog", "sales")  # the shop's own screens, asked by the session


@dataclass(frozen=True, slots=True)
class ReadQuery:
    """A query the workload asks: `view` for `username` (None: the session)."""

    view: str
    username: str | None
    since_write: float | None
    """Lab seconds since the asker's last accepted write (None: they never wrote)."""


Request = cmd.Command | ReadQuery


@dataclass(frozen=True, slots=True)
class Mix:
    """Relative weights of each kind of request, used whenever the shop allows it."""

    register: float = 0.6  # most shoppers have an account already
    add_product: float = 0.15
    restock: float = 0.7  # only when a product runs low
    add_to_cart: float = 26.0
    remove_from_cart: float = 2.0
    place_order: float = 10.0
    pay: float = 9.0
    cancel: float = 2.0
    ship: float = 8.0
    mistake: float = 1.5  # a command the shop will refuse
    query: float = 25.0
    read_own_write: float = 0.8  # share of queries asked by a user who just wrote

    def weights(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "read_own_write"}


DEFAULT_MIX = Mix()


def _when(write: tuple[float, str | None, str]) -> float:
    return write[0]


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
class _Order:
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
    orders: dict[str, _Order] = field(default_factory=dict)  # open orders only
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

    def close_order(self, order_id: str) -> _Order | None:
        self.placed.discard(order_id)
        self.paid.discard(order_id)
        return self.orders.pop(order_id, None)


class PoissonArrivals:
    """Arrival times from `start` (exclusive) to `end` (exclusive), `rate` a second.

    Each gap is drawn when the previous arrival is taken, so arrivals interleave with the
    other draws on the same RNG the way they happen in the run.
    """

    def __init__(self, rng: random.Random, rate: float, start: float, end: float) -> None:
        if not rate > 0:
            raise ValueError(f"the rate must be above zero, got {rate}")
        self.rng = rng
        self.rate = rate
        self.end = end
        self._next: float | None = start + rng.expovariate(rate)
        if self._next >= end:
            self._next = None

    def peek(self) -> float | None:
        """The next arrival time, or None when the run has no more arrivals."""
        return self._next

    def pop(self) -> float:
        arrival = self._next
        if arrival is None:
            raise IndexError("no more arrivals")
        following = arrival + self.rng.expovariate(self.rate)
        self._next = following if following < self.end else None
        return arrival

    def stop(self) -> None:
        self._next = None

    def __iter__(self) -> Iterator[float]:
        while self._next is not None:
            yield self.pop()


class Workload:
    """Chooses each request from the model; learns from what the shop answered."""

    def __init__(
        self,
        rng: random.Random,
        *,
        new_order_id: Callable[[], str] | None = None,
        mix: Mix = DEFAULT_MIX,
    ) -> None:
        self.rng = rng
        self.mix = mix
        self.model = ShopModel()
        self._new_order_id = new_order_id or self._count_order_id
        self._orders_made = 0
        self._users_made = 0
        self._products_made = 0
        self._kinds = list(mix.weights())
        self._builders: dict[str, Callable[[float], Request]] = {
            "register": self._register,
            "add_product": self._add_product,
            "restock": self._restock,
            "add_to_cart": self._add_to_cart,
            "remove_from_cart": self._remove_from_cart,
            "place_order": self._place_order,
            "pay": self._pay,
            "cancel": self._cancel,
            "ship": self._ship,
            "mistake": self._mistake,
            "query": self._query,
        }

    def adopt(self, stock: Mapping[str, int], taken_names: Iterable[str] = ()) -> None:
        """Start from a shop that is not empty: sell its products, avoid its names."""
        for sku, units in stock.items():
            self.model.set_stock(sku, units)
        self.model.taken_names.update(taken_names)
        self.model.taken_names.update(stock)

    # -- choosing -------------------------------------------------------------------

    def next_request(self, now: float) -> Request:
        """The request arriving at lab time `now`."""
        weights = self._weights()
        kind = self.rng.choices(self._kinds, weights)[0]
        return self._builders[kind](now)

    def _weights(self) -> list[float]:
        model, mix = self.model, self.mix
        users, products = len(model.users), len(model.products)
        active = {
            "register": mix.register * (10 if users < MIN_USERS else 1),
            "add_product": mix.add_product * (100 if products < MIN_PRODUCTS else 1),
            "restock": mix.restock if model.low else 0.0,
            "add_to_cart": mix.add_to_cart if users and products else 0.0,
            "remove_from_cart": mix.remove_from_cart if model.filled else 0.0,
            "place_order": mix.place_order if model.filled else 0.0,
            "pay": mix.pay if model.placed else 0.0,
            "cancel": mix.cancel if model.orders else 0.0,
            "ship": mix.ship if model.paid else 0.0,
            "mistake": mix.mistake if model.orders or users else 0.0,
            "query": mix.query if users else 0.0,
        }
        return [active[kind] for kind in self._kinds]

    def _command_id(self) -> str:
        return f"{self.rng.getrandbits(64):016x}"

    def _register(self, now: float) -> Request:
        username = self._fresh(self._user_name)
        return cmd.RegisterUser(
            command_id=self._command_id(),
            username=username,
            email=f"{username}@example.com",
            password=PASSWORD,
        )

    def _user_name(self) -> str:
        number = self._users_made
        self._users_made += 1
        return f"{NAMES[number % len(NAMES)]}{number // len(NAMES) + 1}"

    def _sku(self) -> str:
        self._products_made += 1
        return f"item-{self._products_made}"

    def _fresh(self, make: Callable[[], str]) -> str:
        """A name no user or product of the shop has."""
        model = self.model
        name = make()
        while name in model.taken_names or name in model.users or name in model.stock:
            name = make()
        return name

    def _add_product(self, now: float) -> Request:
        sku = self._fresh(self._sku)
        name = PRODUCTS[(self._products_made - 1) % len(PRODUCTS)]
        return cmd.AddProduct(
            command_id=self._command_id(),
            sku=sku,
            name=name,
            price_cents=self.rng.randrange(100, 5_000, 50),
            stock=self.rng.randrange(10, 100),
        )

    def _restock(self, now: float) -> Request:
        return cmd.Restock(
            command_id=self._command_id(),
            sku=self.model.low.choice(self.rng),
            quantity=self.rng.randrange(50, 250),
        )

    def _add_to_cart(self, now: float) -> Request:
        quantity = self.rng.choices((1, 2, 3), (6, 3, 1))[0]
        return cmd.AddToCart(
            command_id=self._command_id(),
            username=self.model.users.choice(self.rng),
            sku=self.model.products.choice(self.rng),
            quantity=quantity,
        )

    def _remove_from_cart(self, now: float) -> Request:
        username = self.model.filled.choice(self.rng)
        cart = self.model.cart(username)
        return cmd.RemoveFromCart(
            command_id=self._command_id(), username=username, sku=self._pick(sorted(cart))
        )

    def _place_order(self, now: float) -> Request:
        return cmd.PlaceOrder(
            command_id=self._command_id(),
            username=self.model.filled.choice(self.rng),
            order_id=self._new_order_id(),
        )

    def _count_order_id(self) -> str:
        self._orders_made += 1
        return f"o{self._orders_made}"

    def _pay(self, now: float) -> Request:
        return cmd.PayOrder(
            command_id=self._command_id(), order_id=self.model.placed.choice(self.rng)
        )

    def _cancel(self, now: float) -> Request:
        order_id = self._pick(sorted(self.model.orders))
        return cmd.CancelOrder(command_id=self._command_id(), order_id=order_id)

    def _ship(self, now: float) -> Request:
        return cmd.ShipOrder(
            command_id=self._command_id(), order_id=self.model.paid.choice(self.rng)
        )

    def _mistake(self, now: float) -> Request:
        """A command a real user sends by mistake, which the shop must refuse."""
        model, rng = self.model, self.rng
        options: list[Callable[[str], cmd.Command]] = []
        if model.paid:  # paying twice
            options.append(
                lambda cid: cmd.PayOrder(command_id=cid, order_id=model.paid.choice(rng))
            )
        if model.placed:  # shipping before payment
            options.append(
                lambda cid: cmd.ShipOrder(command_id=cid, order_id=model.placed.choice(rng))
            )
        if model.users:  # a name somebody has
            options.append(
                lambda cid: cmd.RegisterUser(
                    command_id=cid,
                    username=model.users.choice(rng),
                    email="again@example.com",
                    password=PASSWORD,
                )
            )
        if model.filled and model.products:  # removing what is not in the cart
            options.append(
                lambda cid: cmd.RemoveFromCart(
                    command_id=cid,
                    username=model.filled.choice(rng),
                    sku=model.products.choice(rng),
                )
            )
        return self._pick(options)(self._command_id())

    def _query(self, now: float) -> Request:
        model = self.model
        if model.recent and self.rng.random() < self.mix.read_own_write:
            writer, view = self._writer_at(now - self.rng.expovariate(1 / READ_DELAY))
            return self._read(view, writer, now)
        if model.users and self.rng.random() < 0.5:
            return self._read("catalog", model.users.choice(self.rng), now)
        return self._read(self._pick(ADMIN_VIEWS), None, now)

    def _writer_at(self, moment: float) -> tuple[str | None, str]:
        """The last write at or before `moment` (or the oldest one kept): who, what to read."""
        recent = self.model.recent
        index = max(0, bisect_right(recent, moment, key=_when) - 1)
        _, writer, view = recent[index]
        return writer, view

    def _read(self, view: str, username: str | None, now: float) -> ReadQuery:
        model = self.model
        last = model.last_any_write_at if username is None else model.last_write_at.get(username)
        return ReadQuery(view, username, None if last is None else now - last)

    def _pick(self, items: list[T]) -> T:
        return items[self.rng.randrange(len(items))]

    # -- learning from results ------------------------------------------------------

    def observe(
        self, command: cmd.Command, now: float, *, accepted: bool, code: str | None = None
    ) -> None:
        """Update the model with the shop's answer to `command` (sent at lab time `now`)."""
        if accepted:
            writer = self._accepted(command)
            self._wrote(command.verb, writer, now)
        elif code is not None:
            self._refused(command, code)

    def _accepted(self, command: cmd.Command) -> str | None:
        """Apply an accepted command to the model; return the user who wrote, if any."""
        model = self.model
        match command:
            case cmd.RegisterUser(username=username):
                model.users.add(username)
                return username
            case cmd.AddProduct(sku=sku, stock=stock):
                model.set_stock(sku, stock)
            case cmd.Restock(sku=sku, quantity=quantity):
                model.set_stock(sku, model.stock.get(sku, 0) + quantity)
            case cmd.AddToCart(username=username, sku=sku, quantity=quantity):
                model.put_in_cart(username, sku, quantity)
                return username
            case cmd.RemoveFromCart(username=username, sku=sku):
                model.take_from_cart(username, sku)
                return username
            case cmd.PlaceOrder(username=username, order_id=order_id):
                lines = model.take_from_cart(username)
                for sku, quantity in lines.items():
                    model.set_stock(sku, model.stock.get(sku, 0) - quantity)
                model.orders[order_id] = _Order(username, lines)
                model.placed.add(order_id)
                return username
            case cmd.PayOrder(order_id=order_id):
                order = model.orders.get(order_id)
                if order is not None:
                    order.paid = True
                    model.placed.discard(order_id)
                    model.paid.add(order_id)
                    return order.username
            case cmd.CancelOrder(order_id=order_id):
                order = model.close_order(order_id)
                if order is not None:
                    for sku, quantity in order.lines.items():
                        if sku in model.stock:
                            model.set_stock(sku, model.stock[sku] + quantity)
                    return order.username
            case cmd.ShipOrder(order_id=order_id):
                order = model.close_order(order_id)
                if order is not None:
                    return order.username
        return None

    def _wrote(self, verb: str, writer: str | None, now: float) -> None:
        model = self.model
        model.last_any_write_at = now
        if writer is not None:
            model.last_write_at[writer] = now
        recent = model.recent
        for view in VIEW_OF.get(verb, ()):
            recent.append((now, writer, view))
        while recent and recent[0][0] < now - READ_WINDOW:
            recent.popleft()

    def _refused(self, command: cmd.Command, code: str) -> None:
        """Correct the model where a refusal shows it was wrong (mistakes change nothing)."""
        model = self.model
        match command, code:
            case cmd.RegisterUser(username=username), "username_taken":
                model.taken_names.add(username)
            case (
                (cmd.AddToCart(username=username) | cmd.PlaceOrder(username=username)),
                ("unknown_user"),
            ):
                model.users.discard(username)
            case cmd.AddToCart(sku=sku), "unknown_product":
                model.forget_product(sku)
            case cmd.AddProduct(sku=sku), "duplicate_product":
                model.taken_names.add(sku)
            case cmd.AddToCart(sku=sku), "out_of_stock":
                model.set_stock(sku, min(model.stock.get(sku, 0), LOW_STOCK))
            case cmd.PlaceOrder(username=username), "out_of_stock":
                for sku in model.cart(username):  # another cart got the last units first
                    model.set_stock(sku, min(model.stock.get(sku, 0), LOW_STOCK))
            case cmd.PlaceOrder(username=username), "empty_cart":
                model.take_from_cart(username)
            case (
                (
                    cmd.PayOrder(order_id=order_id)
                    | cmd.CancelOrder(order_id=order_id)
                    | cmd.ShipOrder(order_id=order_id)
                ),
                ("unknown_order" | "order_closed"),
            ):
                model.close_order(order_id)
