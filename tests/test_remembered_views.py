"""Views answered from the projections' mirrors (`Projection.remembered`): the rows, order
and summary their tables give once flushed, and a lab on a private in-memory store that
answers its queries from them, without a flush each, as a lab on a file answers from its
tables."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from sqlalchemy.engine import Connection

from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.load import LoadObserver, run_load
from cqrs_lab.read.carts import CartsProjection
from cqrs_lab.read.catalog import CatalogProjection, query_page
from cqrs_lab.read.catalog_page import PAGE_ROWS
from cqrs_lab.read.orders import OrdersProjection
from cqrs_lab.read.projection import Projection
from cqrs_lab.read.registry import create_projections
from cqrs_lab.read.views import ViewRows
from cqrs_lab.shop import commands as cmd
from cqrs_lab.shop.workload import ReadQuery

from .lab_helpers import SHOP_SETUP, new_lab, run
from .test_projections import USERS, Shop, answer, apply_all, new_engine, played, prepared


def remembered(projection: Projection) -> ViewRows | tuple[ViewRows, ...]:
    """As `read`, from the mirrors."""
    if isinstance(projection, CartsProjection | OrdersProjection):
        return tuple(projection.remembered(user) for user in (*USERS, "nobody"))
    return projection.remembered()


def read(projection: Projection, connection: Connection) -> ViewRows | tuple[ViewRows, ...]:
    """As `test_projections.answer`, with a user who has no rows."""
    found = answer(projection, connection)
    if isinstance(found, tuple):
        return (*found, projection.query(connection, "nobody"))
    return found


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(played=played())
def test_a_projection_remembers_what_its_tables_answer_once_flushed(
    played: tuple[Shop, list[int]],
) -> None:
    shop, cuts = played  # looked at, and flushed, at each cut
    events = shop.recorded
    engine = new_engine()
    projections = [prepared(projection, engine) for projection in create_projections().values()]
    start = 0
    for cut in [*cuts, len(events)]:
        for projection in projections:
            for event in events[start:cut]:
                projection.apply(event)
            assert projection.holds_every_row
            held = remembered(projection)  # before the flush: what it applied, not written
            with engine.begin() as connection:
                projection.flush(connection)
            with engine.connect() as connection:
                assert held == read(projection, connection)
        start = cut


def test_the_catalog_remembers_every_page_as_its_table_reads_it() -> None:
    shop = Shop()
    for n in range(2 * PAGE_ROWS + 7):  # three pages, the last short
        sku = f"sku-{n * 37 % 1000:03d}"  # added out of sku order
        shop.run(cmd.AddProduct, sku=sku, name=sku, price_cents=100 + n, stock=n)
    engine = new_engine()
    catalog = prepared(CatalogProjection(), engine)
    apply_all(catalog, shop.recorded, engine)
    with engine.connect() as connection:
        for page in (1, 2, 3, 4):
            assert catalog.remembered(page=page) == query_page(connection, page), page
    assert catalog.remembered(page=3).summary_dict()["pages"] == 3


def test_a_projection_on_a_table_never_written_holds_every_row_at_open(tmp_path: Path) -> None:
    """A new database's tables are empty: the mirrors hold them whole from the start; a lab
    reopened on them reads on demand the rows of those its events wrote (the catalog's,
    its checkpoint moved), and still holds whole those no event reached (the sales')."""
    db = str(tmp_path / "lab.db")
    lab = new_lab(db=db)
    assert all(projection.holds_every_row for projection in lab.projections.values())
    run(lab, "latency all zero\n" + SHOP_SETUP + "settle")
    lab.close()
    reopened = new_lab(db=db)
    try:
        assert not reopened.projections["catalog"].holds_every_row
        assert reopened.projections["sales"].holds_every_row
    finally:
        reopened.close()


def test_a_query_on_a_private_store_answers_what_is_applied_without_a_flush() -> None:
    lab = new_lab()
    run(lab, "latency all zero\n" + SHOP_SETUP + "settle\nadd-to-cart alice mug 2")
    lab.bus.advance(0.001)  # delivered, not flushed (as between two flushes of a load)
    carts = lab.projections["carts"]
    assert lab.reads.private and carts.dirty  # applied, not written
    answer = lab.query("cart", "alice")
    assert carts.dirty  # still not written: the query read the mirrors
    assert answer.rows.rows == (("mug", 2, 1250, 2500),) and not answer.stale
    lab.flush()
    assert not carts.dirty
    assert lab.query("cart", "alice").rows == answer.rows


class Answers(LoadObserver):
    """Every query a load asked, with what the lab answered."""

    def __init__(self) -> None:
        self.seen: list[tuple[ReadQuery, QueryAnswer]] = []

    def queried(self, lab: Lab, query: ReadQuery, answer: QueryAnswer) -> None:
        self.seen.append((query, answer))


def test_a_lab_in_memory_answers_a_load_as_a_lab_on_a_file(tmp_path: Path) -> None:
    """Same seed, same load: the in-memory lab answers from its mirrors, the file lab from
    its tables, flushed before each query; every answer is the same."""
    runs = []
    for db in (":memory:", str(tmp_path / "lab.db")):
        lab = new_lab(seed=5, db=db)
        run(lab, "faults carts drop=0.2 dup=0.1\nfaults orders reorder=on")
        answers = Answers()
        run_load(lab, 40.0, 30.0, observer=answers)
        runs.append(
            [
                (query, a.rows, a.checkpoint, a.head, a.stale, a.behind_events)
                for query, a in answers.seen
            ]
        )
        assert lab.reads.private is (db == ":memory:")
        lab.close()
    in_memory, on_file = runs
    assert len(in_memory) > 200
    assert {query.view for query, *_ in in_memory} == {"catalog", "cart", "orders", "sales"}
    assert in_memory == on_file
