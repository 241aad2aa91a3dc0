"""The shop's rules: `decide` (given a command and a way to read current states, which
events?) and `evolve` (how each stream's state follows from its events).

Both are pure: `load` is any function from a stream id to that stream's state (the command
handler passes one that reads the store and remembers versions; tests pass a dict). A
command's rule and what its event does to a state sit in this one module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache, singledispatch
from typing import TypeVar

from cqrs_lab.shop import commands as cmd
from cqrs_lab.shop import errors as err
from cqrs_lab.shop import events as ev
from cqrs_lab.shop.money import format_cents
from cqrs_lab.shop.state import (
    Cart,
    Order,
    OrderStatus,
    Product,
    State,
    User,
    cart_stream,
    order_stream,
    product_stream,
    user_stream,
)

Load = Callable[[str], State]
S = TypeVar("S", bound=State)


@dataclass(frozen=True, slots=True)
class Pending:
    """An event decided for a stream, not yet recorded."""

    stream_id: str
    event: ev.Event


@singledispatch
def decide(command: cmd.Command, load: Load) -> list[Pending]:
    raise TypeError(f"no rules for {type(command).__name__}")


def _loaded(load: Load, stream_id: str, kind: type[S]) -> S:
    """The stream's state, as the state type its stream id names."""
    state = load(stream_id)
    assert isinstance(state, kind)
    return state


def _existing(
    load: Load, stream_id: str, kind: type[S], missing: type[err.DomainError], message: str
) -> S:
    """The stream's state, which must exist: else `missing(message)` is raised (made only
    then: an exception made on every call cost more than the rest of a restock's rule)."""
    state = _loaded(load, stream_id, kind)
    if not state.exists:
        raise missing(message)
    return state


def _user(load: Load, username: str) -> User:
    message = f"no user '{username}' (register them first)"
    return _existing(load, user_stream(username), User, err.UnknownUser, message)


def _product(load: Load, sku: str) -> Product:
    message = f"no product '{sku}' (add-product it first)"
    return _existing(load, product_stream(sku), Product, err.UnknownProduct, message)


def _order(load: Load, order_id: str) -> Order:
    message = f"no order '{order_id}'"
    return _existing(load, order_stream(order_id), Order, err.UnknownOrder, message)


def _cart(load: Load, username: str) -> Cart:
    return _loaded(load, cart_stream(username), Cart)


def _open(order: Order, order_id: str, action: str) -> None:
    if order.status in (OrderStatus.CANCELLED, OrderStatus.SHIPPED):
        raise err.OrderClosed(f"cannot {action} order {order_id}: it is {order.status}")


@decide.register
def _register(command: cmd.RegisterUser, load: Load) -> list[Pending]:
    if _loaded(load, user_stream(command.username), User).exists:
        raise err.UsernameTaken(f"user name '{command.username}' is taken")
    event = ev.UserRegistered(username=command.username, email=command.email)
    return [Pending(user_stream(command.username), event)]


@decide.register
def _add_product(command: cmd.AddProduct, load: Load) -> list[Pending]:
    if _loaded(load, product_stream(command.sku), Product).exists:
        raise err.DuplicateProduct(f"product '{command.sku}' exists already (restock it?)")
    event = ev.ProductAdded(
        sku=command.sku, name=command.name, price_cents=command.price_cents, stock=command.stock
    )
    return [Pending(product_stream(command.sku), event)]


@decide.register
def _restock(command: cmd.Restock, load: Load) -> list[Pending]:
    product = _product(load, command.sku)
    if product.available + command.quantity > cmd.MAX_STOCK:
        raise err.InvalidCommand(f"restock: stock of '{command.sku}' would exceed {cmd.MAX_STOCK}")
    event = ev.ProductRestocked(sku=command.sku, quantity=command.quantity)
    return [Pending(product_stream(command.sku), event)]


@decide.register
def _add_to_cart(command: cmd.AddToCart, load: Load) -> list[Pending]:
    _user(load, command.username)
    product = _product(load, command.sku)
    in_cart = _cart(load, command.username).quantity_of(command.sku)
    wanted = in_cart + command.quantity
    if wanted > cmd.MAX_QUANTITY:
        raise err.CartLimitExceeded(
            f"at most {cmd.MAX_QUANTITY} of one product in a cart ({in_cart} already there)"
        )
    if wanted > product.available:
        raise err.OutOfStock(
            f"only {product.available} of '{command.sku}' in stock"
            + (f" and {in_cart} already in the cart" if in_cart else "")
        )
    event = ev.ItemAddedToCart(
        username=command.username,
        sku=command.sku,
        quantity=command.quantity,
        unit_price_cents=product.price_cents,
    )
    return [Pending(cart_stream(command.username), event)]


