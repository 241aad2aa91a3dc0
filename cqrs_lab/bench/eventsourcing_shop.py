"""The bench anchor's shop in the `eventsourcing` library (imported only when it is installed).

A product aggregate that is added and restocked, an Application that gets and saves it,
and a SQLite factory whose connections use the lab's durability (`synchronous = NORMAL`
beside the library's WAL; see `eventsourcing_anchor.py`).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteFactory

FACTORY_TOPIC = f"{__name__}:LabDurabilityFactory"


class Product(Aggregate):
    @event("Added")
    def __init__(self, sku: str, price_cents: int, stock: int) -> None:
        self.sku = sku
        self.price_cents = price_cents
        self.stock = stock

    @event("Restocked")
    def restock(self, quantity: int) -> None:
        self.stock += quantity


class Shop(Application):
    def add_product(self, sku: str) -> Any:
        product = Product(sku, 100, 0)
        self.save(product)
        return product.id

    def restock(self, product_id: Any, quantity: int) -> None:
        product: Product = self.repository.get(product_id)
        product.restock(quantity)
        self.save(product)


class _NormalSyncPool(SQLiteConnectionPool):
    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection._sqlite_conn.execute("PRAGMA synchronous = NORMAL")
        return connection


class LabDurabilityFactory(SQLiteFactory):
    """The library's SQLite persistence, with `synchronous = NORMAL` as the lab sets it."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        pool = self.datastore.pool  # makes its connections on first use: none made yet
        self.datastore.pool = _NormalSyncPool(db_name=pool.db_name, lock_timeout=pool.lock_timeout)
