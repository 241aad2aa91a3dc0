"""Typed rejections: every rule the shop keeps has its own error with a stable code."""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A command the shop refuses. `code` is stable: lessons and tests match on it."""

    code: ClassVar[str] = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidCommand(DomainError):
    code = "invalid_command"


class UsernameTaken(DomainError):
    code = "username_taken"


class UnknownUser(DomainError):
    code = "unknown_user"


class DuplicateProduct(DomainError):
    code = "duplicate_product"


class UnknownProduct(DomainError):
    code = "unknown_product"


class OutOfStock(DomainError):
    code = "out_of_stock"


class CartLimitExceeded(DomainError):
    code = "cart_limit_exceeded"


class NotInCart(DomainError):
    code = "not_in_cart"


class EmptyCart(DomainError):
    code = "empty_cart"


class UnknownOrder(DomainError):
    code = "unknown_order"


class DuplicateOrder(DomainError):
    code = "duplicate_order"


class AlreadyPaid(DomainError):
    code = "already_paid"


class NotPaid(DomainError):
    code = "not_paid"


class OrderClosed(DomainError):
    """The order was cancelled or shipped: nothing more can happen to it."""

    code = "order_closed"


ERROR_CODES: dict[str, type[DomainError]] = {
    cls.code: cls for cls in (DomainError, *DomainError.__subclasses__())
}
"""Every error above by its code, in the order they are defined: a new rule's error joins
by subclassing `DomainError` here."""
