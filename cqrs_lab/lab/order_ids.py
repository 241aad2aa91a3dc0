"""Readable order ids (o1, o2, ...): they count accepted orders, so a refused place-order
gives its number back, and a lab numbers on from the orders stored (another lab's too)."""

from __future__ import annotations

from cqrs_lab.shop.commands import Command, PlaceOrder
from cqrs_lab.store.counters import orders_placed, stored_orders_placed
from cqrs_lab.store.event_store import EventStore


class OrderIds:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.number = self.stored()
        """The number of the last order id made."""
        self._generated: set[str] = set()

    def stored(self) -> int:
        """How many orders the database holds (every lab's on it). Read without the
        writers' lock once counted: forty labs opening at once do not queue for it."""
        with self.store.reading() as connection:
            if (count := stored_orders_placed(connection)) is not None:
                return count
        with self.store.transaction() as connection:
            return orders_placed(connection)

    def new(self) -> str:
        """The next order id, for a place-order that names none."""
        self.number += 1
        order_id = f"o{self.number}"
        self._generated.add(order_id)
        return order_id

    def made(self, order_id: str) -> bool:
        """Whether this lab made `order_id` (rather than a line naming it)."""
        return order_id in self._generated

    def give_back(self, command: Command) -> None:
        """A refused place-order's generated id is free again, if it was the last one made."""
        if not isinstance(command, PlaceOrder) or not self.made(command.order_id):
            return
        if command.order_id == f"o{self.number}":
            self.number -= 1

    def after_stored(self) -> str:
        """A new id past the orders stored: another lab placed the one this lab made, so
        number on from the stored count, not one by one."""
        self.number = max(self.number, self.stored())
        return self.new()
