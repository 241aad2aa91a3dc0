"""Every rule the shop keeps, broken on purpose: each gives its typed error and no events."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cqrs_lab.shop import commands as c
from cqrs_lab.shop import errors as err
from cqrs_lab.shop.money import MoneyFormatError, format_cents, parse_cents
from cqrs_lab.shop.state import OrderStatus, Product

from .shop_helpers import MemoryShop


def build(command_type: type[c.Command], **fields: object) -> c.Command:
    return c.build(command_type, **fields)


@pytest.fixture
def shop() -> MemoryShop:
    shop = MemoryShop()
    shop.send(
        build(c.RegisterUser, username="alice", email="alice@example.com", password="s3cret-pass")
    )
    shop.send(build(c.AddProduct, sku="mug", name="Blue mug", price_cents=1250, stock=3))
    return shop


def rejected(shop: MemoryShop, command: c.Command, error: type[err.DomainError]) -> str:
    before = dict(shop.states), len(shop.history)
    with pytest.raises(error) as caught:
        shop.send(command)
    assert (dict(shop.states), len(shop.history)) == before
    return str(caught.value)


def place(shop: MemoryShop, order_id: str = "o1", quantity: int = 2) -> None:
    shop.send(build(c.AddToCart, username="alice", sku="mug", quantity=quantity))
    shop.send(build(c.PlaceOrder, username="alice", order_id=order_id))


def test_user_names_are_unique(shop: MemoryShop) -> None:
    again = build(c.RegisterUser, username="alice", email="a2@example.com", password="another-pw")
    assert "taken" in rejected(shop, again, err.UsernameTaken)


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "at least 8"),
        ({"username": "Alice!"}, "username"),
    ],
)
def test_registration_fields_are_validated(fields: dict[str, str], needle: str) -> None:
    good = {"username": "bob", "email": "bob@example.com", "password": "long-enough"}
    with pytest.raises(err.InvalidCommand) as caught:
        build(c.RegisterUser, **{**good, **fields})
    assert needle in str(caught.value)


def test_password_never_shows_in_errors_or_reprs() -> None:
    command = build(c.RegisterUser, username="bob", email="bob@example.com", password="hunter2-xyz")
    assert "hunter2-xyz" not in repr(command)
    with pytest.raises(err.InvalidCommand) as caught:
        build(c.RegisterUser, username="bob", email="bad", password="hunter2-xyz")
    assert "hunter2-xyz" not in str(caught.value)


@pytest.mark.parametrize("price", [0, -1, c.MAX_PRICE_CENTS + 1])
def test_price_must_be_positive_and_bounded(price: int) -> None:
    with pytest.raises(err.InvalidCommand, match="price_cents"):
        build(c.AddProduct, sku="x", name="X", price_cents=price, stock=1)


def test_money_is_exact() -> None:
    assert parse_cents("12.50") == 1250
    assert parse_cents("0.1") == 10
    assert format_cents(1250) == "12.50"
    with pytest.raises(MoneyFormatError):
        parse_cents("0.001")
    with pytest.raises(MoneyFormatError):
        parse_cents("abc")


def test_products_are_unique(shop: MemoryShop) -> None:
    again = build(c.AddProduct, sku="mug", name="Red mug", price_cents=100, stock=1)
    rejected(shop, again, err.DuplicateProduct)


def test_restock_needs_a_product(shop: MemoryShop) -> None:
    rejected(shop, build(c.Restock, sku="nope", quantity=1), err.UnknownProduct)


@pytest.mark.parametrize("quantity", [0, -2, c.MAX_QUANTITY + 1])
def test_quantities_are_positive_and_bounded(quantity: int) -> None:
    with pytest.raises(err.InvalidCommand, match="quantity"):
        build(c.AddToCart, username="alice", sku="mug", quantity=quantity)


def test_cart_cannot_hold_more_than_stock(shop: MemoryShop) -> None:
    shop.send(build(c.AddToCart, username="alice", sku="mug", quantity=2))
    message = rejected(
        shop, build(c.AddToCart, username="alice", sku="mug", quantity=2), err.OutOfStock
    )
    assert "only 3" in message and "2 already" in message


def test_cart_needs_a_known_user_and_product(shop: MemoryShop) -> None:
    rejected(shop, build(c.AddToCart, username="zed", sku="mug", quantity=1), err.UnknownUser)
    rejected(shop, build(c.AddToCart, username="alice", sku="cup", quantity=1), err.UnknownProduct)


def test_remove_what_is_not_in_cart(shop: MemoryShop) -> None:
    rejected(shop, build(c.RemoveFromCart, username="alice", sku="mug"), err.NotInCart)


def test_cannot_place_an_empty_cart(shop: MemoryShop) -> None:
    rejected(shop, build(c.PlaceOrder, username="alice", order_id="o1"), err.EmptyCart)


def test_placing_reserves_stock_and_empties_cart(shop: MemoryShop) -> None:
    place(shop, quantity=2)
    product = shop.load("product-mug")
    assert isinstance(product, Product) and product.available == 1
    assert shop.load("cart-alice").quantities == {}  # type: ignore[union-attr]
    rejected(shop, build(c.AddToCart, username="alice", sku="mug", quantity=2), err.OutOfStock)


def test_stock_is_checked_again_when_placing(shop: MemoryShop) -> None:
    shop.send(build(c.RegisterUser, username="bob", email="bob@example.com", password="bob-secret"))
    shop.send(build(c.AddToCart, username="alice", sku="mug", quantity=3))
    shop.send(build(c.AddToCart, username="bob", sku="mug", quantity=1))
    shop.send(build(c.PlaceOrder, username="alice", order_id="o1"))
    rejected(shop, build(c.PlaceOrder, username="bob", order_id="o2"), err.OutOfStock)


def test_order_ids_are_unique(shop: MemoryShop) -> None:
    place(shop, quantity=1)
    shop.send(build(c.AddToCart, username="alice", sku="mug", quantity=1))
    rejected(shop, build(c.PlaceOrder, username="alice", order_id="o1"), err.DuplicateOrder)


def test_pay_only_a_placed_order_once(shop: MemoryShop) -> None:
    rejected(shop, build(c.PayOrder, order_id="o9"), err.UnknownOrder)
    place(shop)
    shop.send(build(c.PayOrder, order_id="o1"))
    rejected(shop, build(c.PayOrder, order_id="o1"), err.AlreadyPaid)


def test_ship_only_a_paid_order(shop: MemoryShop) -> None:
    place(shop)
    rejected(shop, build(c.ShipOrder, order_id="o1"), err.NotPaid)
    shop.send(build(c.PayOrder, order_id="o1"))
    shop.send(build(c.ShipOrder, order_id="o1"))
    assert shop.load("order-o1").status is OrderStatus.SHIPPED  # type: ignore[union-attr]
    rejected(shop, build(c.ShipOrder, order_id="o1"), err.OrderClosed)


def test_cancel_before_shipping_releases_stock(shop: MemoryShop) -> None:
    place(shop, quantity=3)
    shop.send(build(c.PayOrder, order_id="o1"))
    events = [p.event for p in shop.send(build(c.CancelOrder, order_id="o1"))]
    assert events[0].refunded_cents == 3 * 1250  # type: ignore[attr-defined]
    assert shop.load("product-mug").available == 3  # type: ignore[union-attr]
    rejected(shop, build(c.CancelOrder, order_id="o1"), err.OrderClosed)
    rejected(shop, build(c.PayOrder, order_id="o1"), err.OrderClosed)


def test_cannot_cancel_a_shipped_order(shop: MemoryShop) -> None:
    place(shop)
    shop.send(build(c.PayOrder, order_id="o1"))
    shop.send(build(c.ShipOrder, order_id="o1"))
    rejected(shop, build(c.CancelOrder, order_id="o1"), err.OrderClosed)


def test_events_never_carry_the_password(shop: MemoryShop) -> None:
    assert all("s3cret-pass" not in str(p.event.to_data()) for p in shop.history)


# -- property: any command with random field values gives events or a domain error ---------

names = st.sampled_from(["alice", "bob", "carol", "Zed", "x"])
skus = st.sampled_from(["mug", "cup", "tea", "bad sku"])
orders = st.sampled_from(["o1", "o2", "o3", ""])
amounts = st.integers(min_value=-5, max_value=2_000)

random_commands = st.one_of(
    st.builds(
        lambda u: (
            c.RegisterUser,
            {"username": u, "email": f"{u}@example.com", "password": "password1"},
        ),
        names,
    ),
    st.builds(
        lambda s, p, n: (c.AddProduct, {"sku": s, "name": s, "price_cents": p, "stock": n}),
        skus,
        amounts,
        amounts,
    ),
    st.builds(lambda s, n: (c.Restock, {"sku": s, "quantity": n}), skus, amounts),
    st.builds(
        lambda u, s, n: (c.AddToCart, {"username": u, "sku": s, "quantity": n}),
        names,
        skus,
        amounts,
    ),
    st.builds(lambda u, s: (c.RemoveFromCart, {"username": u, "sku": s}), names, skus),
    st.builds(lambda u, o: (c.PlaceOrder, {"username": u, "order_id": o}), names, orders),
    st.builds(lambda o: (c.PayOrder, {"order_id": o}), orders),
    st.builds(lambda o: (c.CancelOrder, {"order_id": o}), orders),
    st.builds(lambda o: (c.ShipOrder, {"order_id": o}), orders),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(random_commands, max_size=40))
def test_random_commands_give_events_or_domain_errors(
    script: list[tuple[type[c.Command], dict]],
) -> None:
    shop = MemoryShop()
    for command_type, fields in script:
        try:
            pending = shop.send(c.build(command_type, **fields))
        except err.DomainError:
            continue
        assert pending
    for stream_id, state in shop.states.items():
        if stream_id.startswith("product-"):
            assert state.available >= 0  # type: ignore[union-attr]
