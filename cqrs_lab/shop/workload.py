"""The shop's workload: what the next request asks, when a Poisson arrival comes
(`sim/arrivals.py`).

Each request is a command or a query, chosen from a small model of the shop the workload
keeps from the results it is told about (`observe`, `workload_model.py`): users, products
and their stock, carts, orders placed and paid. How often each command is sent is its
`weight` in the verb registry (`commands.py`), and a user who wrote reads the views its
spec names. The model lets most commands keep the shop's rules, while a few are honest
mistakes (paying twice, shipping an unpaid order, ...) and others lose a race (the last
units went to another cart): legitimate rejections. While a checkout saga runs the orders
(`saga()` says so: services on), the load places orders but never pays, ships or cancels
one: those are the saga's, so what the checkouts show is what the saga did.

Queries mostly come from users who just wrote, asking for the view their write changes,
so the run shows how often a user fails to read their own write. Everything random is
drawn from the injected `random.Random`, in a fixed order, so a seed replays a run.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from cqrs_lab.shop import commands as cmd
from cqrs_lab.shop.sorted_ids import SortedIds
from cqrs_lab.shop.workload_model import LOW_STOCK, OpenOrder, ShopModel

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
READ_DELAY = 1.0
"""Mean lab seconds between a write and the writer's read of it (exponential)."""
READ_WINDOW = 10.0  # how far back a read-your-write query looks for its writer
ADMIN_VIEWS = ("catalog", "sales")  # the shop's own screens, asked by the session
SAGA_VERBS = frozenset({cmd.PayOrder.verb, cmd.ShipOrder.verb, cmd.CancelOrder.verb})
"""What the checkout saga sends for an order: the load leaves them to it while it runs."""
_FACTOR_KINDS = (
    cmd.RegisterUser.verb,
    cmd.AddProduct.verb,
    cmd.Restock.verb,
    cmd.AddToCart.verb,
    cmd.RemoveFromCart.verb,
    cmd.PlaceOrder.verb,
    cmd.PayOrder.verb,
    cmd.CancelOrder.verb,
    cmd.ShipOrder.verb,
    "mistake",
    "query",
)
"""Every kind of request the workload builds, in the order `Workload._weights` allows them."""
_SAGA_SLOTS = tuple(slot for slot, kind in enumerate(_FACTOR_KINDS) if kind in SAGA_VERBS)


@dataclass(frozen=True, slots=True)
class ReadQuery:
    """A query the workload asks: `view` for `username` (None: the session)."""

    view: str
    username: str | None
    since_write: float | None
    """Lab seconds since the asker's last accepted write (None: they never wrote)."""


Request = cmd.Command | ReadQuery


def _command_weights() -> Mapping[str, float]:
    return MappingProxyType({spec.verb: spec.weight for spec in cmd.COMMAND_SPECS if spec.weight})


@dataclass(frozen=True, slots=True)
class Mix:
    """Relative weights of each kind of request, used whenever the shop allows it."""

    commands: Mapping[str, float] = field(default_factory=_command_weights)
    """Per verb; the registry's weights by default."""
    mistake: float = 1.5  # a command the shop will refuse
    query: float = 25.0
    read_own_write: float = 0.8  # share of queries asked by a user who just wrote

    def weights(self) -> dict[str, float]:
        return {**self.commands, "mistake": self.mistake, "query": self.query}


DEFAULT_MIX = Mix()


def _when(write: tuple[float, str | None, str]) -> float:
    return write[0]


T = TypeVar("T")


class Workload:
    """Chooses each request from the model; learns from what the shop answered."""

    def __init__(
        self,
        rng: random.Random,
        *,
        new_order_id: Callable[[], str] | None = None,
        mix: Mix = DEFAULT_MIX,
        saga: Callable[[], bool] = lambda: False,
    ) -> None:
        """`saga()`: whether a checkout saga pays, ships and cancels the orders now."""
        self.rng = rng
        self.mix = mix
        self.saga = saga
        self.model = ShopModel()
        self._new_order_id = new_order_id or self._count_order_id
        self._orders_made = 0
        self._users_made = 0
        self._products_made = 0
        self._command_ids: SortedIds | None = None
        self._mix_weights = mix.weights()
        self._kinds = list(self._mix_weights)
        self._builders: dict[str, Callable[[float], Request]] = {
            cmd.RegisterUser.verb: self._register,
            cmd.AddProduct.verb: self._add_product,
            cmd.Restock.verb: self._restock,
            cmd.AddToCart.verb: self._add_to_cart,
            cmd.RemoveFromCart.verb: self._remove_from_cart,
            cmd.PlaceOrder.verb: self._place_order,
            cmd.PayOrder.verb: self._pay,
            cmd.CancelOrder.verb: self._cancel,
            cmd.ShipOrder.verb: self._ship,
            "mistake": self._mistake,
            "query": self._query,
        }
        unknown = [kind for kind in self._kinds if kind not in self._builders]
        if unknown:
            raise ValueError(f"the workload cannot send {', '.join(unknown)} (no builder)")
        self._weighted = [
            (self._mix_weights[kind], _FACTOR_KINDS.index(kind)) for kind in self._kinds
        ]
        """(mix weight, slot of its factor in `_weights`) of each kind, in `_kinds` order."""

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
        """Each kind's weight times how much the shop, as the model sees it, allows it now
        (0: not now), the factors in `_FACTOR_KINDS` order."""
        model = self.model
        users, products = len(model.users), len(model.products)
        saga = self.saga()
        factors = [
            10 if users < MIN_USERS else 1,
            100 if products < MIN_PRODUCTS else 1,
            bool(model.low),
            bool(users and products),
            bool(model.filled),
            bool(model.filled),
            bool(model.placed),
            bool(model.orders),
            bool(model.paid),
            bool(users or (model.orders and not saga)),
            bool(users),
        ]
        if saga:
            for slot in _SAGA_SLOTS:
                factors[slot] = 0
        return [weight * factors[slot] for weight, slot in self._weighted]

    def _command_id(self) -> str:
        """An id that sorts after the workload's last (`sorted_ids.py`), for one draw of
        the RNG as ever (so the requests drawn after it stay the same): the draw ends the
        id, and the first one seeds the sequence's start and step."""
        tail = self.rng.getrandbits(64)
        if self._command_ids is None:
            self._command_ids = SortedIds(random.Random(tail))
        return self._command_ids.new(tail)

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
        orders = not self.saga()  # else the saga's: it may have paid what the model calls placed
        if orders and model.paid:  # paying twice
            options.append(
                lambda cid: cmd.PayOrder(command_id=cid, order_id=model.paid.choice(rng))
            )
        if orders and model.placed:  # shipping before payment
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
                model.orders[order_id] = OpenOrder(username, lines)
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
        for view in cmd.SPEC_OF_VERB[verb].views:
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
