"""The four read-model projections, fed with events decided by the pure domain."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from cqrs_lab.read import views
from cqrs_lab.read.carts import CartsProjection
from cqrs_lab.read.catalog import CatalogProjection
from cqrs_lab.read.orders import OrdersProjection
from cqrs_lab.read.projection import Projection
from cqrs_lab.read.registry import PROJECTION_TYPES, create_projections
from cqrs_lab.read.sales import SalesProjection
from cqrs_lab.shop import commands as cmd
from cqrs_lab.shop.decide import decide, evolve
from cqrs_lab.shop.errors import DomainError
from cqrs_lab.shop.state import Cart, Order, OrderStatus, Product, State, initial_state
from cqrs_lab.store.event_store import EventMetadata, RecordedEvent

USERS = ("alice", "bob")
P = TypeVar("P", bound=Projection)


class Shop:
    """The pure domain over a dict of states, recording events as the store would."""

    def __init__(self) -> None:
        self.states: dict[str, State] = {}
        self.versions: Counter[str] = Counter()
        self.recorded: list[RecordedEvent] = []
        self.commands = 0

    def load(self, stream_id: str) -> State:
        return self.states.get(stream_id) or initial_state(stream_id)

    def run(self, command_type: type[cmd.Command], **fields: Any) -> list[RecordedEvent]:
        self.commands += 1
        command = command_type(command_id=f"c{self.commands}", **fields)
        pending = decide(command, self.load)
        metadata = EventMetadata(
            command.command_id, command.command_id, command.command_id, float(self.commands)
        )
        recorded = []
        for item in pending:
            self.states[item.stream_id] = evolve(self.load(item.stream_id), item.event)
            self.versions[item.stream_id] += 1
            recorded.append(
                RecordedEvent(
                    position=len(self.recorded) + len(recorded) + 1,
                    stream_id=item.stream_id,
                    version=self.versions[item.stream_id],
                    type=item.event.type_name(),
                    data=item.event.to_data(),
                    metadata=metadata,
                )
            )
        self.recorded.extend(recorded)
        return recorded

    def states_of(self, kind: type[State]) -> dict[str, Any]:
        return {
            stream_id.split("-", 1)[1]: state
            for stream_id, state in self.states.items()
            if isinstance(state, kind)
        }


def new_engine() -> Engine:
    return sa.create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = new_engine()
    yield engine
    engine.dispose()


def prepared(projection: P, engine: Engine) -> P:
    with engine.begin() as conn:
        projection.create_tables(conn)
    return projection


def apply_all(projection: Projection, events: Sequence[RecordedEvent], engine: Engine) -> None:
    for event in events:
        projection.apply(event)
    with engine.begin() as conn:
        projection.flush(conn)


def answer(projection: Projection, conn: Connection) -> views.ViewRows | tuple[views.ViewRows, ...]:
    """The projection's whole answer: per user for carts and orders."""
    if isinstance(projection, CartsProjection | OrdersProjection):
        return tuple(projection.query(conn, user) for user in USERS)
    assert isinstance(projection, CatalogProjection | SalesProjection)
    return projection.query(conn)


