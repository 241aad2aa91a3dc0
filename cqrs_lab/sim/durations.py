"""Durations as people type them: "800ms", "2s", "1.5s", "10m", "1h", "1m30s", "0".

Parsing is exact (decimal text to `Fraction`, one rounding to float) and formatting rounds
to whole microseconds, so `format_duration(parse_duration(format_duration(x)))` always
gives back the same text.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

MAX_DURATION = 100_000 * 3600.0
"""The longest duration accepted, in seconds (100000h)."""

_UNIT_SECONDS = {"h": Fraction(3600), "m": Fraction(60), "s": Fraction(1), "ms": Fraction(1, 1000)}
_UNIT_ORDER = tuple(_UNIT_SECONDS)
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_PART = re.compile(rf"({_NUMBER})(ms|h|m|s)")
_DURATION = re.compile(rf"(?:{_NUMBER}(?:ms|h|m|s))+")
_US_PER_S = 1_000_000


class DurationError(ValueError):
    """Raised for text that is not a duration."""


def parse_duration(text: str) -> float:
    """Return the duration written in `text`, in seconds."""
    spec = text.strip().lower()
    if not spec:
        raise _error(text, "it is empty")
    if spec.startswith("-"):
        raise _error(text, "durations cannot be negative")
    if re.fullmatch(_NUMBER, spec):
        if _fraction(text, spec) == 0:
            return 0.0
        raise _error(text, f"it has no unit (write {spec}s or {spec}ms)")
    if not _DURATION.fullmatch(spec):
        raise _error(text, "it is not a number followed by a unit")
    total = Fraction(0)
    last_unit = -1
    for match in _PART.finditer(spec):
        number, unit = match.groups()
        rank = _UNIT_ORDER.index(unit)
        if rank <= last_unit:
            raise _error(text, "units must go from largest to smallest, each once (as in 1m30s)")
        last_unit = rank
        total += _fraction(text, number) * _UNIT_SECONDS[unit]
    if total > MAX_DURATION:
        raise _error(text, "it is too long (at most 100000h)")
    return float(total)


def format_duration(seconds: float) -> str:
    """Canonical text for a duration: 0.8 -> "800ms", 2.0 -> "2s", 90 -> "1m30s"."""
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"not a duration: {seconds!r} seconds")
    micros = round(Fraction(seconds) * _US_PER_S)
    if micros == 0:
        return "0s"
    if micros < _US_PER_S:
        return _decimal(micros, 1000) + "ms"
    hours, rest = divmod(micros, 3600 * _US_PER_S)
    minutes, rest = divmod(rest, 60 * _US_PER_S)
    parts = [f"{hours}h"] if hours else []
    if minutes:
        parts.append(f"{minutes}m")
    if rest:
        parts.append(_decimal(rest, _US_PER_S) + "s")
    return "".join(parts)


def _decimal(count: int, per_unit: int) -> str:
    """`count / per_unit` as a short exact decimal (`per_unit` is a power of ten)."""
    whole, fraction = divmod(count, per_unit)
    if not fraction:
        return str(whole)
    digits = len(str(per_unit)) - 1
    return f"{whole}.{fraction:0{digits}d}".rstrip("0")


def _fraction(text: str, number: str) -> Fraction:
    try:
        return Fraction(number)
    except ValueError as error:  # e.g. more digits than int() accepts
        raise _error(text, "the number is too long") from error


def _error(text: str, reason: str) -> DurationError:
    return DurationError(
        f"bad duration {text!r}: {reason}; write a number and a unit (ms, s, m, h), "
        'e.g. "800ms", "1.5s", "10m", "1m30s" or "0"'
    )
