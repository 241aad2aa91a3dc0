"""The sales dashboard: the projection's read against the CRUD twin's GROUP BY.

The same orders (1-3 lines each, in every status) are written as the CRUD twin's
normalized rows and as the events the sales projection is built from (through its own
`apply`); both answers are checked equal before anything is timed. Each query runs on one
open connection to a file database; the figure is the median of repeated runs.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection

from cqrs_lab.bench.data import sales_orders
from cqrs_lab.bench.harness import Figure, Plan, Target
from cqrs_lab.crud.tables import ORDER_LINES, ORDERS, PRODUCTS, USERS
from cqrs_lab.crud.twin import CrudTwin
from cqrs_lab.read.crud_queries import query_sales
from cqrs_lab.read.sales import SalesProjection
from cqrs_lab.read.views import ViewRows
from cqrs_lab.store.database import open_store
from cqrs_lab.store.event_store import EventMetadata, RecordedEvent


def measure(plan: Plan, folder: Path) -> list[Figure]:
    figures = []
    for count in plan.sales_orders:
        projection_s, crud_s = _medians(folder / f"sales-{count}.db", count, plan.query_repeats)
        label = f"{count // 1000}k"
        figures.append(
            Figure(
                f"sales query from the projection, {label} orders",
                1 / projection_s,
                "queries/s",
                "the CRUD twin's GROUP BY",
                1 / crud_s,
                Target(50, at_least=True, on_ratio=True) if count == 100_000 else None,
                {f"sales_query_speedup_{label}": "ratio"},
                note=f"median {projection_s * 1000:.3f} ms vs {crud_s * 1000:.1f} ms",
                extra={
                    f"sales_projection_ms_{label}": projection_s * 1000,
                    f"sales_crud_ms_{label}": crud_s * 1000,
                },
            )
        )
    return figures


def _medians(path: Path, count: int, repeats: int) -> tuple[float, float]:
    store = open_store(str(path))
    try:
        projection = SalesProjection()
        with store.transaction() as connection:
            _fill(connection, projection, count)
        with store.engine.connect() as connection:
            ours, theirs = projection.query(connection), query_sales(connection)
            if _comparable(ours) != _comparable(theirs):
                raise RuntimeError(f"the sales answers differ: {ours} vs {theirs}")
            return (
                _median(lambda: projection.query(connection), repeats),
                _median(lambda: query_sales(connection), repeats),
            )
    finally:
        store.engine.dispose()


def _fill(connection: Connection, projection: SalesProjection, count: int) -> None:
    """The CRUD rows in bulk (plain executemany), the projection through its own `apply`."""
    data = sales_orders(count)
    CrudTwin().create_tables(connection)
    projection.create_tables(connection)
    for table, rows in (
        (USERS, data.users),
        (PRODUCTS, data.products),
        (ORDERS, data.orders),
        (ORDER_LINES, data.lines),
    ):
        columns = ", ".join(column.name for column in table.columns)
        marks = ", ".join("?" for _ in table.columns)
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", rows)
    metadata = EventMetadata("bench", "bench", "bench", 0.0)
    for position, (type_, event) in enumerate(data.events, start=1):
        projection.apply(RecordedEvent(position, f"order-{position}", 1, type_, event, metadata))
    projection.flush(connection)


def _comparable(rows: ViewRows) -> tuple[object, ...]:
    return rows.rows, rows.summary


def _median(query: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        query()
        times.append(time.perf_counter() - began)
    return statistics.median(times)
