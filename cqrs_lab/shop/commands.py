"""Commands: what a user asks the shop to do. Field rules are declared, not hand-written."""

from __future__ import annotations

from typing import Annotated, ClassVar, TypeVar
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from cqrs_lab.shop.errors import InvalidCommand
from cqrs_lab.shop.money import MAX_PRICE_CENTS

MAX_QUANTITY = 1_000
MAX_STOCK = 1_000_000

USERNAME_PATTERN = r"^[a-z][a-z0-9_.-]{1,31}$"
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"
Username = Annotated[str, Field(pattern=USERNAME_PATTERN)]
Sku = Annotated[str, Field(pattern=SKU_PATTERN)]
OrderId = Annotated[str, Field(pattern=SKU_PATTERN)]
Quantity = Annotated[int, Field(gt=0, le=MAX_QUANTITY)]
MAX_EMAIL_LENGTH = 254
EMAIL_PATTERN = r"^[^@\s]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$"


def new_command_id() -> str:
    return uuid4().hex


class Command(BaseModel):
    """Base of every command. `command_id` makes re-sending idempotent."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    verb: ClassVar[str]
    command_id: str = Field(default_factory=new_command_id, min_length=1, max_length=64)


class RegisterUser(Command):
    verb = "register"
    username: Username
    email: Annotated[str, Field(pattern=EMAIL_PATTERN, max_length=MAX_EMAIL_LENGTH)]
    password: Annotated[SecretStr, Field(min_length=8, max_length=128)]


class AddProduct(Command):
    verb = "add-product"
    sku: Sku
    name: Annotated[str, Field(min_length=1, max_length=80)]
    price_cents: Annotated[int, Field(gt=0, le=MAX_PRICE_CENTS)]
    stock: Annotated[int, Field(ge=0, le=MAX_STOCK)]

    @field_validator("name")
    @classmethod
    def _printable(cls, name: str) -> str:
        if not name.isprintable() or not name.strip():
            raise ValueError("must be printable text")
        return name


class Restock(Command):
    verb = "restock"
    sku: Sku
    quantity: Annotated[int, Field(gt=0, le=MAX_STOCK)]


class AddToCart(Command):
    verb = "add-to-cart"
    username: Username
    sku: Sku
    quantity: Quantity


class RemoveFromCart(Command):
    verb = "remove-from-cart"
    username: Username
    sku: Sku


class PlaceOrder(Command):
    verb = "place-order"
    username: Username
    order_id: OrderId


class PayOrder(Command):
    verb = "pay"
    order_id: OrderId


class CancelOrder(Command):
    verb = "cancel"
    order_id: OrderId


class ShipOrder(Command):
    verb = "ship"
    order_id: OrderId


COMMAND_TYPES: tuple[type[Command], ...] = (
    RegisterUser,
    AddProduct,
    Restock,
    AddToCart,
    RemoveFromCart,
    PlaceOrder,
    PayOrder,
    CancelOrder,
    ShipOrder,
)


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each bad field and why, without echoing secret values."""
    parts = []
    for item in error.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in item["loc"]) or "command"
        parts.append(f"{field}: {_plain(item)}")
    return "; ".join(parts)


def _count(number: int, noun: str) -> str:
    """'1 character', '32 characters'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _plain(item: dict) -> str:
    kind, ctx = item["type"], item.get("ctx", {})
    if kind == "string_pattern_mismatch":
        return _PATTERN_HINTS.get(str(ctx.get("pattern")), "has characters that are not allowed")
    if kind in ("string_too_short", "too_short"):  # too_short: a password (SecretStr)
        least = int(ctx["min_length"])
        return "must not be empty" if least == 1 else f"must be at least {least} characters"
    if kind in ("string_too_long", "too_long"):
        return f"must be at most {_count(int(ctx['max_length']), 'character')}"
    if kind == "greater_than":
        return f"must be greater than {ctx['gt']}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}"
    return str(item["msg"]).removeprefix("Value error, ")


_PATTERN_HINTS = {
    USERNAME_PATTERN: (
        "must be 2-32 characters: a lowercase letter, then lowercase letters, digits, . _ -"
    ),
    SKU_PATTERN: "must be 1-32 characters: letters, digits, _ and -",
    EMAIL_PATTERN: "is not a valid email address (like alice@example.com)",
}


C = TypeVar("C", bound=Command)


def build(command_type: type[C], **fields: object) -> C:
    """Construct a command, turning pydantic's validation error into the shop's typed error."""
    try:
        return command_type(**fields)
    except ValidationError as error:
        raise InvalidCommand(f"{command_type.verb}: {describe_validation_error(error)}") from None
