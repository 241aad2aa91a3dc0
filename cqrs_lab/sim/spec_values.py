"""The values inside a lane's specs (`latency.py`, `faults.py`): numbers and durations read
from their text with the reason a spec parser reports, and numbers written back the short
way, so that a spec's text reads back to the same value."""

from __future__ import annotations

from cqrs_lab.sim.durations import DurationError, parse_duration


def read_number(text: str, name: str | None = None) -> float:
    """`text` as a float; else a ValueError saying so (naming the value as `name`)."""
    try:
        return float(text)
    except ValueError:
        named = f"{name} " if name else ""
        raise ValueError(f"{named}{text!r} is not a number") from None


def read_duration(text: str, example: str) -> float:
    """`text` as a duration in seconds; else a ValueError showing `example`s of one."""
    try:
        return parse_duration(text)
    except DurationError:
        raise ValueError(f"{text!r} is not a duration (such as {example})") from None


def write_number(value: float) -> str:
    """A number as a spec writes it: 2 rather than 2.0, else its shortest exact repr."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)
