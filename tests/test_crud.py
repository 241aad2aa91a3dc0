"""The CRUD twin: commands run through the pure domain, the twin updated in place, then queried."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.pool import StaticPool

from cqrs_lab.crud import CrudTwin
from cqrs_lab.crud.tables import CRUD_TABLES
from cqrs_lab.read.crud_queries import query_cart, query_catalog, query_orders, query_sales
from cqrs_lab.read.views import (
    CART_COLUMNS,
    CATALOG_COLUMNS,
    ORDERS_COLUMNS,
    SALES_COLUMNS,
    SALES_SUMMARY_KEYS,
    ViewRows,
)
from cqrs_lab.shop import commands as cmd
from cqrs_lab.shop.decide import decide, evolve
from cqrs_lab.shop.errors import DomainError
from cqrs_lab.shop.state import Cart, Order, OrderStatus, Product, State, initial_state
from cqrs_lab.store.event_store import EventMetadata, RecordedEvent

TICK = 0.25


def memory_engine() -> Engine:
    engine = create_engine("sqlite://", poolclass=StaticPool)

    def foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    event.listen(engine, "connect", foreign_keys_on)
    return engine


class Shop:
    """The write side in miniature: decide + evolve over a dict, recorded events, the twin."""

    def __init__(self) -> None:
        self.engine = memory_engine()
        self.twin = CrudTwin()
        self.states: dict[str, State] = {}
        self.versions: dict[str, int] = {}
        self.position = 0
        self.now = 0.0
        with self.engine.begin() as conn:
            self.twin.create_tables(conn)

    def load(self, stream_id: str) -> State:
        return self.states.get(stream_id) or initial_state(stream_id)

    def record(self, command: cmd.Command) -> list[RecordedEvent]:
        """Decide and evolve (raises DomainError on a rejection); the twin is not touched."""
        pending = decide(command, self.load)
        self.now += TICK
        metadata = EventMetadata(command.command_id, command.command_id, "", self.now)
        recorded = []
        for item in pending:
            self.states[item.stream_id] = evolve(self.load(item.stream_id), item.event)
            self.position += 1
            self.versions[item.stream_id] = self.versions.get(item.stream_id, 0) + 1
            recorded.append(
                RecordedEvent(
                    self.position,
                    item.stream_id,
                    self.versions[item.stream_id],
                    item.event.type_name(),
                    item.event.to_data(),
                    metadata,
                    item.event.schema_version,
                )
            )
        return recorded

    def run(self, command: cmd.Command) -> list[RecordedEvent]:
        recorded = self.record(command)
        with self.engine.begin() as conn:
            self.twin.apply(conn, command, recorded)
        return recorded

    def query(self, query: Callable[..., ViewRows], *args: str) -> ViewRows:
        with self.engine.connect() as conn:
            return query(conn, *args)


def register(username: str) -> cmd.RegisterUser:
    return cmd.RegisterUser(
        username=username, email=f"{username}@example.com", password="s3cret-pass"
    )


def sales(revenue: int, placed: int, paid: int, cancelled: int, shipped: int) -> tuple:
    return tuple(zip(SALES_SUMMARY_KEYS, (revenue, placed, paid, cancelled, shipped), strict=True))


@pytest.fixture
def shop() -> Shop:
    shop = Shop()
    shop.run(register("alice"))
    shop.run(register("bob"))
    shop.run(cmd.AddProduct(sku="sku-1", name="Blue mug", price_cents=1250, stock=10))
    shop.run(cmd.AddProduct(sku="sku-2", name="Teapot", price_cents=3000, stock=3))
    return shop


def test_empty_shop_answers_empty_views_with_full_summaries() -> None:
    shop = Shop()
    assert shop.query(query_catalog) == ViewRows(CATALOG_COLUMNS, ())
    assert shop.query(query_cart, "alice") == ViewRows(
        CART_COLUMNS, (), (("total_cents", 0), ("items", 0))
    )
    assert shop.query(query_orders, "alice") == ViewRows(ORDERS_COLUMNS, (), (("count", 0),))
    assert shop.query(query_sales) == ViewRows(SALES_COLUMNS, (), sales(0, 0, 0, 0, 0))


def test_catalog_after_add_product_and_restock(shop: Shop) -> None:
    assert shop.query(query_catalog).rows == (
        ("sku-1", "Blue mug", 1250, 10),
        ("sku-2", "Teapot", 3000, 3),
    )
    shop.run(cmd.Restock(sku="sku-1", quantity=5))
    assert shop.query(query_catalog).rows[0] == ("sku-1", "Blue mug", 1250, 15)


def test_catalog_is_sorted_by_sku_whatever_the_insertion_order() -> None:
    shop = Shop()
    for sku in ("b", "C", "a"):
        shop.run(cmd.AddProduct(sku=sku, name=sku, price_cents=100, stock=1))
    assert [row[0] for row in shop.query(query_catalog).rows] == ["C", "a", "b"]


def test_cart_adds_up_lines_priced_from_the_products(shop: Shop) -> None:
    shop.run(cmd.AddToCart(username="alice", sku="sku-2", quantity=1))
    shop.run(cmd.AddToCart(username="alice", sku="sku-1", quantity=2))
    shop.run(cmd.AddToCart(username="alice", sku="sku-1", quantity=1))
    assert shop.query(query_cart, "alice") == ViewRows(
        CART_COLUMNS,
        (("sku-1", 3, 1250, 3750), ("sku-2", 1, 3000, 3000)),
        (("total_cents", 6750), ("items", 4)),
    )
    assert shop.query(query_cart, "bob").rows == ()
    # A cart holds items, it does not reserve them.
    assert [row[3] for row in shop.query(query_catalog).rows] == [10, 3]


def test_remove_from_cart_drops_the_whole_line(shop: Shop) -> None:
    shop.run(cmd.AddToCart(username="alice", sku="sku-1", quantity=2))
    shop.run(cmd.AddToCart(username="alice", sku="sku-2", quantity=2))
    shop.run(cmd.RemoveFromCart(username="alice", sku="sku-2"))
    assert shop.query(query_cart, "alice") == ViewRows(
        CART_COLUMNS, (("sku-1", 2, 1250, 2500),), (("total_cents", 2500), ("items", 2))
    )


def test_order_lifecycle_place_pay_ship(shop: Shop) -> None:
    shop.run(cmd.AddToCart(username="alice", sku="sku-1", quantity=3))
    shop.run(cmd.AddToCart(username="alice", sku="sku-2", quantity=2))
    placed = shop.run(cmd.PlaceOrder(username="alice", order_id="o-1"))
    placed_at = placed[0].metadata.recorded_at

    assert [row[3] for row in shop.query(query_catalog).rows] == [7, 1]
    assert shop.query(query_cart, "alice") == ViewRows(
        CART_COLUMNS, (), (("total_cents", 0), ("items", 0))
    )
    assert shop.query(query_orders, "alice") == ViewRows(
        ORDERS_COLUMNS, (("o-1", "placed", 9750, placed_at),), (("count", 1),)
    )
    assert shop.query(query_orders, "bob").rows == ()
    assert shop.query(query_sales) == ViewRows(
        SALES_COLUMNS, (("sku-1", 3), ("sku-2", 2)), sales(0, 1, 0, 0, 0)
    )

    shop.run(cmd.PayOrder(order_id="o-1"))
    assert shop.query(query_orders, "alice").rows == (("o-1", "paid", 9750, placed_at),)
    assert shop.query(query_sales).summary == sales(9750, 0, 1, 0, 0)

    shop.run(cmd.ShipOrder(order_id="o-1"))
    assert shop.query(query_orders, "alice").rows == (("o-1", "shipped", 9750, placed_at),)
    assert shop.query(query_sales) == ViewRows(
        SALES_COLUMNS, (("sku-1", 3), ("sku-2", 2)), sales(9750, 0, 0, 0, 1)
    )
    assert [row[3] for row in shop.query(query_catalog).rows] == [7, 1]


def test_cancel_releases_stock_refunds_and_leaves_top_products(shop: Shop) -> None:
    shop.run(cmd.AddToCart(username="alice", sku="sku-1", quantity=1))
    shop.run(cmd.PlaceOrder(username="alice", order_id="o-1"))
    shop.run(cmd.PayOrder(order_id="o-1"))
    shop.run(cmd.AddToCart(username="bob", sku="sku-1", quantity=4))
    shop.run(cmd.AddToCart(username="bob", sku="sku-2", quantity=3))
    shop.run(cmd.PlaceOrder(username="bob", order_id="o-2"))
    shop.run(cmd.PayOrder(order_id="o-2"))
    assert [row[3] for row in shop.query(query_catalog).rows] == [5, 0]
    assert shop.query(query_sales).summary == sales(1250 + 14000, 0, 2, 0, 0)

    shop.run(cmd.CancelOrder(order_id="o-2"))
    assert [row[3] for row in shop.query(query_catalog).rows] == [9, 3]
    assert shop.query(query_orders, "bob").rows[0][:3] == ("o-2", "cancelled", 14000)
    assert shop.query(query_sales) == ViewRows(
        SALES_COLUMNS, (("sku-1", 1),), sales(1250, 0, 1, 1, 0)
    )


def test_orders_are_listed_by_placed_at_then_order_id(shop: Shop) -> None:
    for order_id in ("o-b", "o-a"):
        shop.run(cmd.AddToCart(username="alice", sku="sku-1", quantity=1))
        shop.run(cmd.PlaceOrder(username="alice", order_id=order_id))
    rows = shop.query(query_orders, "alice").rows
    assert [row[0] for row in rows] == ["o-b", "o-a"]
    assert rows[0][3] < rows[1][3]


def test_top_products_keep_five_by_units_then_sku() -> None:
    shop = Shop()
    shop.run(register("alice"))
    for sku, units in (("f", 1), ("e", 2), ("d", 2), ("c", 3), ("b", 1), ("a", 1)):
        shop.run(cmd.AddProduct(sku=sku, name=sku, price_cents=100, stock=10))
        shop.run(cmd.AddToCart(username="alice", sku=sku, quantity=units))
    shop.run(cmd.PlaceOrder(username="alice", order_id="o-1"))
    assert shop.query(query_sales).rows == (("c", 3), ("d", 2), ("e", 2), ("a", 1), ("b", 1))


def test_apply_runs_in_the_callers_transaction(shop: Shop) -> None:
    command = cmd.Restock(sku="sku-1", quantity=5)
    recorded = shop.record(command)
    with shop.engine.connect() as conn:
        transaction = conn.begin()
        shop.twin.apply(conn, command, recorded)
        transaction.rollback()
    assert shop.query(query_catalog).rows[0][3] == 10


def test_a_resent_command_that_recorded_nothing_changes_nothing(shop: Shop) -> None:
    command = cmd.Restock(sku="sku-1", quantity=5)
    shop.run(command)
    with shop.engine.begin() as conn:
        shop.twin.apply(conn, command, [])
    assert shop.query(query_catalog).rows[0][3] == 15


def test_clear_empties_every_table_and_create_tables_is_idempotent(shop: Shop) -> None:
    shop.run(cmd.AddToCart(username="alice", sku="sku-1", quantity=1))
    shop.run(cmd.PlaceOrder(username="alice", order_id="o-1"))
    with shop.engine.begin() as conn:
        shop.twin.create_tables(conn)
        shop.twin.clear(conn)
    with shop.engine.connect() as conn:
        assert all(_count(conn, table) == 0 for table in CRUD_TABLES)


def _count(conn: Connection, table: Any) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


# -- random valid command sequences ------------------------------------------------------

USERS = ("alice", "bob", "carol")
SKUS = ("sku-1", "sku-2", "sku-3")
VERBS = ("restock", "add", "add", "remove", "place", "place", "pay", "cancel", "ship")

steps = st.lists(
    st.tuples(
        st.sampled_from(VERBS),
        st.integers(0, len(USERS) - 1),
        st.integers(0, len(SKUS) - 1),
        st.integers(1, 6),
    ),
    min_size=5,
    max_size=60,
)


def opened_shop() -> Shop:
    """Users and products exist from the start, so random steps mostly reach orders."""
    shop = Shop()
    for username in USERS:
        shop.run(register(username))
    for n, sku in enumerate(SKUS, start=1):
        shop.run(cmd.AddProduct(sku=sku, name=sku.upper(), price_cents=n * 99, stock=4 * n))
    return shop


def cart_of(shop: Shop, username: str) -> dict[str, int]:
    cart = shop.load(f"cart-{username}")
    assert isinstance(cart, Cart)
    return cart.quantities


def order_of(shop: Shop, order_id: str) -> Order:
    order = shop.load(f"order-{order_id}")
    assert isinstance(order, Order)
    return order


def to_command(shop: Shop, order_ids: list[str], step: tuple[str, int, int, int]) -> cmd.Command:
    """A command from drawn numbers, aimed where it can succeed (rules still may refuse it)."""
    verb, u, s, n = step
    username, sku = USERS[u], SKUS[s]
    shoppers = [name for name in USERS if cart_of(shop, name)]

    def order_in(*statuses: OrderStatus) -> str:
        candidates = [i for i in order_ids if order_of(shop, i).status in statuses]
        candidates = candidates or order_ids or ["o-0"]
        return candidates[n % len(candidates)]

    match verb:
        case "restock":
            return cmd.Restock(sku=sku, quantity=n)
        case "add":
            return cmd.AddToCart(username=username, sku=sku, quantity=n)
        case "remove":
            in_cart = sorted(cart_of(shop, username)) or [sku]
            return cmd.RemoveFromCart(username=username, sku=in_cart[s % len(in_cart)])
        case "place":
            shopper = shoppers[u % len(shoppers)] if shoppers else username
            return cmd.PlaceOrder(username=shopper, order_id=f"o-{len(order_ids) + 1}")
        case "pay":
            return cmd.PayOrder(order_id=order_in(OrderStatus.PLACED))
        case "cancel":
            return cmd.CancelOrder(order_id=order_in(OrderStatus.PLACED, OrderStatus.PAID))
        case _:
            return cmd.ShipOrder(order_id=order_in(OrderStatus.PAID))


def expected_from_domain(shop: Shop) -> dict[str, Any]:
    """What the aggregates' own states say the views must show."""
    states = shop.states
    products = {k.removeprefix("product-"): v for k, v in states.items() if isinstance(v, Product)}
    orders = {k.removeprefix("order-"): v for k, v in states.items() if isinstance(v, Order)}
    carts = {
        username: sorted(
            (sku, q, products[sku].price_cents, q * products[sku].price_cents)
            for sku, q in cart_of(shop, username).items()
        )
        for username in USERS
    }
    return {
        "catalog": sorted((s, p.name, p.price_cents, p.available) for s, p in products.items()),
        "carts": carts,
        "orders": {
            username: sorted(
                (i, str(o.status), o.total_cents)
                for i, o in orders.items()
                if o.username == username
            )
            for username in USERS
        },
        "revenue": sum(o.paid_cents for o in orders.values()),
        "statuses": {
            key: sum(o.status == key for o in orders.values()) for key in SALES_SUMMARY_KEYS[1:]
        },
    }