def answers(projections: dict[str, Projection], engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {name: answer(p, conn) for name, p in projections.items()}


def stocked_shop() -> Shop:
    shop = Shop()
    for user in USERS:
        shop.run(cmd.RegisterUser, username=user, email=f"{user}@example.com", password="s3cret-pw")
    shop.run(cmd.AddProduct, sku="mug", name="Blue mug", price_cents=1250, stock=10)
    shop.run(cmd.AddProduct, sku="pen", name="Pen", price_cents=199, stock=100)
    shop.run(cmd.AddProduct, sku="hat", name="Hat", price_cents=2000, stock=5)
    return shop


def story() -> Shop:
    """Register, stock, fill carts, place, pay, ship, cancel paid and unpaid orders."""
    shop = stocked_shop()
    shop.run(cmd.Restock, sku="mug", quantity=5)
    shop.run(cmd.AddToCart, username="alice", sku="mug", quantity=2)
    shop.run(cmd.AddToCart, username="alice", sku="pen", quantity=3)
    shop.run(cmd.AddToCart, username="alice", sku="mug", quantity=1)
    shop.run(cmd.RemoveFromCart, username="alice", sku="pen")
    shop.run(cmd.AddToCart, username="alice", sku="pen", quantity=1)
    shop.run(cmd.PlaceOrder, username="alice", order_id="o1")  # command 12
    shop.run(cmd.AddToCart, username="bob", sku="hat", quantity=2)
    shop.run(cmd.PlaceOrder, username="bob", order_id="o2")  # command 14
    shop.run(cmd.AddToCart, username="bob", sku="pen", quantity=5)
    shop.run(cmd.AddToCart, username="alice", sku="hat", quantity=1)
    shop.run(cmd.PlaceOrder, username="alice", order_id="o3")  # command 17
    shop.run(cmd.PayOrder, order_id="o1")
    shop.run(cmd.ShipOrder, order_id="o1")
    shop.run(cmd.PayOrder, order_id="o2")
    shop.run(cmd.CancelOrder, order_id="o2")
    shop.run(cmd.CancelOrder, order_id="o3")
    shop.run(cmd.AddToCart, username="alice", sku="mug", quantity=1)
    shop.run(cmd.PlaceOrder, username="alice", order_id="o4")  # command 24
    return shop


def built(projection: P, engine: Engine, shop: Shop) -> P:
    prepared(projection, engine)
    apply_all(projection, shop.recorded, engine)
    return projection


# -- each projection on the story ---------------------------------------------------------


def test_registry_lists_the_four_in_display_order() -> None:
    assert list(PROJECTION_TYPES) == ["catalog", "carts", "orders", "sales"]
    projections = create_projections()
    assert {name: type(p) for name, p in projections.items()} == PROJECTION_TYPES
    assert all(p.checkpoint == 0 for p in projections.values())


def test_catalog_tracks_stock_through_restock_reservations_and_releases(engine: Engine) -> None:
    catalog = built(CatalogProjection(), engine, story())
    with engine.connect() as conn:
        view = catalog.query(conn)
    assert view.columns == views.CATALOG_COLUMNS
    assert view.rows == (
        ("hat", "Hat", 2000, 5),
        ("mug", "Blue mug", 1250, 15 - 3 - 1),
        ("pen", "Pen", 199, 100 - 1),
    )
    assert view.summary == ()


def test_carts_lines_and_denormalized_totals(engine: Engine) -> None:
    shop = stocked_shop()
    carts = prepared(CartsProjection(), engine)
    shop.run(cmd.AddToCart, username="alice", sku="mug", quantity=2)
    shop.run(cmd.AddToCart, username="alice", sku="pen", quantity=3)
    shop.run(cmd.AddToCart, username="alice", sku="mug", quantity=1)
    apply_all(carts, shop.recorded, engine)
    with engine.connect() as conn:
        view = carts.query(conn, "alice")
    assert view.columns == views.CART_COLUMNS
    assert view.rows == (("mug", 3, 1250, 3750), ("pen", 3, 199, 597))
    assert view.summary == (("total_cents", 4347), ("items", 6))

    shop.run(cmd.RemoveFromCart, username="alice", sku="mug")
    apply_all(carts, shop.recorded[carts.checkpoint :], engine)
    with engine.connect() as conn:
        view = carts.query(conn, "alice")
    assert view.rows == (("pen", 3, 199, 597),)
    assert view.summary == (("total_cents", 597), ("items", 3))


def test_carts_after_checkout_and_for_unknown_users(engine: Engine) -> None:
    carts = built(CartsProjection(), engine, story())
    with engine.connect() as conn:
        alice, bob, nobody = (carts.query(conn, u) for u in ("alice", "bob", "nobody"))
    assert alice == views.ViewRows(views.CART_COLUMNS, (), (("total_cents", 0), ("items", 0)))
    assert bob.rows == (("pen", 5, 199, 995),)
    assert bob.summary == (("total_cents", 995), ("items", 5))
    assert nobody == alice


def test_orders_by_user_with_every_status(engine: Engine) -> None:
    orders = built(OrdersProjection(), engine, story())
    with engine.connect() as conn:
        alice, bob, nobody = (orders.query(conn, u) for u in ("alice", "bob", "nobody"))
    assert alice.columns == views.ORDERS_COLUMNS
    assert alice.rows == (
        ("o1", "shipped", 3 * 1250 + 199, 12.0),
        ("o3", "cancelled", 2000, 17.0),
        ("o4", "placed", 1250, 24.0),
    )
    assert alice.summary == (("count", 3),)
    assert bob.rows == (("o2", "cancelled", 4000, 14.0),)
    assert nobody == views.ViewRows(views.ORDERS_COLUMNS, (), (("count", 0),))


def test_orders_paid_status(engine: Engine) -> None:
    shop = stocked_shop()
    shop.run(cmd.AddToCart, username="bob", sku="pen", quantity=2)
    shop.run(cmd.PlaceOrder, username="bob", order_id="o9")
    shop.run(cmd.PayOrder, order_id="o9")
    orders = built(OrdersProjection(), engine, shop)
    with engine.connect() as conn:
        assert orders.query(conn, "bob").rows == (("o9", "paid", 398, 7.0),)


def test_sales_dashboard_refunds_cancelled_paid_orders(engine: Engine) -> None:
    sales = built(SalesProjection(), engine, story())
    with engine.connect() as conn:
        view = sales.query(conn)
    assert view.columns == views.SALES_COLUMNS
    assert tuple(key for key, _ in view.summary) == views.SALES_SUMMARY_KEYS
    assert view.summary_dict() == {
        "revenue_cents": 3 * 1250 + 199,  # o1; o2 was paid and refunded
        "placed": 1,
        "paid": 0,
        "cancelled": 2,
        "shipped": 1,
    }
    assert view.rows == (("mug", 4), ("pen", 1))  # hat's orders were all cancelled


def test_sales_top_products_by_units_then_sku(engine: Engine) -> None:
    shop = stocked_shop()
    units = {"p1": 3, "p2": 7, "p3": 3, "p4": 1, "p5": 9, "p6": 3, "p7": 2}
    for sku, quantity in units.items():
        shop.run(cmd.AddProduct, sku=sku, name=sku, price_cents=100, stock=50)
        shop.run(cmd.AddToCart, username="alice", sku=sku, quantity=quantity)
    shop.run(cmd.PlaceOrder, username="alice", order_id="o1")
    shop.run(cmd.PayOrder, order_id="o1")
    sales = built(SalesProjection(), engine, shop)
    with engine.connect() as conn:
        view = sales.query(conn)
    assert len(view.rows) == views.TOP_PRODUCTS
    assert view.rows == (("p5", 9), ("p2", 7), ("p1", 3), ("p3", 3), ("p6", 3))
    assert view.summary_dict() == {
        "revenue_cents": 100 * sum(units.values()),
        "placed": 0,
        "paid": 1,
        "cancelled": 0,
        "shipped": 0,
    }


def test_empty_projections_answer_empty_views(engine: Engine) -> None:
    projections = {name: prepared(p, engine) for name, p in create_projections().items()}
    got = answers(projections, engine)
    assert got["catalog"] == views.ViewRows(views.CATALOG_COLUMNS, ())
    assert got["sales"] == views.ViewRows(
        views.SALES_COLUMNS, (), tuple((k, 0) for k in views.SALES_SUMMARY_KEYS)
    )


def test_ignores_events_of_other_kinds(engine: Engine) -> None:
    shop = Shop()
    shop.run(cmd.RegisterUser, username="alice", email="alice@example.com", password="s3cret-pw")
    for projection in create_projections().values():
        apply_all(prepared(projection, engine), shop.recorded, engine)
        assert projection.checkpoint == 1
        assert all(not list(mirror) for mirror in projection.mirrors.values())


# -- checkpoints, load, clear -------------------------------------------------------------


@pytest.mark.parametrize("name", list(PROJECTION_TYPES))
def test_load_into_a_fresh_instance_gives_the_same_answer(name: str, engine: Engine) -> None:
    shop = story()
    projection = built(PROJECTION_TYPES[name](), engine, shop)
    fresh = PROJECTION_TYPES[name]()
    with engine.connect() as conn:
        fresh.load(conn)
        assert answer(fresh, conn) == answer(projection, conn)
    assert fresh.checkpoint == fresh.committed_checkpoint == len(shop.recorded)

    # The loaded instance carries on exactly like the original.
    shop.run(cmd.PlaceOrder, username="bob", order_id="o5")
    shop.run(cmd.PayOrder, order_id="o5")
    new_events = shop.recorded[fresh.checkpoint :]
    apply_all(fresh, new_events, engine)
    expected_engine = new_engine()
    expected = built(PROJECTION_TYPES[name](), expected_engine, shop)
    with engine.connect() as conn, expected_engine.connect() as expected_conn:
        assert answer(fresh, conn) == answer(expected, expected_conn)


@pytest.mark.parametrize("name", list(PROJECTION_TYPES))
def test_clear_empties_rows_and_checkpoint(name: str, engine: Engine) -> None:
    projection = built(PROJECTION_TYPES[name](), engine, story())
    with engine.begin() as conn:
        projection.clear(conn)
    assert projection.checkpoint == projection.committed_checkpoint == 0
    empty_engine = new_engine()
    empty = prepared(PROJECTION_TYPES[name](), empty_engine)
    fresh = PROJECTION_TYPES[name]()
    with engine.connect() as conn, empty_engine.connect() as empty_conn:
        assert answer(projection, conn) == answer(empty, empty_conn)
        for model in projection.tables:
            count = sa.select(sa.func.count()).select_from(model.__table__)  # type: ignore[arg-type]
            assert conn.execute(count).scalar() == 0
        fresh.load(conn)
    assert fresh.checkpoint == 0
    assert all(not list(mirror) for mirror in fresh.mirrors.values())


@pytest.mark.parametrize("name", list(PROJECTION_TYPES))
def test_two_flushes_equal_one(name: str) -> None:
    events = story().recorded
    one_engine, two_engine = new_engine(), new_engine()
    one = prepared(PROJECTION_TYPES[name](), one_engine)
    apply_all(one, events, one_engine)
    two = prepared(PROJECTION_TYPES[name](), two_engine)
    half = len(events) // 2
    apply_all(two, events[:half], two_engine)
    assert two.committed_checkpoint == half
    apply_all(two, events[half:], two_engine)
    assert one.committed_checkpoint == two.committed_checkpoint == len(events)
    with one_engine.connect() as one_conn, two_engine.connect() as two_conn:
        assert answer(one, one_conn) == answer(two, two_conn)


# -- random valid command sequences ---------------------------------------------------------

SKUS = ("a", "b", "c", "d")  # "d" is not in the starting stock: add-product may add it
# Repeated verbs are drawn more often, so orders get placed, paid, shipped and cancelled.
VERBS = ("add", "add", "remove", "place", "buy", "buy", "pay", "pay", "pay", "cancel", "cancel")
VERBS += ("ship", "ship", "restock", "add-product")

# (verb, user, sku, n): n is a quantity, or for pay/cancel/ship which recent order (1 = last);
# "buy" adds to the cart and places an order.
commands = st.tuples(
    st.sampled_from(VERBS), st.sampled_from(USERS), st.sampled_from(SKUS), st.integers(1, 4)
)


def play(script: list[tuple[str, str, str, int]]) -> Shop:
    """Register both users and stock a, b, c, then run the script.

    Commands the shop rejects are skipped, as a user would see them refused.
    """
    shop = Shop()
    for user in USERS:
        shop.run(cmd.RegisterUser, username=user, email=f"{user}@example.com", password="s3cret-pw")
    for price, sku in enumerate(SKUS[:3], start=1):
        shop.run(cmd.AddProduct, sku=sku, name=sku.upper(), price_cents=price * 150, stock=12)
    placed: list[str] = []
    for verb, user, sku, n in script:
        order_id = placed[-n] if n <= len(placed) else "o-none"
        try:
            match verb:
                case "add-product":
                    shop.run(cmd.AddProduct, sku=sku, name=sku, price_cents=99 * n, stock=3 * n)
                case "restock":
                    shop.run(cmd.Restock, sku=sku, quantity=n)
                case "add":
                    shop.run(cmd.AddToCart, username=user, sku=sku, quantity=n)
                case "remove":
                    shop.run(cmd.RemoveFromCart, username=user, sku=sku)
                case "place" | "buy":
                    if verb == "buy":
                        shop.run(cmd.AddToCart, username=user, sku=sku, quantity=n)
                    new_id = f"o{len(placed) + 1}"
                    shop.run(cmd.PlaceOrder, username=user, order_id=new_id)
                    placed.append(new_id)
                case "pay":
                    shop.run(cmd.PayOrder, order_id=order_id)
                case "cancel":
                    shop.run(cmd.CancelOrder, order_id=order_id)
                case "ship":
                    shop.run(cmd.ShipOrder, order_id=order_id)
        except DomainError:
            pass
    return shop


def expected_from_states(shop: Shop) -> dict[str, Any]:
    """What the views must say, computed from the aggregates' states."""
    products: dict[str, Product] = shop.states_of(Product)
    carts: dict[str, Cart] = shop.states_of(Cart)
    orders: dict[str, Order] = shop.states_of(Order)
    statuses = Counter(order.status for order in orders.values())
    units: Counter[str] = Counter()
    for order in orders.values():
        if order.status is not OrderStatus.CANCELLED:
            for line in order.lines:
                units[line.sku] += line.quantity
    return {
        "catalog": {sku: p.available for sku, p in products.items()},
        "carts": {user: dict(carts[user].quantities) if user in carts else {} for user in USERS},
        "orders": {
            user: {oid: o.status.value for oid, o in orders.items() if o.username == user}
            for user in USERS
        },
        "sales": {
            "revenue_cents": sum(o.paid_cents for o in orders.values()),
            **{status.value: statuses[status] for status in OrderStatus},
            "top": sorted(((sku, n) for sku, n in units.items() if n), key=lambda x: (-x[1], x[0]))[
                : views.TOP_PRODUCTS
            ],
        },
    }


def observed(got: dict[str, Any]) -> dict[str, Any]:
    sales = got["sales"]
    return {
        "catalog": {row[0]: row[3] for row in got["catalog"].rows},
        "carts": {
            user: {r[0]: r[1] for r in v.rows} for user, v in zip(USERS, got["carts"], strict=True)
        },
        "orders": {
            user: {r[0]: r[1] for r in v.rows} for user, v in zip(USERS, got["orders"], strict=True)
        },
        "sales": {**sales.summary_dict(), "top": list(sales.rows)},
    }


@st.composite
def played(draw: st.DrawFn) -> tuple[Shop, list[int]]:
    """A shop that ran a drawn script (`play`), and up to five cuts in its events, sorted."""
    shop = play(draw(st.lists(commands, min_size=20, max_size=80), label="script"))
    cuts = draw(st.sets(st.integers(0, len(shop.recorded)), max_size=5), label="cut at")
    return shop, sorted(cuts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(played=played(), data=st.data())
def test_incremental_apply_equals_rebuild(
    played: tuple[Shop, list[int]], data: st.DataObject
) -> None:
    shop, cuts = played  # flushed at each cut
    events = shop.recorded
    reload_after = data.draw(st.lists(st.booleans(), min_size=len(cuts), max_size=len(cuts)))

    rebuild_engine = new_engine()
    rebuilt = {name: prepared(p, rebuild_engine) for name, p in create_projections().items()}
    for projection in rebuilt.values():
        apply_all(projection, events, rebuild_engine)

    # Live projections get only the events they declare they handle, as the lab's lanes do.
    live_engine = new_engine()
    live = {name: prepared(p, live_engine) for name, p in create_projections().items()}
    start = 0
    for cut, reload in zip([*cuts, len(events)], [*reload_after, False], strict=True):
        for name, projection in live.items():
            routed = [e for e in events[start:cut] if e.type in projection.handles]
            apply_all(projection, routed, live_engine)
            if reload:  # a restart: a fresh instance picks up from what was committed
                live[name] = PROJECTION_TYPES[name]()
                with live_engine.connect() as conn:
                    live[name].load(conn)
        start = cut

    rebuilt_answers = answers(rebuilt, rebuild_engine)
    assert answers(live, live_engine) == rebuilt_answers
    for projection in live.values():
        handled = [e.position for e in events if e.type in projection.handles]
        assert projection.checkpoint == max(handled, default=0)
    assert observed(rebuilt_answers) == expected_from_states(shop)
