"""Commands: what a user asks the shop to do. Field rules are declared, not hand-written.

`COMMAND_SPECS` is the verb registry: one `CommandSpec` per command says how it is typed
(its arguments, usage and help), which event gives it back when a recording is replayed,
which views show what it changed, and how often the load sends it. The script parser,
completion, the forms, recordings, the workload and the screen read it; nothing else lists
the verbs. This module imports only the shop's own events and errors, so every layer may.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from cqrs_lab.shop import events as ev
from cqrs_lab.shop.errors import InvalidCommand
from cqrs_lab.shop.money import MAX_PRICE_CENTS
from cqrs_lab.wording import counted

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
    """A fresh id whose first 12 hex digits are the time in milliseconds (uuid7-shaped).

    Ids sort by time, so each new one lands at the right edge of the store's command_id
    index, in a page already cached, not in a random B-tree leaf of a large store.
    """
    return f"{time.time_ns() // 1_000_000:012x}7{secrets.token_hex(10)[:19]}"


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


ArgumentKind = Literal["text", "secret", "whole", "price", "order", "new-order"]
"""How an argument's text becomes its field: as typed (`text`), hidden (`secret`), a whole
number (`whole`), an amount in cents (`price`), an order id that may be `last` (`order`), a
new order id, never `last`, made up by the lab when left out (`new-order`)."""


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument of a shop command as typed, in the order of its usage line."""

    name: str
    """Its placeholder in the usage line: USER, SKU, QTY."""
    field: str
    """The command field it fills."""
    kind: ArgumentKind = "text"
    known: str | None = None
    """What it names that the lab has seen (user, sku, order), for completion; None for a
    new name."""
    optional: bool = False
    default: int | None = None
    """The value of an optional argument left out; None: the lab fills it in."""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """Everything the lab knows about one shop command, declared once."""

    command_type: type[Command]
    arguments: tuple[Argument, ...]
    help: str
    """One sentence for `help`."""
    event: type[ev.Event]
    """The event that says this command appended a group: replay gives the command back
    from it (every field the two share)."""
    views: tuple[str, ...] = ()
    """The views that show what it changed (`read/view_specs.py` names), the one the screen
    follows first; the load's users read them after writing."""
    weight: float = 0.0
    """How often the load sends it, relative to the other requests (0: never)."""
    hint: str | None = None
    """Said when a line has too many arguments."""

    @property
    def verb(self) -> str:
        return self.command_type.verb

    @property
    def usage(self) -> str:
        """As `help` shows it: `add-to-cart USER SKU [QTY]`."""
        names = (f"[{a.name}]" if a.optional else a.name for a in self.arguments)
        return " ".join((self.verb, *names))

    @property
    def replay_fields(self) -> tuple[str, ...]:
        """The command's fields that its event carries too (a password never)."""
        carried = self.event.model_fields
        return tuple(name for name in self.command_type.model_fields if name in carried)


_USER = Argument("USER", "username", known="user")
_SKU = Argument("SKU", "sku", known="sku")
_ORDER = Argument("ORDER", "order_id", "order", known="order")
PASSWORD_HINT = "put quotes around a password with spaces"

COMMAND_SPECS: tuple[CommandSpec, ...] = (
    CommandSpec(
        RegisterUser,
        (
            Argument("USER", "username"),
            Argument("EMAIL", "email"),
            Argument("PASSWORD", "password", "secret"),
        ),
        "Create a shop account; only a salted hash of the password is kept.",
        ev.UserRegistered,
        weight=0.6,  # most shoppers have an account already
        hint=PASSWORD_HINT,
    ),
    CommandSpec(
        AddProduct,
        (
            Argument("SKU", "sku"),
            Argument("NAME", "name"),
            Argument("PRICE", "price_cents", "price"),
            Argument("STOCK", "stock", "whole"),
        ),
        'Add a product to the catalog, e.g. add-product sku-1 "Blue mug" 12.50 10.',
        ev.ProductAdded,
        ("catalog",),
        weight=0.15,
        hint='put quotes around a NAME with spaces, as in "Blue mug"',
    ),
    CommandSpec(
        Restock,
        (_SKU, Argument("QTY", "quantity", "whole")),
        "Add QTY units to a product's stock.",
        ev.ProductRestocked,
        ("catalog",),
        weight=0.7,  # only when a product runs low
    ),
    CommandSpec(
        AddToCart,
        (_USER, _SKU, Argument("QTY", "quantity", "whole", optional=True, default=1)),
        "Put QTY units (default 1) of a product in a user's cart.",
        ev.ItemAddedToCart,
        ("cart",),
        weight=26.0,
    ),
    CommandSpec(
        RemoveFromCart,
        (_USER, _SKU),
        "Take a product out of a user's cart.",
        ev.ItemRemovedFromCart,
        ("cart",),
        weight=2.0,
    ),
    CommandSpec(
        PlaceOrder,
        (_USER, Argument("ORDER_ID", "order_id", "new-order", optional=True)),
        "Turn a user's cart into an order; without ORDER_ID the lab makes one up.",
        ev.OrderPlaced,
        ("orders", "cart", "catalog"),
        weight=10.0,
    ),
    CommandSpec(
        PayOrder,
        (_ORDER,),
        "Pay an order (ORDER may be 'last', the most recent order placed).",
        ev.OrderPaid,
        ("orders",),
        weight=9.0,
    ),
    CommandSpec(
        CancelOrder,
        (_ORDER,),
        "Cancel an order that has not shipped (ORDER may be 'last').",
        ev.OrderCancelled,
        ("orders", "catalog"),
        weight=2.0,
    ),
    CommandSpec(
        ShipOrder,
        (_ORDER,),
        "Ship a paid order (ORDER may be 'last').",
        ev.OrderShipped,
        ("orders",),
        weight=8.0,
    ),
)
COMMAND_TYPES = tuple(spec.command_type for spec in COMMAND_SPECS)
SHOP_VERBS = tuple(spec.verb for spec in COMMAND_SPECS)
SPEC_OF_VERB = {spec.verb: spec for spec in COMMAND_SPECS}


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each bad field and why, without echoing secret values."""
    parts = []
    for item in error.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in item["loc"]) or "command"
        parts.append(f"{field}: {_plain(item)}")
    return "; ".join(parts)


def _plain(item: dict) -> str:
    kind, ctx = item["type"], item.get("ctx", {})
    if kind == "string_pattern_mismatch":
        return _PATTERN_HINTS.get(str(ctx.get("pattern")), "has characters that are not allowed")
    if kind in ("string_too_short", "too_short"):  # too_short: a password (SecretStr)
        least = int(ctx["min_length"])
        return "must not be empty" if least == 1 else f"must be at least {least} characters"
    if kind in ("string_too_long", "too_long"):
        return f"must be at most {counted(int(ctx['max_length']), 'character')}"
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
