"""Seeded command ids that sort in the order they are drawn.

Every event stores its command id in the store's indexed `command_id` column. A random id
lands in a random leaf of a large store's index, a page SQLite has not cached (and the
checkpoint writes one such page back a command); an id that sorts after the last one lands
beside it. An id is 32 hex digits, uuid-shaped (version 8: a layout of our own):

    VVVVVVVVVVVV 8 VVV TTTTTTTTTTTTTTTT

V is the top 60 bits of a 64-bit value `start + n * step` (n: the ids drawn before it) and
T is 64 bits the caller gives. The step is drawn between 2**44 and 2**45, so the first 8
digits, the ones the screen shows and `trace PREFIX` takes (`ID_PREFIX`), grow by 4,096 to
8,191 an id: no two ids of a sequence share them, and the last 4 of them tell neighbours
apart. The start is drawn below 2**63, so a sequence sorts for at least 2**18 (262,144)
ids, ~500,000 on average; then the value wraps modulo 2**64 and goes on from the low end,
one id out of place in the index (and from there its first 8 digits may repeat older ones).
"""

from __future__ import annotations

import random

STEP_BITS = 44
VALUE_BITS = 64


class SortedIds:
    """One ascending sequence of ids, its start and step drawn from `rng`."""

    def __init__(self, rng: random.Random) -> None:
        self._next = rng.getrandbits(VALUE_BITS - 1)
        self._step = (1 << STEP_BITS) + rng.getrandbits(STEP_BITS)

    def new(self, tail: int) -> str:
        """The next id of the sequence, ending in the 64 bits of `tail`."""
        value = self._next
        self._next = (value + self._step) % (1 << VALUE_BITS)
        return f"{value >> 16:012x}8{(value >> 4) & 0xFFF:03x}{tail:016x}"
