"""Exact money: amounts are integer cents, never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_PRICE_CENTS = 100_000_000  # one million in the shop's currency


class MoneyFormatError(ValueError):
    """Text that is not an amount with at most two decimals."""


def parse_cents(text: str) -> int:
    """Turn '12.50' (or '12') into 1250 cents; reject floats' rounding traps like '0.001'."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise MoneyFormatError(f"'{text}' is not an amount (write it like 12.50)") from None
    if not amount.is_finite():
        raise MoneyFormatError(f"'{text}' is not an amount (write it like 12.50)")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise MoneyFormatError(f"'{text}' has more than two decimals")
    return int(cents)


def format_cents(cents: int) -> str:
    """1250 -> '12.50'."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