@settings(max_examples=150, deadline=None)
@given(steps)
def test_random_valid_sequences_keep_the_invariants(sequence: list) -> None:
    shop = opened_shop()
    order_ids: list[str] = []
    for step in sequence:
        command = to_command(shop, order_ids, step)
        try:
            shop.run(command)
        except DomainError:
            continue
        catalog = shop.query(query_catalog)
        assert all(row[3] >= 0 for row in catalog.rows)
        if isinstance(command, cmd.PlaceOrder):
            order_ids.append(command.order_id)
            assert shop.query(query_cart, command.username).rows == ()
        summary = shop.query(query_sales).summary_dict()
        assert sum(summary[key] for key in SALES_SUMMARY_KEYS[1:]) == len(order_ids)

    expected = expected_from_domain(shop)
    assert list(shop.query(query_catalog).rows) == expected["catalog"]
    for username in USERS:
        assert list(shop.query(query_cart, username).rows) == expected["carts"][username]
    summary = shop.query(query_sales).summary_dict()
    assert summary["revenue_cents"] == expected["revenue"]
    assert {key: summary[key] for key in SALES_SUMMARY_KEYS[1:]} == expected["statuses"]
    for username in USERS:
        rows = shop.query(query_orders, username).rows
        assert sorted(row[:3] for row in rows) == expected["orders"][username]
        assert [row[3] for row in rows] == sorted(row[3] for row in rows)
