"""Faults a subscription's deliveries suffer: drops, duplicates and reordering.

A dropped delivery is redelivered after `redelivery_timeout` (at-least-once), or, with
`lost` on, is gone for good (at-most-once). The canonical text, `str(faults)`, is what
`parse_faults` reads: "none", or e.g. "drop=0.1 dup=0.05 reorder=on lost=on timeout=2s".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cqrs_lab.sim.durations import format_duration
from cqrs_lab.sim.spec_values import read_duration, read_number, write_number

ACCEPTED_FAULTS = (
    "drop=P, dup=P (P a probability from 0 to 1), reorder=on|off, lost=on|off, "
    "timeout=DURATION (redelivery after a drop, e.g. 2s), none"
)
DEFAULT_TIMEOUT = 1.0
MIN_TIMEOUT = 0.001
_SWITCHES = {"on": True, "off": False}


class FaultSpecError(ValueError):
    """Raised for a fault token that cannot be read."""


@dataclass(frozen=True)
class Faults:
    """Fault settings of one subscription; the defaults are a perfect bus."""

    drop: float = 0.0
    """Probability that a delivery is dropped."""
    lost: bool = False
    """True: a dropped delivery is gone (at-most-once). False: it is redelivered."""
    dup: float = 0.0
    """Probability that an event is delivered a second time."""
    reorder: bool = False
    """True: deliveries may overtake each other. False: the lane is FIFO."""
    redelivery_timeout: float = DEFAULT_TIMEOUT
    """Seconds between a drop and the redelivery's departure."""

    def __post_init__(self) -> None:
        for name in ("drop", "dup"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be a probability from 0 to 1, got {value}")
        timeout = self.redelivery_timeout
        if not (math.isfinite(timeout) and timeout >= MIN_TIMEOUT):
            raise ValueError(f"the redelivery timeout must be at least 1ms, got {timeout}s")

    def __str__(self) -> str:
        words = []
        if self.drop:
            words.append(f"drop={write_number(self.drop)}")
        if self.dup:
            words.append(f"dup={write_number(self.dup)}")
        if self.reorder:
            words.append("reorder=on")
        if self.lost:
            words.append("lost=on")
        if self.redelivery_timeout != DEFAULT_TIMEOUT:
            words.append(f"timeout={format_duration(self.redelivery_timeout)}")
        return " ".join(words) or "none"


def parse_faults(tokens: Sequence[str] | str, base: Faults | None = None) -> Faults:
    """Apply tokens such as "drop=0.1" in order to `base` (default: no faults).

    "none" or "off" clears everything back to the defaults. A single string is split on
    whitespace, so `parse_faults(str(faults))` gives `faults` back.
    """
    words = tokens.split() if isinstance(tokens, str) else tokens
    faults = base if base is not None else Faults()
    for token in words:
        faults = _apply(faults, token)
    return faults


def _apply(faults: Faults, token: str) -> Faults:
    word = token.strip().lower()
    if word in ("none", "off"):
        return Faults()
    key, equals, value = word.partition("=")
    try:
        if not equals:
            raise ValueError("expected NAME=VALUE")
        if key in ("drop", "dup"):
            return replace(faults, **{key: _probability(value)})
        if key in ("reorder", "lost"):
            return replace(faults, **{key: _on_off(value)})
        if key == "timeout":
            return replace(faults, redelivery_timeout=read_duration(value, "500ms or 2s"))
        raise ValueError(f"unknown fault {key!r}")
    except ValueError as error:
        raise FaultSpecError(f"bad fault {token!r}: {error}; accepted: {ACCEPTED_FAULTS}") from None


def _probability(text: str) -> float:
    value = read_number(text)
    if not 0 <= value <= 1:
        raise ValueError(f"{text!r} is not a probability from 0 to 1")
    return value


def _on_off(text: str) -> bool:
    if text not in _SWITCHES:
        raise ValueError(f"{text!r} is neither on nor off")
    return _SWITCHES[text]
