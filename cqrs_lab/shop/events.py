"""Events: facts the shop recorded. They carry what read models need, and never a secret."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_version: ClassVar[int] = 1

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def to_data(self) -> dict[str, Any]:
        """`model_dump(mode="json")`, without its wrapper's keyword arguments (it runs on
        every command's path)."""
        return self.__pydantic_serializer__.to_python(self, mode="json")  # type: ignore[no-any-return]


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    sku: str
    quantity: int
    unit_price_cents: int

    @property
    def subtotal_cents(self) -> int:
        return self.quantity * self.unit_price_cents


class UserRegistered(Event):
    schema_version: ClassVar[int] = 2  # 1 called the username `name` (see store/upcasters.py)
    username: str
    email: str


class ProductAdded(Event):
    sku: str
    name: str
    price_cents: int
    stock: int


class ProductRestocked(Event):
    sku: str
    quantity: int


class StockReserved(Event):
    sku: str
    order_id: str
    quantity: int


class StockReleased(Event):
    sku: str
    order_id: str
    quantity: int


class ItemAddedToCart(Event):
    username: str
    sku: str
    quantity: int
    unit_price_cents: int


class ItemRemovedFromCart(Event):
    username: str
    sku: str
    quantity: int


class CartCheckedOut(Event):
    username: str
    order_id: str


class OrderPlaced(Event):
    order_id: str
    username: str
    lines: tuple[OrderLine, ...]
    total_cents: int


class OrderPaid(Event):
    order_id: str
    username: str
    amount_cents: int


class OrderCancelled(Event):
    order_id: str
    username: str
    lines: tuple[OrderLine, ...]
    total_cents: int
    refunded_cents: int


class OrderShipped(Event):
    order_id: str
    username: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type_name(): cls
    for cls in (
        UserRegistered,
        ProductAdded,
        ProductRestocked,
        StockReserved,
        StockReleased,
        ItemAddedToCart,
        ItemRemovedFromCart,
        CartCheckedOut,
        OrderPlaced,
        OrderPaid,
        OrderCancelled,
        OrderShipped,
    )
}


def event_from_data(type_name: str, data: dict[str, Any]) -> Event:
    return EVENT_TYPES[type_name].model_validate(data)