@decide.register
def _remove_from_cart(command: cmd.RemoveFromCart, load: Load) -> list[Pending]:
    _user(load, command.username)
    quantity = _cart(load, command.username).quantity_of(command.sku)
    if not quantity:
        raise err.NotInCart(f"'{command.sku}' is not in {command.username}'s cart")
    event = ev.ItemRemovedFromCart(username=command.username, sku=command.sku, quantity=quantity)
    return [Pending(cart_stream(command.username), event)]


@decide.register
def _place_order(command: cmd.PlaceOrder, load: Load) -> list[Pending]:
    _user(load, command.username)
    cart = _cart(load, command.username)
    if not cart.quantities:
        raise err.EmptyCart(f"{command.username}'s cart is empty: add-to-cart first")
    if _loaded(load, order_stream(command.order_id), Order).exists:
        raise err.DuplicateOrder(f"order '{command.order_id}' exists already")
    lines, reservations = [], []
    for sku, quantity in sorted(cart.quantities.items()):
        product = _product(load, sku)
        if quantity > product.available:
            raise err.OutOfStock(
                f"only {product.available} of '{sku}' left, the cart wants {quantity}"
            )
        lines.append(ev.OrderLine(sku=sku, quantity=quantity, unit_price_cents=product.price_cents))
        reservations.append(
            Pending(
                product_stream(sku),
                ev.StockReserved(sku=sku, order_id=command.order_id, quantity=quantity),
            )
        )
    placed = ev.OrderPlaced(
        order_id=command.order_id,
        username=command.username,
        lines=tuple(lines),
        total_cents=sum(line.subtotal_cents for line in lines),
    )
    checked_out = ev.CartCheckedOut(username=command.username, order_id=command.order_id)
    return [
        Pending(order_stream(command.order_id), placed),
        *reservations,
        Pending(cart_stream(command.username), checked_out),
    ]


@decide.register
def _pay(command: cmd.PayOrder, load: Load) -> list[Pending]:
    order = _order(load, command.order_id)
    _open(order, command.order_id, "pay")
    if order.status is OrderStatus.PAID:
        raise err.AlreadyPaid(
            f"order {command.order_id} is paid already ({format_cents(order.paid_cents)})"
        )
    event = ev.OrderPaid(
        order_id=command.order_id, username=order.username, amount_cents=order.total_cents
    )
    return [Pending(order_stream(command.order_id), event)]


@decide.register
def _cancel(command: cmd.CancelOrder, load: Load) -> list[Pending]:
    order = _order(load, command.order_id)
    _open(order, command.order_id, "cancel")
    cancelled = ev.OrderCancelled(
        order_id=command.order_id,
        username=order.username,
        lines=order.lines,
        total_cents=order.total_cents,
        refunded_cents=order.paid_cents,
    )
    releases = [
        Pending(
            product_stream(line.sku),
            ev.StockReleased(sku=line.sku, order_id=command.order_id, quantity=line.quantity),
        )
        for line in order.lines
    ]
    return [Pending(order_stream(command.order_id), cancelled), *releases]


@decide.register
def _ship(command: cmd.ShipOrder, load: Load) -> list[Pending]:
    order = _order(load, command.order_id)
    _open(order, command.order_id, "ship")
    if order.status is OrderStatus.PLACED:
        raise err.NotPaid(f"order {command.order_id} is not paid yet: pay it before shipping")
    event = ev.OrderShipped(order_id=command.order_id, username=order.username)
    return [Pending(order_stream(command.order_id), event)]


def evolve(state: State, event: ev.Event) -> State:
    match state, event:
        case User(), ev.UserRegistered(username=name, email=email):
            return User(username=name, email=email)
        case Product(), ev.ProductAdded():
            return Product(event.sku, event.name, event.price_cents, event.stock)
        case Product(), ev.ProductRestocked(quantity=quantity):
            return _stocked(state, quantity)
        case Product(), ev.StockReserved(quantity=quantity):
            return _stocked(state, -quantity)
        case Product(), ev.StockReleased(quantity=quantity):
            return _stocked(state, quantity)
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


def _stocked(product: Product, change: int) -> Product:
    """The product with `change` more available (not `dataclasses.replace`, which costs
    several times this on the path of every order and restock)."""
    return Product(product.sku, product.name, product.price_cents, product.available + change)


rule_for = cache(decide.dispatch)
"""The rule `decide` applies to a command type, looked up once a type (the command
handler's path: `decide`'s own dispatch costs more than a restock's rule)."""
